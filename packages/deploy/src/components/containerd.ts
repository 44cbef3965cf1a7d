// containerd with runc and the CNI plugins on every worker (render/containerd.ts),
// its registry mirrors (a hosts.toml per registry), and the CNI config that
// hands pods to flannel (render/flannel.ts).
import {
  CNI_CONF_DIR,
  CONTAINERD_CONFIG_PATH,
  containerdConfig,
  containerdNotes,
  containerdUnit,
  registryHostsPath,
  registryHostsToml,
} from "../render/containerd.js";
import { flannelConflist } from "../render/flannel.js";
import type { Component } from "./component.js";

export { CONTAINERD_CONFIG_PATH };
export const CNI_CONFLIST_PATH = `${CNI_CONF_DIR}/10-flannel.conflist`;
const CNI_PLUGINS = ["bridge", "host-local", "loopback", "portmap", "flannel"];

export const containerd: Component = {
  name: "containerd",
  stage: "worker",
  roles: ["worker"],
  plan(b) {
    const cni = CNI_PLUGINS.map((p) => b.bin(`cni/${p}`));
    const cniConf = b.config(CNI_CONFLIST_PATH, "10-flannel.conflist");
    b.unit("containerd.service", [
      b.bin("containerd"),
      b.bin("containerd-shim-runc-v2"),
      b.bin("runc"),
      b.config(CONTAINERD_CONFIG_PATH, "containerd-config.toml"),
      ...cni,
      cniConf,
      ...Object.keys(b.inv.containerd.mirrors).map((host) => b.config(registryHostsPath(host), "containerd-hosts.toml")),
    ]);
  },
  skippedInLocalMode: true,
  templates: {
    "containerd.service": containerdUnit,
    "containerd-config.toml": containerdConfig,
    "10-flannel.conflist": flannelConflist,
    "containerd-hosts.toml": registryHostsToml,
  },
  notes: (inv) => containerdNotes(inv.containerd, inv),
  // Its state, its socket (the kubelet's runtime endpoint) and the optional per-registry config folder.
  runtimePaths: () => ["/var/lib/containerd", "/run/containerd", "/etc/containerd/certs.d"],
  // containerd finds its shim through PATH (the unit's Environment), and each registry's hosts.toml under the CRI's config_path.
  unnamedFiles: (plan) => [`${plan.paths.bin}/containerd-shim-runc-v2`, ...Object.keys(plan.inventory.containerd.mirrors).map(registryHostsPath)],
};
