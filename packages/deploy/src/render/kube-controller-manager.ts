// kube-controller-manager: secure port only (KUBE_CONTROLLER_MANAGER_PORT), Leases for leader election, signs kubelet CSRs with the cluster CA (k8s-pki-approver approves them).
import { KUBE_CONTROLLER_MANAGER_PORT } from "../components/well-known.js";
import type { RenderContext } from "./context.js";
import { renderUnit } from "./systemd.js";

export function controllerManagerFlags(c: RenderContext): string[] {
  const { paths, ids, node, inv, layout } = c;
  const kubeconfig = paths.kubeconfig["kube-controller-manager"];
  const flags = [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    `--bind-address=${node.address}`,
    `--secure-port=${KUBE_CONTROLLER_MANAGER_PORT}`,
    `--client-ca-file=${paths.certPath(ids.mainCa)}`,
    `--requestheader-client-ca-file=${paths.certPath(ids.frontCa)}`,
    `--cluster-name=${inv.clusterName}`,
    // Its own file: the signer refuses a bundle, and ca.pem is one during a CA rotation.
    `--cluster-signing-cert-file=${paths.signingCertPath(ids.mainCa)}`,
    `--cluster-signing-key-file=${paths.keyPath(ids.mainCa)}`,
    `--cluster-signing-duration=${inv.lifetimes.leaf}`,
    `--root-ca-file=${paths.certPath(ids.mainCa)}`,
    `--service-account-private-key-file=${paths.keyPath(ids.saKey)}`,
    `--service-cluster-ip-range=${inv.serviceCidr}`,
    `--cluster-cidr=${inv.podCidr}`,
    // The in-tree CSR approver is off: k8s-pki-approver.service approves kubelet client CSRs with the
    // same SubjectAccessReview rule (and serving CSRs too), so one policy decides and one /metrics counts.
    "--controllers=*,bootstrapsigner,tokencleaner,-csrapproving",
    "--use-service-account-credentials=true",
    "--leader-elect=true",
    "--v=2",
  ];
  const serving = layout.controllerManagerServing;
  if (serving !== undefined) flags.push(`--tls-cert-file=${paths.certPath(serving)}`, `--tls-private-key-file=${paths.keyPath(serving)}`);
  return flags;
}

export const controllerManagerUnit = (c: RenderContext): string =>
  renderUnit({
    description: "Kubernetes controller manager",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/",
    after: ["network-online.target", "kube-apiserver.service"],
    wants: ["network-online.target"],
    exec: { path: c.bin("kube-controller-manager"), flags: controllerManagerFlags(c) },
    serviceAfter: [
      ["Restart", "on-failure"],
      ["RestartSec", "5"],
    ],
  });
