// kube-scheduler on every master (render/kube-scheduler.ts), configured by a
// KubeSchedulerConfiguration file; ready when /healthz on its secure port
// answers; verified by /healthz and its Lease.
import { findCert } from "../plan-model.js";
import { schedulerConfig, schedulerConfigPath, schedulerUnit } from "../render/kube-scheduler.js";
import { certKubeconfig } from "../render/kubeconfig.js";
import type { Component } from "./component.js";
import { httpsProbe } from "./readiness-probe.js";
import { checkHealthz, checkLease } from "./verify-context.js";
import { KUBE_SCHEDULER_PORT } from "./well-known.js";

export { KUBE_SCHEDULER_PORT };

export const kubeScheduler: Component = {
  name: "kube-scheduler",
  stage: "master",
  roles: ["master"],
  plan(b) {
    const serving = b.layout.schedulerServing;
    b.unit("kube-scheduler.service", [
      b.bin("kube-scheduler"),
      b.config(b.paths.kubeconfig["kube-scheduler"], "kube-scheduler.kubeconfig", true),
      b.config(schedulerConfigPath(b.paths), "kube-scheduler.yaml"),
      ...(serving === undefined ? [] : b.pair(serving)),
    ]);
  },
  templates: {
    "kube-scheduler.service": schedulerUnit,
    "kube-scheduler.yaml": schedulerConfig,
    "kube-scheduler.kubeconfig": (c) => certKubeconfig(c, "kube-scheduler", findCert(c.plan, "kube-scheduler").cn),
  },
  readiness: {
    "kube-scheduler.service": (p, node) => httpsProbe(p, `https://${node.address}:${KUBE_SCHEDULER_PORT}/healthz`, { insecure: true }, (status) => status === 200),
  },
  verify: {
    node: (v, m) => checkHealthz(v, "kube-scheduler", m, KUBE_SCHEDULER_PORT),
    api: (v) => checkLease(v, "kube-scheduler"),
  },
};
