// kube-scheduler: KubeSchedulerConfiguration v1, secure port 10259 only.
import jsYaml from "js-yaml";
import type { RenderContext } from "./context.js";
import { renderUnit } from "./systemd.js";

export const schedulerConfig = (c: RenderContext): string =>
  jsYaml.dump(
    {
      apiVersion: "kubescheduler.config.k8s.io/v1",
      kind: "KubeSchedulerConfiguration",
      clientConnection: { kubeconfig: c.hostPath(c.paths.kubeconfig["kube-scheduler"]) },
      leaderElection: { leaderElect: true },
    },
    { lineWidth: -1, noRefs: true },
  );

export function schedulerFlags(c: RenderContext): string[] {
  const { paths, node } = c;
  const kubeconfig = paths.kubeconfig["kube-scheduler"];
  const flags = [
    `--config=${paths.conf}/kube-scheduler.yaml`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    `--bind-address=${node.address}`,
    "--secure-port=10259",
    "--v=2",
  ];
  if (c.inv.pki.layout === "classic") {
    flags.push(`--tls-cert-file=${paths.certPath("kube-scheduler")}`, `--tls-private-key-file=${paths.keyPath("kube-scheduler")}`);
  }
  return flags;
}

export const schedulerUnit = (c: RenderContext): string =>
  renderUnit({
    description: "Kubernetes scheduler",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-scheduler/",
    after: ["network-online.target", "kube-apiserver.service"],
    wants: ["network-online.target"],
    exec: { path: c.bin("kube-scheduler"), flags: schedulerFlags(c) },
    serviceAfter: [
      ["Restart", "on-failure"],
      ["RestartSec", "5"],
    ],
  });
