// The approver controller: watches CSRs, queues them by name, and while it
// leads decides each one with the pure policy, fetching facts as asked and
// writing verdicts. Errors requeue with backoff; they never approve.
import type { KubeConfig, V1CertificateSigningRequest } from "@kubernetes/client-node";
import { checkSar, listNodeAddresses, lookupNode, makeClients, recordEvent, StaleObjectError, verdictReason, writeVerdict, type ApiClients } from "./actions.js";
import type { ApproverConfig } from "./config.js";
import { toCsrObject } from "./csr-object.js";
import { CsrWatcher } from "./csr-watch.js";
import { startHealthServer, type HealthServer } from "./health-server.js";
import { LeaderElector } from "./leader-election.js";
import type { Logger } from "./logger.js";
import { Registry, type Counter, type Gauge, type Histogram } from "./metrics.js";
import { decide, type Decision, type Facts } from "./policy.js";
import { registerRuntimeMetrics } from "./runtime-metrics.js";
import { WorkQueue } from "./work-queue.js";

export const COMPONENT = "k8s-pki-approver";

/**
 * How long stop() waits for a worker in the middle of an API call (a
 * SubjectAccessReview, a verdict write). One stuck on a server that does not
 * answer is left behind: a verdict write is guarded by the resourceVersion it
 * decided on, and the next leader decides the CSR again.
 */
const STOP_GRACE_MS = 1_000;

/** Resolves once every promise settled or after `ms`, whichever comes first. */
function settleWithin(promises: readonly Promise<unknown>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([Promise.allSettled(promises).then(() => undefined), deadline]).finally(() => clearTimeout(timer));
}

/** `p`'s value, or `onAbort` as soon as the signal aborts. */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal, onAbort: T): Promise<T> {
  if (signal.aborted) return Promise.resolve(onAbort);
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => resolve(onAbort);
    signal.addEventListener("abort", abort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

export interface ApproverOptions {
  kubeConfig: KubeConfig;
  config: ApproverConfig;
  logger: Logger;
  now?: () => Date;
  /** Start the /livez, /healthz, /readyz, /metrics server (default true). */
  serve?: boolean;
  /** The k8s-pki version, published as `k8s_pki_build_info{version}`. */
  version?: string;
}

type Outcome = "approved" | "denied" | "left-pending" | "waiting" | "error" | "dry-run";

/** One approver replica. */
export class Approver {
  readonly registry = new Registry();
  readonly queue = new WorkQueue();
  readonly watcher: CsrWatcher;
  private readonly decisions: Counter;
  private readonly latency: Histogram;
  private readonly leaderGauge: Gauge;
  private readonly now: () => Date;
  private api: ApiClients | undefined;
  private elector: LeaderElector | undefined;
  private server: HealthServer | undefined;
  private workers: Promise<void>[] = [];
  private leading: AbortController | undefined;
  private stopped = false;

  constructor(private readonly opts: ApproverOptions) {
    this.now = opts.now ?? (() => new Date());
    this.watcher = new CsrWatcher({ kubeConfig: opts.kubeConfig, logger: opts.logger });
    this.decisions = this.registry.counter({
      name: "k8s_pki_approver_decisions_total",
      help: "Decisions on CertificateSigningRequests by signer, outcome and rule.",
      labelNames: ["signer", "outcome", "reason"],
    });
    this.latency = this.registry.histogram({
      name: "k8s_pki_approver_approval_seconds",
      help: "Time from a CSR's creation to its approval by this replica.",
      labelNames: ["signer"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    });
    this.registry.gauge({ name: "k8s_pki_approver_queue_depth", help: "CSRs waiting in the work queue.", collect: (g) => g.set(undefined, this.queue.len()) });
    this.leaderGauge = this.registry.gauge({ name: "k8s_pki_approver_leader", help: "1 while this replica holds the lease (or runs without leader election)." });
    // Published from the start: a standby replica reads 0, so alerts can tell "not leading" from "not scraped".
    this.leaderGauge.set(undefined, 0);
    this.registry.gauge({ name: "k8s_pki_approver_cache_synced", help: "1 once the CSR cache has synced.", collect: (g) => g.set(undefined, this.watcher.hasSynced() ? 1 : 0) });
    this.registry.counter({ name: "k8s_pki_approver_watch_relists_total", help: "LISTs after the first (410 Gone and the like).", collect: (c) => c.setTotal(undefined, this.watcher.stats().relists) });
    this.registry.counter({ name: "k8s_pki_approver_watch_failures_total", help: "Failed LISTs and WATCHes.", collect: (c) => c.setTotal(undefined, this.watcher.stats().failures) });
    registerRuntimeMetrics(this.registry, { version: opts.version ?? "unknown" });
  }

  /** Ready once the CSR cache has synced (whether or not this replica leads). */
  ready(): boolean {
    return this.watcher.hasSynced();
  }

  isLeader(): boolean {
    return this.leading !== undefined && !this.leading.signal.aborted;
  }

  get healthPort(): number | undefined {
    return this.server?.port;
  }

  async start(): Promise<void> {
    const { config, logger } = this.opts;
    this.api = await makeClients(this.opts.kubeConfig);
    // stop() may come while starting (SIGTERM during start-up): start nothing after it.
    if (this.stopped) return;
    this.watcher.onEvent((type, obj) => {
      if (type === "DELETED") return;
      if (!config.policy.signers.includes(obj.spec.signerName)) return;
      this.queue.add(obj.metadata?.name ?? "");
    });
    this.watcher.start();
    if (this.opts.serve !== false) {
      this.server = await startHealthServer({ port: config.listenPort, host: config.listenHost, readyz: () => this.ready(), metrics: () => this.registry.render() });
    }
    if (this.stopped) {
      await this.server?.close();
      return;
    }
    if (!config.leaderElect) {
      this.lead(new AbortController());
      return;
    }
    this.elector = new LeaderElector({
      kubeConfig: this.opts.kubeConfig,
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity: config.identity,
      leaseDurationMs: config.leaseDurationMs,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
      logger,
      onStartedLeading: (signal) => {
        const ctl = new AbortController();
        signal.addEventListener("abort", () => ctl.abort(), { once: true });
        this.lead(ctl);
      },
      onStoppedLeading: async () => {
        this.leading?.abort();
        this.leaderGauge.set(undefined, 0);
        logger.log("info", "stopped leading", { identity: config.identity });
        // A new term waits for every worker; when shutting down, stop() has already given them their grace (STOP_GRACE_MS).
        if (!this.stopped) await Promise.allSettled(this.workers);
      },
      onNewLeader: (id) => logger.log("info", "leader observed", { leader: id }),
    });
    this.elector.start();
  }

  private lead(ctl: AbortController): void {
    if (this.stopped) return;
    this.leading = ctl;
    this.leaderGauge.set(undefined, 1);
    this.opts.logger.log("info", "started leading", { identity: this.opts.config.identity, workers: this.opts.config.workers });
    // What happened while we were not leading is in the cache: look at all of it.
    for (const o of this.watcher.list()) {
      if (this.opts.config.policy.signers.includes(o.spec.signerName)) this.queue.add(o.metadata?.name ?? "");
    }
    this.workers = Array.from({ length: this.opts.config.workers }, () => this.work(ctl.signal));
  }

  private async work(signal: AbortSignal): Promise<void> {
    // The cache may never sync (API server unreachable): losing the lease or stopping must not wait for it.
    if (!(await unlessAborted(this.watcher.waitForSync(), signal, false))) return;
    while (!signal.aborted) {
      // The signal wakes the worker when leadership is lost, so onStoppedLeading can finish.
      const key = await this.queue.get(signal);
      if (key === undefined) return;
      if (signal.aborted) {
        this.queue.done(key);
        this.queue.add(key);
        return;
      }
      try {
        const retry = await this.process(key, signal);
        if (retry) this.queue.addRateLimited(key);
        else this.queue.forget(key);
      } catch (e) {
        this.opts.logger.log("error", "unexpected error", { csr: key, error: e instanceof Error ? e.message : String(e) });
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** Decides one CSR; returns true when it must be retried later. */
  async process(name: string, signal?: AbortSignal): Promise<boolean> {
    const { logger, config } = this.opts;
    const api = this.api!;
    let obj: V1CertificateSigningRequest | undefined = this.watcher.get(name);
    for (let attempt = 0; obj && attempt < 3; attempt++) {
      const csr = toCsrObject(obj);
      const signer = csr.signerName;
      const facts: Facts = {};
      let d: Decision = decide(csr, config.policy, facts);
      try {
        while (d.action === "need") {
          const before = Object.keys(facts).length;
          if (d.node !== undefined && facts.node === undefined) facts.node = await lookupNode(api, d.node);
          if (d.nodeAddresses && facts.nodeAddresses === undefined) facts.nodeAddresses = await listNodeAddresses(api);
          if (d.sar && facts.sarAllowed === undefined) facts.sarAllowed = await checkSar(api, csr, d.sar.subresource);
          // A policy that asks again for what it has would loop forever: treat it as an error (retried, never approved).
          if (Object.keys(facts).length === before) throw new Error(`the policy asked again for facts it has: ${JSON.stringify(d)}`);
          d = decide(csr, config.policy, facts);
        }
      } catch (e) {
        this.count(signer, "error", "fact-lookup");
        logger.log("warn", "transient error while checking a CSR; will retry", { csr: name, error: errorText(e) });
        return true;
      }
      if (signal?.aborted) return true; // lost the lease while looking: the new leader decides
      switch (d.action) {
        case "ignore":
          return false;
        case "wait":
          this.count(signer, "waiting", d.rule);
          logger.log("info", "not approvable yet; will retry", { csr: name, signer, rule: d.rule, reason: d.message });
          return true;
        case "approve":
        case "deny": {
          const verdict = d.action === "approve" ? { type: "Approved" as const, rule: d.rule, message: d.message } : { type: "Denied" as const, rule: d.rule, message: d.message };
          if (config.dryRun) {
            this.count(signer, "dry-run", d.rule);
            logger.log("info", `dry run: would ${d.action}`, { csr: name, signer, rule: d.rule, reason: d.message });
            return false;
          }
          if (d.action === "deny" && config.denyMode === "pending") {
            this.count(signer, "left-pending", d.rule);
            logger.log("warn", "breaks a rule; left pending (deny-mode=pending)", { csr: name, signer, rule: d.rule, reason: d.message });
            return false;
          }
          try {
            const updated = await writeVerdict(api, obj, verdict, this.now());
            const now = this.now();
            if (d.action === "approve") {
              this.count(signer, "approved", d.rule);
              if (csr.createdAt) this.latency.observe({ signer }, Math.max(0, (now.getTime() - csr.createdAt.getTime()) / 1000));
              logger.log("info", "approved", { csr: name, signer, rule: d.rule, requester: csr.username });
              void recordEvent(api, updated, "Normal", verdictReason(verdict), `${d.message} (rule ${d.rule})`, now, COMPONENT);
            } else {
              this.count(signer, "denied", d.rule);
              logger.log("warn", "denied", { csr: name, signer, rule: d.rule, reason: d.message, requester: csr.username });
              void recordEvent(api, updated, "Warning", verdictReason(verdict), `rule ${d.rule}: ${d.message}`, now, COMPONENT);
            }
            return false;
          } catch (e) {
            if (e instanceof StaleObjectError) {
              // Someone changed it since we read it: read it again and decide again.
              obj = await this.reread(name);
              continue;
            }
            this.count(signer, "error", "write");
            logger.log("warn", "could not write the verdict; will retry", { csr: name, error: errorText(e) });
            return true;
          }
        }
      }
    }
    return false;
  }

  private async reread(name: string): Promise<V1CertificateSigningRequest | undefined> {
    try {
      return await this.api!.certificates.readCertificateSigningRequest({ name });
    } catch {
      return undefined;
    }
  }

  private count(signer: string, outcome: Outcome, reason: string): void {
    this.decisions.inc({ signer, outcome, reason });
  }

  /**
   * Stops everything within a couple of seconds whether or not the API server
   * answers; with leader election, gives the lease up (bounded by the
   * elector's release timeout) so another replica takes over at once.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.leading?.abort();
    this.queue.shutDown();
    // The watch's LIST/WATCH retries and backoff timers go first: nothing below needs them.
    this.watcher.stop();
    await settleWithin(this.workers, STOP_GRACE_MS);
    if (this.elector) {
      await this.elector.release().catch(() => undefined);
      await this.elector.stop().catch(() => undefined);
    }
    await this.server?.close();
    this.leaderGauge.set(undefined, 0);
  }
}

const errorText = (e: unknown): string => {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "number" ? `HTTP ${code}` : e instanceof Error ? e.message : String(e);
};
