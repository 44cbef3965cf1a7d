// kubelet: everything in a KubeletConfiguration (v1beta1) file; only the flags that have no config field.
import jsYaml from "js-yaml";
import { KUBELET_HEALTHZ_PORT, KUBELET_PORT } from "../components/well-known.js";
import { runsKubeLb } from "../plan-model.js";
import type { RenderContext } from "./context.js";
import { HOST_PREP_UNIT } from "./host-prep.js";
import { IMAGES_UNIT } from "./images.js";
import { KUBE_LB_UNIT } from "./kube-lb.js";
import { renderUnit } from "./systemd.js";

export const KUBELET_CONFIG_PATH = "/var/lib/kubelet/config.yaml";
/** Where the kubelet keeps the certificates it bootstraps and rotates (its --cert-dir). */
export const KUBELET_CERT_DIR = "/var/lib/kubelet/pki";

export function kubeletConfigObject(c: RenderContext): Record<string, unknown> {
  const { node, paths, ids, inv } = c;
  const presigned = inv.kubeletCerts === "presigned";
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    address: node.address,
    port: KUBELET_PORT,
    readOnlyPort: 0,
    healthzBindAddress: node.address,
    healthzPort: KUBELET_HEALTHZ_PORT,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true, cacheTTL: "2m0s" },
      x509: { clientCAFile: c.hostPath(paths.certPath(ids.mainCa)) },
    },
    authorization: { mode: "Webhook", webhook: { cacheAuthorizedTTL: "5m0s", cacheUnauthorizedTTL: "30s" } },
    cgroupDriver: c.local ? "cgroupfs" : "systemd",
    // Local mode: no runtime; the kubelet bootstraps its client certificate, then exits at the CRI check.
    containerRuntimeEndpoint: c.local ? `unix://${c.hostPath("/run/containerd/none.sock")}` : "unix:///run/containerd/containerd.sock",
    clusterDomain: inv.dnsDomain,
    clusterDNS: [c.plan.derived.dnsServiceIp],
    ...(presigned
      ? {
          rotateCertificates: false,
          serverTLSBootstrap: false,
          tlsCertFile: c.hostPath(paths.certPath(`kubelet-${node.name}`)),
          tlsPrivateKeyFile: c.hostPath(paths.keyPath(`kubelet-${node.name}`)),
        }
      : // Local mode: rotation off, so the bootstrap happens synchronously, before the CRI check.
        { rotateCertificates: !c.local, serverTLSBootstrap: !c.local }),
    // Inventory host.swap tolerate: swap stays on the node, pods get none of it.
    failSwapOn: !c.local && inv.host.swap !== "tolerate",
    ...(inv.host.swap === "tolerate" && !c.local ? { memorySwap: { swapBehavior: "NoSwap" } } : {}),
    ...(c.local || inv.host.cgroupV1 ? { failCgroupV1: false } : {}),
    hairpinMode: "hairpin-veth",
    serializeImagePulls: false,
    maxPods: 110,
  };
}

export const kubeletConfig = (c: RenderContext): string => jsYaml.dump(kubeletConfigObject(c), { lineWidth: -1, noRefs: true });

export function kubeletFlags(c: RenderContext): string[] {
  const kc = c.paths.kubeconfig;
  const flags = [`--config=${KUBELET_CONFIG_PATH}`, `--kubeconfig=${kc.kubelet}`];
  if (c.inv.kubeletCerts === "bootstrap") flags.push(`--bootstrap-kubeconfig=${kc["kubelet-bootstrap"]}`, `--cert-dir=${KUBELET_CERT_DIR}`);
  if (c.local) flags.push("--root-dir=/var/lib/kubelet");
  flags.push(`--hostname-override=${c.node.name}`, `--node-ip=${c.node.address}`, "--v=2");
  return flags;
}

export const kubeletUnit = (c: RenderContext): string =>
  renderUnit({
    description: "Kubernetes kubelet",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/",
    // The image archives (pause among them) are imported before it starts; host preparation set swap and sysctls;
    // through kube-lb where it runs (its kubeconfigs point there).
    after: ["containerd.service", HOST_PREP_UNIT, ...(c.inv.images.length > 0 ? [IMAGES_UNIT] : []), ...(runsKubeLb(c.plan, c.node) ? [KUBE_LB_UNIT] : [])],
    wants: [HOST_PREP_UNIT, ...(c.inv.images.length > 0 ? [IMAGES_UNIT] : []), ...(runsKubeLb(c.plan, c.node) ? [KUBE_LB_UNIT] : [])],
    requires: ["containerd.service"],
    exec: { path: c.bin("kubelet"), flags: kubeletFlags(c) },
    // Local mode: it exits after the bootstrap (no runtime), which counts as done.
    serviceAfter: c.local
      ? [
          ["Restart", "no"],
          ["RemainAfterExit", "yes"],
        ]
      : [
          ["Restart", "always"],
          ["RestartSec", "5"],
        ],
  });
