// When a restarted unit serves again, for rolling restarts: etcd answers
// /health true (it has a leader), kube-apiserver /readyz, the controller-manager
// and scheduler /healthz. Units without an endpoint count as ready once the
// service manager says they run.
import { certIds, type Plan } from "./plan.js";
import { pkiItem, trustPem, type Pki } from "./pki-build.js";
import { DeployError } from "./errors.js";
import { https } from "./https-probe.js";

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

type Probe = () => Promise<string | undefined>;

const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The probe of a unit on a node: resolves undefined when it serves, else why not; undefined when the unit has none. */
export function unitProbe(o: ReadinessOptions, node: { address: string }, unit: string): Probe | undefined {
  const ids = certIds(o.plan);
  const timeoutMs = o.requestTimeoutMs ?? 3000;
  const get = (url: string, tls: { ca?: string; cert?: string; key?: string; insecure?: boolean }, ok: (status: number, body: string) => boolean): Probe => {
    return async () => {
      try {
        const r = await https(url, { ...tls, timeoutMs });
        return ok(r.status, r.body) ? undefined : `${url}: HTTP ${r.status} ${r.body.trim().slice(0, 200)}`;
      } catch (e) {
        return `${url}: ${why(e)}`;
      }
    };
  };
  switch (unit) {
    case "etcd.service": {
      const client = pkiItem(o.pki, ids.etcdctlClient);
      return get(`https://${node.address}:2379/health`, { ca: trustPem(o.pki, ids.etcdCa), cert: client.cert, key: client.key }, (status, body) => {
        try {
          return status === 200 && (JSON.parse(body) as { health?: string }).health === "true";
        } catch {
          return false;
        }
      });
    }
    case "kube-apiserver.service": {
      const admin = pkiItem(o.pki, "admin");
      return get(`https://${node.address}:${o.plan.inventory.apiserver.port}/readyz`, { ca: trustPem(o.pki, ids.mainCa), cert: admin.cert, key: admin.key }, (status) => status === 200);
    }
    // Self-signed serving certificates in the hardened layout; /healthz is always allowed.
    case "kube-controller-manager.service":
      return get(`https://${node.address}:10257/healthz`, { insecure: true }, (status) => status === 200);
    case "kube-scheduler.service":
      return get(`https://${node.address}:10259/healthz`, { insecure: true }, (status) => status === 200);
    default:
      return undefined;
  }
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
