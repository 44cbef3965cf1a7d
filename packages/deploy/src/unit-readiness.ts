// When a restarted unit serves again, for rolling restarts: each component
// owns the probes of its units (etcd /health, kube-apiserver /readyz, the
// controller-manager and scheduler /healthz); units without one count as
// ready once the service manager says they run.
import { COMPONENTS } from "./components/index.js";
import type { Probe } from "./components/readiness-probe.js";
import type { Pki } from "./pki-build.js";
import { pkiLayout } from "./pki-layouts.js";
import type { Plan } from "./plan-model.js";
import { DeployError } from "./errors.js";

export interface ReadinessOptions {
  plan: Plan;
  pki: Pki;
  /** Give up after this long (default 180 s): the apply stops rather than restart the next node. */
  timeoutMs?: number;
  /** Between probes (default 500 ms). */
  intervalMs?: number;
  /** Per request (default 3 s). */
  requestTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  clock?: () => number;
}

/** The probe of a unit on a node: resolves undefined when it serves, else why not; undefined when the unit has none. */
export function unitProbe(o: ReadinessOptions, node: { address: string }, unit: string): Probe | undefined {
  for (const c of COMPONENTS) {
    const probe = c.readiness?.[unit];
    if (probe !== undefined) return probe({ plan: o.plan, pki: o.pki, ids: pkiLayout(o.plan.inventory).ids, timeoutMs: o.requestTimeoutMs ?? 3000 }, node);
  }
  return undefined;
}

/** `waitReady` for applyNodes: polls the unit's probe until it passes, or throws after the timeout with the last reason. */
export function readinessWaiter(o: ReadinessOptions): (node: { name: string; address: string }, unit: string) => Promise<void> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const clock = o.clock ?? Date.now;
  const timeoutMs = o.timeoutMs ?? 180_000;
  return async (node, unit) => {
    const probe = unitProbe(o, node, unit);
    if (probe === undefined) return;
    const start = clock();
    for (;;) {
      const reason = await probe();
      if (reason === undefined) return;
      if (clock() - start >= timeoutMs) {
        throw new DeployError("verify-failed", `${node.name}: ${unit} not ready ${Math.round((clock() - start) / 1000)} s after its restart (${reason}); the other nodes were not restarted`, {
          field: node.name,
        });
      }
      await sleep(o.intervalMs ?? 500);
    }
  };
}
