// containerd 2.x (config version 3) with the runc runtime on the systemd cgroup driver; the pause image pinned here.
import type { RenderContext } from "./context.js";
import { renderUnit } from "./systemd.js";

export const CONTAINERD_CONFIG_PATH = "/etc/containerd/config.toml";
/** Where the CRI plugin reads CNI configs from. */
export const CNI_CONF_DIR = "/etc/cni/net.d";

export const containerdConfig = (c: RenderContext): string => `version = 3
root = '/var/lib/containerd'
state = '/run/containerd'

[grpc]
  address = '/run/containerd/containerd.sock'

[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'

[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = 'registry.k8s.io/pause:${c.inv.versions.pause}'

[plugins.'io.containerd.cri.v1.images'.registry]
  config_path = '/etc/containerd/certs.d'

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = 'io.containerd.runc.v2'

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  BinaryName = '${c.bin("runc")}'
  SystemdCgroup = true

[plugins.'io.containerd.cri.v1.runtime'.cni]
  bin_dirs = ['${c.paths.cniBin}']
  conf_dir = '${CNI_CONF_DIR}'
`;

export const containerdUnit = (c: RenderContext): string =>
  renderUnit({
    description: "containerd container runtime",
    documentation: "https://containerd.io",
    after: ["network.target", "local-fs.target", "flanneld.service"],
    service: [
      ["Environment", `PATH=${c.paths.bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`],
      ["ExecStartPre", "-/sbin/modprobe overlay"],
      ["Type", "notify"],
    ],
    exec: { path: c.bin("containerd"), flags: [`--config=${CONTAINERD_CONFIG_PATH}`] },
    serviceAfter: [
      ["Delegate", "yes"],
      ["KillMode", "process"],
      ["Restart", "always"],
      ["RestartSec", "5"],
      ["LimitNPROC", "infinity"],
      ["LimitCORE", "infinity"],
      ["LimitNOFILE", "1048576"],
      ["TasksMax", "infinity"],
      ["OOMScoreAdjust", "-999"],
    ],
  });
