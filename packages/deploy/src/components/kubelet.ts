// The kubelet on every worker (render/kubelet.ts): a KubeletConfiguration
// file, and either a pre-signed certificate with its kubeconfig or a bootstrap
// kubeconfig (TLS bootstrap: it writes its own kubeconfig and certificates).
// Verified by the nodes the API server lists.
import { nodesWith } from "../inventory.js";
import { bootstrapKubeconfig, certKubeconfig } from "../render/kubeconfig.js";
import { KUBELET_CERT_DIR, KUBELET_CONFIG_PATH, kubeletConfig, kubeletUnit } from "../render/kubelet.js";
import type { Component } from "./component.js";
import { errorText } from "./verify-context.js";
import { KUBELET_HEALTHZ_PORT, KUBELET_PORT } from "./well-known.js";

export { KUBELET_CERT_DIR, KUBELET_HEALTHZ_PORT, KUBELET_PORT };

/**
 * What a bootstrapped kubelet writes in {@link KUBELET_CERT_DIR}: its client
 * certificate (and key), its serving certificate once a serving CSR is
 * approved, or its self-signed serving certificate when it does not ask for one.
 */
export const KUBELET_OWN_CERTS: readonly string[] = ["kubelet-client-current.pem", "kubelet-server-current.pem", "kubelet.crt"];

export const kubelet: Component = {
  name: "kubelet",
  stage: "worker",
  roles: ["worker"],
  plan(b) {
    const kc = b.paths.kubeconfig;
    const inputs = [b.bin("kubelet"), b.cert(b.layout.ids.mainCa), b.config(KUBELET_CONFIG_PATH, "kubelet-config.yaml")];
    if (b.inv.kubeletCerts === "bootstrap") inputs.push(b.config(kc["kubelet-bootstrap"], "kubelet-bootstrap.kubeconfig", true));
    else inputs.push(...b.pair(`kubelet-${b.node.name}`), b.config(kc.kubelet, "kubelet.kubeconfig", true));
    b.unit("kubelet.service", inputs);
  },
  templates: {
    "kubelet.service": kubeletUnit,
    "kubelet-config.yaml": kubeletConfig,
    "kubelet-bootstrap.kubeconfig": bootstrapKubeconfig,
    "kubelet.kubeconfig": (c) => certKubeconfig(c, `kubelet-${c.node.name}`, `system:node:${c.node.name}`, "node-agent"),
  },
  verify: {
    async api(v) {
      try {
        const l = (await v.apiGet("/api/v1/nodes")) as { items?: { metadata?: { name?: string } }[] };
        const names = (l.items ?? []).map((n) => n.metadata?.name ?? "?");
        const want = nodesWith(v.inv, "worker").length;
        const required = v.opts.requireNodes !== false;
        v.add("nodes listed", !required || names.length >= want, `${names.length} node(s)${names.length ? `: ${names.join(", ")}` : ""}${required ? ` (${want} worker(s) expected)` : ""}`);
      } catch (e) {
        v.add("nodes listed", false, errorText(e));
      }
    },
  },
  // TLS bootstrap: the kubelet writes its kubeconfig and certificates itself.
  runtimePaths: (plan) => (plan.inventory.kubeletCerts === "bootstrap" ? [plan.paths.kubeconfig.kubelet, KUBELET_CERT_DIR] : []),
};
