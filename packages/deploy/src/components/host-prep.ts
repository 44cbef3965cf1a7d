// Host preparation on every node (render/host-prep.ts): kernel modules and
// sysctls in their boot-time conf files, and a oneshot unit running a script
// that applies them now, handles swap and checks time sync; its inputs are
// the script and the two conf files, so a changed setting runs it again.
// Verified by the clock skew between this machine and each API server.
import { https } from "../https-probe.js";
import {
  HOST_PREP_SCRIPT,
  HOST_PREP_UNIT,
  MODULES_CONF_PATH,
  SYSCTL_CONF_PATH,
  hostNotes,
  hostPrepScript,
  hostPrepUnit,
  modulesConf,
  sysctlConf,
} from "../render/host-prep.js";
import type { Component } from "./component.js";
import { errorText } from "./verify-context.js";

export { HOST_PREP_UNIT };

/** Above this, `deploy verify` fails the clock check: certificates' notBefore, tokens and leases start to misbehave. */
export const MAX_CLOCK_SKEW_S = 5;

export const hostPrep: Component = {
  name: "host-prep",
  stage: "host",
  roles: ["etcd", "master", "worker"],
  plan(b) {
    b.unit(HOST_PREP_UNIT, [b.script(`${b.paths.bin}/${HOST_PREP_SCRIPT}`, "k8s-pki-host-prep"), b.config(MODULES_CONF_PATH, "k8s-pki-modules.conf"), b.config(SYSCTL_CONF_PATH, "k8s-pki-sysctl.conf")]);
  },
  templates: {
    [HOST_PREP_UNIT]: hostPrepUnit,
    "k8s-pki-host-prep": hostPrepScript,
    "k8s-pki-modules.conf": modulesConf,
    "k8s-pki-sysctl.conf": sysctlConf,
  },
  // It needs root and changes the machine's kernel settings: not on a development machine.
  skippedInLocalMode: true,
  notes: (inv) => hostNotes(inv.host),
  verify: {
    async node(v, node) {
      if (!node.roles.includes("master")) return;
      const name = `clock skew ${node.name}`;
      const url = `https://${node.address}:${v.inv.apiserver.port}/livez`;
      try {
        const r = await https(url, v.apiTls);
        const local = (v.opts.now ?? (() => new Date()))();
        const header = r.headers.date;
        const remote = typeof header === "string" ? new Date(header) : undefined;
        if (remote === undefined || Number.isNaN(remote.getTime())) {
          v.add(name, false, `${url}: no usable Date header (${JSON.stringify(header ?? null)})`);
          return;
        }
        // The Date header has whole seconds: up to 1 s of the figure is its rounding.
        const skew = (remote.getTime() - local.getTime()) / 1000;
        const ok = Math.abs(skew) <= MAX_CLOCK_SKEW_S;
        v.add(name, ok, `API server ${skew >= 0 ? "ahead of" : "behind"} this machine by ${Math.abs(skew).toFixed(1)} s (at most ${MAX_CLOCK_SKEW_S} s)`);
      } catch (e) {
        v.add(name, false, `${url}: ${errorText(e)}`);
      }
    },
  },
  // The script comments swap out of fstab.
  runtimePaths: () => ["/etc/fstab"],
};
