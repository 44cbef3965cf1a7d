// kube-proxy: KubeProxyConfiguration (v1alpha1) file, nftables (or iptables) mode; ipvs is deprecated.
import jsYaml from "js-yaml";
import { KUBE_PROXY_HEALTHZ_PORT, KUBE_PROXY_METRICS_PORT } from "../components/well-known.js";
import { runsKubeLb } from "../plan-model.js";
import type { RenderContext } from "./context.js";
import { HOST_PREP_UNIT } from "./host-prep.js";
import { KUBE_LB_UNIT } from "./kube-lb.js";
import { renderUnit } from "./systemd.js";

export const KUBE_PROXY_CONFIG_PATH = "/var/lib/kube-proxy/config.yaml";

export function kubeProxyConfigObject(c: RenderContext): Record<string, unknown> {
  const { node, inv } = c;
  return {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    bindAddress: node.address,
    clientConnection: { kubeconfig: c.hostPath(c.paths.kubeconfig["kube-proxy"]) },
    clusterCIDR: inv.podCidr,
    healthzBindAddress: `${node.address}:${KUBE_PROXY_HEALTHZ_PORT}`,
    metricsBindAddress: `${node.address}:${KUBE_PROXY_METRICS_PORT}`,
    hostnameOverride: node.name,
    mode: inv.kubeProxyMode,
    // Inventory host.conntrack: where nf_conntrack's limits cannot be written (a container), 0 leaves them alone.
    ...(inv.host.conntrack ? { conntrack: { maxPerCore: inv.host.conntrack.maxPerCore, min: inv.host.conntrack.min } } : {}),
  };
}

export const kubeProxyConfig = (c: RenderContext): string => jsYaml.dump(kubeProxyConfigObject(c), { lineWidth: -1, noRefs: true });

export const kubeProxyFlags = (): string[] => [`--config=${KUBE_PROXY_CONFIG_PATH}`, "--v=2"];

export const kubeProxyUnit = (c: RenderContext): string =>
  renderUnit({
    description: "Kubernetes network proxy",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/",
    // Its rules need forwarding and bridge netfilter, which host preparation sets; through kube-lb where it runs (its
    // kubeconfig points there): start after both.
    after: ["network-online.target", HOST_PREP_UNIT, ...(runsKubeLb(c.plan, c.node) ? [KUBE_LB_UNIT] : [])],
    wants: ["network-online.target", HOST_PREP_UNIT, ...(runsKubeLb(c.plan, c.node) ? [KUBE_LB_UNIT] : [])],
    exec: { path: c.bin("kube-proxy"), flags: kubeProxyFlags() },
    serviceAfter: [
      ["Restart", "on-failure"],
      ["RestartSec", "5"],
      ["LimitNOFILE", "65536"],
    ],
  });
