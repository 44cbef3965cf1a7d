// The smoke test's sequence and verdicts against the SmokeApi port: create
// the workload, wait for one ready pod per worker, then prove through those
// pods what only a cluster that runs workloads can show. Each check is
// reported as soon as it is decided; one that depends on a failed one is
// reported as skipped (never dropped), and the namespace is deleted whatever
// happened before (unless asked to keep it).
import { DEFAULT_SMOKE_IMAGE, readyLine, SMOKE_NAME, SMOKE_PORT, SMOKE_SELECTOR, SMOKE_SERVICE_PORT, smokeDeployment, smokeNamespace, smokeService } from "./smoke-workload.js";
import { httpGetCommand, parseHttpAnswer } from "./smoke-http.js";
import { answeredAddresses, parseNslookup } from "./smoke-nslookup.js";
import { realClock, type SmokeApi, type SmokeClock, type SmokeExecResult, type SmokeNode, type SmokePod } from "./smoke-api.js";

export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** Not run: an earlier check it needs failed (or the run was interrupted). `ok` is false. */
  skipped?: boolean;
}

export interface SmokeChecksOptions {
  api: SmokeApi;
  namespace: string;
  /** Default docker.io/library/busybox:1.36 (nc, httpd, nslookup and hostname are the applets used). */
  image?: string;
  /** The cluster's DNS domain (inventory dnsDomain). */
  dnsDomain: string;
  /** The `kubernetes` Service's ClusterIP, which DNS must give for kubernetes.default.svc.<domain>. */
  apiServiceIp: string;
  /**
   * Nodes that must be Ready and schedulable (the inventory's workers): the workload waits for them (within
   * `timeoutMs`) and fails naming the ones still missing, so a node that never joined, or lost the API, fails the
   * smoke test instead of being left out quietly.
   */
  expectedWorkers?: readonly string[];
  /** How long the expected nodes, then the pods, may take to be ready; default 180 s. */
  timeoutMs?: number;
  /** Per exec; default 20 s. */
  execTimeoutMs?: number;
  /**
   * The network checks' retries: the Service and DNS need a moment (endpoints, proxy rules), default 6 attempts 5 s
   * apart; pod-to-pod only needs the routes the pods already had when they got ready, default 2 attempts 2 s apart
   * (a broken pod network then fails in well under a minute per pair). Given, it applies to all of them.
   */
  retry?: { attempts: number; delayMs: number };
  /** Leave the namespace for debugging. */
  keep?: boolean;
  clock?: SmokeClock;
  /** Aborting skips what is left and goes to the clean-up. */
  signal?: AbortSignal;
  onCheck?: (c: SmokeCheck) => void;
}

export interface SmokeChecksResult {
  ok: boolean;
  namespace: string;
  checks: SmokeCheck[];
}

/** The fixed check names, for callers that look one up. */
export const SMOKE_CHECK = {
  workload: "smoke workload created",
  pods: "smoke pods ready, one per worker",
  logs: "smoke kubectl logs",
  exec: "smoke kubectl exec",
  podToPod: "smoke pod-to-pod across nodes",
  service: "smoke Service ClusterIP",
  dnsApi: "smoke DNS kubernetes.default",
  dnsService: "smoke DNS Service name",
  dnsShort: "smoke DNS Service short name",
  cleanup: "smoke clean-up",
} as const;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The nodes the smoke pods cannot use, and why: shown so a run with a node down says what it left out. */
export function leftOutNodes(nodes: readonly SmokeNode[]): string[] {
  return nodes
    .filter((n) => !n.ready || !n.schedulable)
    .map((n) => `${n.name} (${n.ready ? "not schedulable" : "not Ready"})`)
    .sort();
}

/** The expected nodes that cannot take a pod now, each with why (not registered, not Ready, not schedulable). */
export function missingWorkers(expected: readonly string[], nodes: readonly SmokeNode[]): string[] {
  return expected
    .map((name) => {
      const n = nodes.find((x) => x.name === name);
      if (n === undefined) return `${name} (not registered)`;
      if (!n.ready) return `${name} (not Ready)`;
      return n.schedulable ? undefined : `${name} (not schedulable)`;
    })
    .filter((x): x is string => x !== undefined);
}

/** The nodes the Deployment can use: Ready and schedulable, sorted by name. */
export function smokeWorkers(nodes: readonly SmokeNode[]): string[] {
  return nodes
    .filter((n) => n.ready && n.schedulable)
    .map((n) => n.name)
    .sort();
}

export type PodsVerdict = { ok: true; pods: SmokePod[]; detail: string } | { ok: false; detail: string };

/** One ready pod with an IP on every worker, or what is missing, naming the node and the pod's state. */
export function podsVerdict(workers: readonly string[], pods: readonly SmokePod[]): PodsVerdict {
  const chosen: SmokePod[] = [];
  const missing: string[] = [];
  for (const node of workers) {
    const here = pods.filter((p) => p.node === node);
    const ready = here.find((p) => p.ready && p.ip !== undefined);
    if (ready !== undefined) chosen.push(ready);
    else missing.push(here.length === 0 ? `${node}: no pod` : `${node}: ${here.map((p) => `${p.name} not ready (${p.state})`).join(", ")}`);
  }
  const unscheduled = pods.filter((p) => p.node === undefined).map((p) => `${p.name} unscheduled (${p.state})`);
  if (missing.length > 0) return { ok: false, detail: [...missing, ...unscheduled].join("; ") };
  return { ok: true, pods: chosen, detail: chosen.map((p) => `${p.name} on ${p.node} (${p.ip})`).join(", ") };
}

const podLabel = (p: SmokePod): string => `${p.name} on ${p.node}`;

export async function runSmokeChecks(o: SmokeChecksOptions): Promise<SmokeChecksResult> {
  const { api, namespace: ns } = o;
  const clock = o.clock ?? realClock;
  const execTimeoutMs = o.execTimeoutMs ?? 20_000;
  const serviceRetry = o.retry ?? { attempts: 6, delayMs: 5000 };
  const podRetry = o.retry ?? { attempts: 2, delayMs: 2000 };
  const checks: SmokeCheck[] = [];
  const add = (c: SmokeCheck): void => {
    checks.push(c);
    o.onCheck?.(c);
  };
  const aborted = (): boolean => o.signal?.aborted === true;
  const skip = (name: string, why: string): void => add({ name, ok: false, skipped: true, detail: `skipped: ${aborted() ? "interrupted" : why}` });
  const exec = async (p: SmokePod, command: string[]): Promise<SmokeExecResult> => api.exec(ns, p.name, command, execTimeoutMs);

  /** Tries `attempt` until it passes or the retries run out; the last reason is the failure's detail. */
  const retried = async (retry: { attempts: number; delayMs: number }, attempt: () => Promise<{ ok: boolean; detail: string }>): Promise<{ ok: boolean; detail: string }> => {
    let last = { ok: false, detail: "not tried" };
    for (let i = 1; i <= retry.attempts && !aborted(); i++) {
      try {
        last = await attempt();
      } catch (e) {
        last = { ok: false, detail: errorText(e) };
      }
      if (last.ok) return last;
      if (i < retry.attempts) await clock.sleep(retry.delayMs, o.signal);
    }
    if (last.ok) return last;
    if (aborted()) return { ok: false, detail: `${last.detail} (interrupted)` };
    return retry.attempts > 1 ? { ok: false, detail: `${last.detail} (after ${retry.attempts} attempts)` } : last;
  };

  let created = false;
  const deadline = clock.now() + (o.timeoutMs ?? 180_000);
  try {
    // 1. The workload, once every expected node is there to run a pod.
    let workers: string[] = [];
    let leftOut: string[] = [];
    let clusterIP = "";
    try {
      let absent: string[] = [];
      for (;;) {
        const nodes = await api.listNodes();
        workers = smokeWorkers(nodes);
        leftOut = leftOutNodes(nodes);
        absent = missingWorkers(o.expectedWorkers ?? [], nodes);
        if (absent.length === 0 || aborted() || clock.now() >= deadline) break;
        await clock.sleep(2000, o.signal);
      }
      if (absent.length > 0) throw new Error(`${aborted() ? "interrupted" : `not within ${Math.round((o.timeoutMs ?? 180_000) / 1000)} s`}: no pod can run on ${absent.join(", ")}`);
      if (workers.length === 0) throw new Error(`no Ready, schedulable node to run pods on${leftOut.length === 0 ? "" : ` (${leftOut.join(", ")})`}`);
      await api.createNamespace(smokeNamespace(ns));
      created = true;
      await api.createDeployment(ns, smokeDeployment(ns, o.image ?? DEFAULT_SMOKE_IMAGE, workers.length));
      clusterIP = (await api.createService(ns, smokeService(ns))).clusterIP;
      add({ name: SMOKE_CHECK.workload, ok: true, detail: `namespace ${ns}, Deployment ${SMOKE_NAME} with ${workers.length} replicas for ${workers.join(", ")}, Service ${SMOKE_NAME} ${clusterIP}${leftOut.length === 0 ? "" : `; left out ${leftOut.join(", ")}`}` });
    } catch (e) {
      add({ name: SMOKE_CHECK.workload, ok: false, detail: `namespace ${ns}: ${errorText(e)}` });
    }

    // 2. One ready pod per worker.
    let pods: SmokePod[] | undefined;
    if (clusterIP === "") skip(SMOKE_CHECK.pods, "no workload");
    else {
      let verdict: PodsVerdict = { ok: false, detail: "not listed yet" };
      for (;;) {
        try {
          verdict = podsVerdict(workers, await api.listPods(ns, SMOKE_SELECTOR));
        } catch (e) {
          verdict = { ok: false, detail: `listing pods: ${errorText(e)}` };
        }
        if (verdict.ok || aborted() || clock.now() >= deadline) break;
        await clock.sleep(2000, o.signal);
      }
      if (verdict.ok) pods = verdict.pods;
      const waited = Math.round((o.timeoutMs ?? 180_000) / 1000);
      add({ name: SMOKE_CHECK.pods, ok: verdict.ok, detail: verdict.ok ? verdict.detail : `${aborted() ? "interrupted" : `not within ${waited} s`}: ${verdict.detail}` });
    }

    // 3. kubectl logs and exec: the API server reaching each kubelet's serving certificate.
    if (pods === undefined || aborted()) skip(SMOKE_CHECK.logs, "pods not ready");
    else {
      const bad: string[] = [];
      for (const p of pods) {
        try {
          const log = await api.readLog(ns, p.name);
          if (!log.includes(readyLine(p.name))) bad.push(`${podLabel(p)}: log lacks "${readyLine(p.name)}" (log: ${JSON.stringify(log.trim().slice(0, 120))})`);
        } catch (e) {
          bad.push(`${podLabel(p)}: ${errorText(e)}`);
        }
      }
      add({ name: SMOKE_CHECK.logs, ok: bad.length === 0, detail: bad.length === 0 ? `the ready line in the log of ${pods.map(podLabel).join(", ")}` : bad.join("; ") });
    }

    let execOk = false;
    if (pods === undefined || aborted()) skip(SMOKE_CHECK.exec, "pods not ready");
    else {
      const bad: string[] = [];
      for (const p of pods) {
        try {
          const r = await exec(p, ["hostname"]);
          if (r.exitCode !== 0 || r.stdout.trim() !== p.name) bad.push(`${podLabel(p)}: hostname gave ${JSON.stringify(r.stdout.trim())}, exit ${r.exitCode}${r.stderr.trim() === "" ? "" : ` (${r.stderr.trim()})`}`);
        } catch (e) {
          bad.push(`${podLabel(p)}: ${errorText(e)}`);
        }
      }
      execOk = bad.length === 0;
      add({ name: SMOKE_CHECK.exec, ok: execOk, detail: execOk ? `hostname in ${pods.map(podLabel).join(", ")} is the pod's name` : bad.join("; ") });
    }

    // 4. Through the pods: the pod network, the Service, DNS.
    const through = execOk && pods !== undefined && !aborted() ? pods : undefined;
    if (through === undefined) skip(SMOKE_CHECK.podToPod, "exec failed");
    else {
      const pairs = through.flatMap((from) => through.filter((to) => to.node !== from.node).map((to) => ({ from, to })));
      const bad: string[] = [];
      for (const { from, to } of pairs) {
        const r = await retried(podRetry, async () => {
          const a = parseHttpAnswer((await exec(from, httpGetCommand(to.ip!, SMOKE_PORT))).stdout);
          if (!a.ok) return { ok: false, detail: a.reason };
          return { ok: a.status === 200 && a.body.trim() === to.name, detail: `HTTP ${a.status} ${JSON.stringify(a.body.trim().slice(0, 60))}` };
        });
        if (!r.ok) bad.push(`${podLabel(from)} -> ${to.name} on ${to.node} at ${to.ip}:${SMOKE_PORT}: ${r.detail}`);
      }
      const detail =
        pairs.length === 0 ? "one worker: no pair of nodes to cross" : bad.length === 0 ? `${pairs.length} GETs between ${through.length} nodes, each answered by the pod asked` : bad.join("; ");
      add({ name: SMOKE_CHECK.podToPod, ok: bad.length === 0, detail });
    }

    const first = through?.[0];
    if (first === undefined) skip(SMOKE_CHECK.service, "exec failed");
    else {
      const names = new Set(through!.map((p) => p.name));
      const r = await retried(serviceRetry, async () => {
        const a = parseHttpAnswer((await exec(first, httpGetCommand(clusterIP, SMOKE_SERVICE_PORT))).stdout);
        if (!a.ok) return { ok: false, detail: a.reason };
        const who = a.body.trim();
        return { ok: a.status === 200 && names.has(who), detail: names.has(who) ? `answered by ${who}` : `HTTP ${a.status} ${JSON.stringify(who.slice(0, 60))}, not a smoke pod` };
      });
      add({ name: SMOKE_CHECK.service, ok: r.ok, detail: `from ${first.name}, GET http://${clusterIP}:${SMOKE_SERVICE_PORT}/: ${r.detail}` });
    }

    const lookups: { check: string; name: string; want: string }[] = [
      { check: SMOKE_CHECK.dnsApi, name: `kubernetes.default.svc.${o.dnsDomain}`, want: o.apiServiceIp },
      { check: SMOKE_CHECK.dnsService, name: `${SMOKE_NAME}.${ns}.svc.${o.dnsDomain}`, want: clusterIP },
      // No dot: only the pod's resolv.conf search path makes it the Service's name.
      { check: SMOKE_CHECK.dnsShort, name: SMOKE_NAME, want: clusterIP },
    ];
    for (const l of lookups) {
      if (first === undefined || aborted()) {
        skip(l.check, "exec failed");
        continue;
      }
      const r = await retried(serviceRetry, async () => {
        const out = await exec(first, ["nslookup", l.name]);
        const parsed = parseNslookup(out.stdout + "\n" + out.stderr);
        const got = answeredAddresses(parsed);
        if (got.includes(l.want)) return { ok: true, detail: `${l.name} is ${l.want}${parsed.server === undefined ? "" : ` (server ${parsed.server})`}` };
        const why = got.length > 0 ? `gave ${got.join(", ")}` : (parsed.errors[0] ?? `no answer (exit ${out.exitCode})`);
        return { ok: false, detail: `${l.name}: ${why}, want ${l.want}` };
      });
      add({ name: l.check, ok: r.ok, detail: `from ${first.name}: ${r.detail}` });
    }
  } finally {
    // 5. Clean-up, whatever happened above.
    if (!created) add({ name: SMOKE_CHECK.cleanup, ok: true, detail: `nothing to delete (namespace ${ns} was not created)` });
    else if (o.keep === true) add({ name: SMOKE_CHECK.cleanup, ok: true, detail: `kept namespace ${ns} (--keep); delete it with: kubectl delete namespace ${ns}` });
    else {
      try {
        await api.deleteNamespace(ns);
        add({ name: SMOKE_CHECK.cleanup, ok: true, detail: `namespace ${ns} deleted` });
      } catch (e) {
        add({ name: SMOKE_CHECK.cleanup, ok: false, detail: `deleting namespace ${ns}: ${errorText(e)}; delete it with: kubectl delete namespace ${ns}` });
      }
    }
  }
  return { ok: checks.every((c) => c.ok), namespace: ns, checks };
}
