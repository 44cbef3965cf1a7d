// kube-proxy on every worker (render/kube-proxy.ts): a KubeProxyConfiguration
// file and its client kubeconfig.
import { certKubeconfig } from "../render/kubeconfig.js";
import { KUBE_PROXY_CONFIG_PATH, kubeProxyConfig, kubeProxyUnit } from "../render/kube-proxy.js";
import type { Component } from "./component.js";
import { KUBE_PROXY_HEALTHZ_PORT, KUBE_PROXY_METRICS_PORT } from "./well-known.js";

export { KUBE_PROXY_HEALTHZ_PORT, KUBE_PROXY_METRICS_PORT };

export const kubeProxy: Component = {
  name: "kube-proxy",
  stage: "worker",
  roles: ["worker"],
  plan(b) {
    b.unit("kube-proxy.service", [
      b.bin("kube-proxy"),
      b.config(b.paths.kubeconfig["kube-proxy"], "kube-proxy.kubeconfig", true),
      b.config(KUBE_PROXY_CONFIG_PATH, "kube-proxy-config.yaml"),
    ]);
  },
  skippedInLocalMode: true,
  templates: {
    "kube-proxy.service": kubeProxyUnit,
    "kube-proxy-config.yaml": kubeProxyConfig,
    "kube-proxy.kubeconfig": (c) => certKubeconfig(c, "kube-proxy", "system:kube-proxy", "node-agent"),
  },
};
