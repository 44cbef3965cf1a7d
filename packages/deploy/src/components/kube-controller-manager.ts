// kube-controller-manager on every master (render/kube-controller-manager.ts):
// signs kubelet CSRs with the cluster CA's own certificate file; ready when
// /healthz on its secure port answers; verified by /healthz and its Lease.
import { findCert } from "../plan-model.js";
import { controllerManagerUnit } from "../render/kube-controller-manager.js";
import { certKubeconfig } from "../render/kubeconfig.js";
import type { Component } from "./component.js";
import { httpsProbe } from "./readiness-probe.js";
import { checkHealthz, checkLease } from "./verify-context.js";
import { KUBE_CONTROLLER_MANAGER_PORT } from "./well-known.js";

export { KUBE_CONTROLLER_MANAGER_PORT };

export const kubeControllerManager: Component = {
  name: "kube-controller-manager",
  stage: "master",
  roles: ["master"],
  plan(b) {
    const { ids, controllerManagerServing } = b.layout;
    b.unit("kube-controller-manager.service", [
      b.bin("kube-controller-manager"),
      b.cert(ids.mainCa),
      b.signingCert(ids.mainCa),
      b.key(ids.mainCa),
      b.cert(ids.frontCa),
      b.key(ids.saKey),
      b.config(b.paths.kubeconfig["kube-controller-manager"], "kube-controller-manager.kubeconfig", true),
      ...(controllerManagerServing === undefined ? [] : b.pair(controllerManagerServing)),
    ]);
  },
  templates: {
    "kube-controller-manager.service": controllerManagerUnit,
    "kube-controller-manager.kubeconfig": (c) => certKubeconfig(c, "kube-controller-manager", findCert(c.plan, "kube-controller-manager").cn),
  },
  readiness: {
    // Self-signed serving certificates in the hardened layout; /healthz is always allowed.
    "kube-controller-manager.service": (p, node) => httpsProbe(p, `https://${node.address}:${KUBE_CONTROLLER_MANAGER_PORT}/healthz`, { insecure: true }, (status) => status === 200),
  },
  verify: {
    node: (v, m) => checkHealthz(v, "kube-controller-manager", m, KUBE_CONTROLLER_MANAGER_PORT),
    api: (v) => checkLease(v, "kube-controller-manager"),
  },
};
