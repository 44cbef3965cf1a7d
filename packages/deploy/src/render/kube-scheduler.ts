// kube-scheduler: KubeSchedulerConfiguration v1, secure port only (KUBE_SCHEDULER_PORT).
import jsYaml from "js-yaml";
import { KUBE_SCHEDULER_PORT } from "../components/well-known.js";
import type { LayoutPaths } from "../pki-layouts.js";
import type { RenderContext } from "./context.js";
import { renderUnit } from "./systemd.js";

export const schedulerConfigPath = (paths: LayoutPaths): string => `${paths.conf}/kube-scheduler.yaml`;

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
    `--config=${schedulerConfigPath(paths)}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    `--bind-address=${node.address}`,
    `--secure-port=${KUBE_SCHEDULER_PORT}`,
    "--v=2",
  ];
  const serving = c.layout.schedulerServing;
  if (serving !== undefined) flags.push(`--tls-cert-file=${paths.certPath(serving)}`, `--tls-private-key-file=${paths.keyPath(serving)}`);
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
