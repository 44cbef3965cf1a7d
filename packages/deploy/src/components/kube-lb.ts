// kube-lb on every worker when loadBalancer.kind is haproxy (render/kube-lb.ts):
// the distribution's HAProxy on loopback in front of every master's API
// server. It starts first in the worker stage, so the kubelet and kube-proxy,
// whose kubeconfigs point at it (plan-model.ts nodeApiserverUrl), find it up.
import { runsKubeLb } from "../plan-model.js";
import { KUBE_LB_CONFIG_PATH, KUBE_LB_UNIT, kubeLbConfig, kubeLbUnit } from "../render/kube-lb.js";
import type { Component } from "./component.js";

export { KUBE_LB_CONFIG_PATH, KUBE_LB_UNIT };

export const kubeLb: Component = {
  name: "kube-lb",
  stage: "worker",
  roles: ["worker"],
  plan(b) {
    if (b.inv.loadBalancer.kind !== "haproxy") return;
    b.unit(KUBE_LB_UNIT, [b.config(KUBE_LB_CONFIG_PATH, "kube-lb-haproxy.cfg")]);
  },
  // Local mode's nodes share one loopback (one port for all), and localInventory turns it off anyway.
  skippedInLocalMode: true,
  templates: {
    "kube-lb.service": kubeLbUnit,
    "kube-lb-haproxy.cfg": kubeLbConfig,
  },
  // The operator installs HAProxy (Debian's haproxy package); it is not copied from binDir.
  runtimePaths: (plan, node) => (runsKubeLb(plan, node) ? [plan.inventory.loadBalancer.binary] : []),
  hostBinaries: (plan, node) =>
    runsKubeLb(plan, node)
      ? [{ path: plan.inventory.loadBalancer.binary, hint: "kube-lb runs it; install HAProxy, e.g. Debian's haproxy package, or set loadBalancer.binary" }]
      : [],
};
