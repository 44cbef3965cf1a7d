// The optional renewal timers (inventory `renewal`, render/renewal-timer.ts):
// the expiry check on every master, and the opt-in renew + apply on the node
// that keeps the deploy state. The timer is the unit apply enables and starts;
// its service only runs when the timer fires.
import { CHECK_SERVICE, CHECK_TIMER, checkedDirs, checkService, RENEW_SERVICE, RENEW_TIMER, renewalTimer, renewService } from "../render/renewal-timer.js";
import type { Component } from "./component.js";

export const renewalTimers: Component = {
  name: "renewal-timer",
  // Last: what the timers run needs the cluster up.
  stage: "worker",
  roles: ["etcd", "master", "worker"],
  plan(b) {
    const r = b.inv.renewal;
    if (r === undefined) return;
    if (b.has("master")) b.unit(CHECK_TIMER, [b.config(`${b.paths.units}/${CHECK_SERVICE}`, CHECK_SERVICE), b.bin("k8s-pki")]);
    if (r.renew?.node === b.node.name) b.unit(RENEW_TIMER, [b.config(`${b.paths.units}/${RENEW_SERVICE}`, RENEW_SERVICE), b.bin("k8s-pki")]);
  },
  // Timers need systemd; their services go with them.
  skippedInLocalMode: true,
  templates: {
    [CHECK_TIMER]: (c) => renewalTimer(CHECK_SERVICE, c.inv.renewal!, "certificate expiry check"),
    [CHECK_SERVICE]: (c) => checkService(c.bin("k8s-pki"), c.inv.renewal!, checkedDirs(c.node)),
    [RENEW_TIMER]: (c) => renewalTimer(RENEW_SERVICE, c.inv.renewal!, "renew and apply certificates near expiry"),
    [RENEW_SERVICE]: (c) => renewService(c.bin("k8s-pki"), c.inv.renewal!),
  },
  // The textfile collector folder it writes; the state folder, inventory and SSH files the operator keeps on the renewing node.
  runtimePaths: (plan, node) => {
    const r = plan.inventory.renewal;
    if (r === undefined) return [];
    const a = r.renew?.node === node.name ? r.renew : undefined;
    return [r.textfileDir, ...(a === undefined ? [] : [a.stateDir, a.inventory, a.sshKey, ...(a.knownHosts === undefined ? [] : [a.knownHosts])])];
  },
};
