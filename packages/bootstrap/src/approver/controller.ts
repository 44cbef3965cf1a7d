// The approver controller: the runtime's Controller over the CSR informer,
// reconciling each CSR with handle() while this replica leads, plus its
// metrics and its /livez, /healthz, /readyz and /metrics server. It talks to
// the API only through its ports (built from a kubeconfig when none are given).
import type { KubeConfig, V1CertificateSigningRequest } from "@kubernetes/client-node";
import { Controller } from "../controller-runtime/controller.js";
import { startHealthServer, type HealthServer } from "../controller-runtime/health-server.js";
import type { Logger } from "../controller-runtime/logger.js";
import { Registry, type Counter, type Gauge, type Histogram } from "../controller-runtime/metrics.js";
import { registerRuntimeMetrics } from "../controller-runtime/runtime-metrics.js";
import type { WorkQueue } from "../controller-runtime/work-queue.js";
import type { ApproverConfig } from "./config.js";
import { CsrWatcher } from "./csr-watch.js";
import { handle } from "./handle.js";
import { createKubePorts } from "./kube-ports.js";
import type { ApproverPorts } from "./ports.js";

export { COMPONENT } from "./handle.js";

export interface ApproverOptions {
  /** The API ports; default built from `kubeConfig` with {@link createKubePorts}. */
  ports?: ApproverPorts;
  /** Used only without `ports`. */
  kubeConfig?: KubeConfig;
  config: ApproverConfig;
  logger: Logger;
  now?: () => Date;
  /** Start the /livez, /healthz, /readyz, /metrics server (default true). */
  serve?: boolean;
  /** The k8s-pki version, published as `k8s_pki_build_info{version}`. */
  version?: string;
}

/** One approver replica. */
export class Approver {
  readonly registry = new Registry();
  readonly queue: WorkQueue;
  readonly watcher: CsrWatcher;
  private readonly ports: ApproverPorts;
  private readonly controller: Controller<V1CertificateSigningRequest>;
  private readonly decisions: Counter;
  private readonly latency: Histogram;
  private readonly leaderGauge: Gauge;
  private readonly now: () => Date;
  private server: HealthServer | undefined;
  private stopped = false;

  constructor(private readonly opts: ApproverOptions) {
    const { config, logger } = opts;
    this.now = opts.now ?? (() => new Date());
    if (!opts.ports && !opts.kubeConfig) throw new RangeError("approver: ports or a kubeConfig are needed");
    this.ports = opts.ports ?? createKubePorts(opts.kubeConfig!, { namespace: config.leaseNamespace, name: config.leaseName });
    this.watcher = new CsrWatcher({ port: this.ports.csrs, logger });
    const handles = (o: V1CertificateSigningRequest): boolean => config.policy.signers.includes(o.spec.signerName);
    this.controller = new Controller({
      informer: this.watcher,
      workers: config.workers,
      identity: config.identity,
      filter: handles,
      reconcile: (key, signal) => this.process(key, signal),
      election: config.leaderElect
        ? {
            lock: this.ports.lease,
            namespace: config.leaseNamespace,
            name: config.leaseName,
            leaseDurationMs: config.leaseDurationMs,
            renewDeadlineMs: config.renewDeadlineMs,
            retryPeriodMs: config.retryPeriodMs,
          }
        : undefined,
      onLeading: (leading) => this.leaderGauge.set(undefined, leading ? 1 : 0),
      logger,
      keyField: "csr",
    });
    this.queue = this.controller.queue;
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
    return this.controller.isLeader();
  }

  get healthPort(): number | undefined {
    return this.server?.port;
  }

  async start(): Promise<void> {
    const { config } = this.opts;
    // stop() may come while starting (SIGTERM during start-up): start nothing after it.
    if (this.stopped) return;
    this.controller.watch();
    if (this.opts.serve !== false) {
      this.server = await startHealthServer({ port: config.listenPort, host: config.listenHost, readyz: () => this.ready(), metrics: () => this.registry.render() });
    }
    if (this.stopped) {
      await this.server?.close();
      return;
    }
    this.controller.campaign();
  }

  /** Decides one CSR from the cache; returns true when it must be retried later. */
  process(name: string, signal?: AbortSignal): Promise<boolean> {
    return handle(this.watcher.get(name), this.ports.api, {
      config: this.opts.config,
      logger: this.opts.logger,
      metrics: { decisions: this.decisions, latency: this.latency },
      now: this.now,
      signal,
    });
  }

  /**
   * Stops everything within a couple of seconds whether or not the API server
   * answers; with leader election, gives the lease up (bounded by the
   * elector's release timeout) so another replica takes over at once.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.controller.stop();
    await this.server?.close();
    this.leaderGauge.set(undefined, 0);
  }
}
