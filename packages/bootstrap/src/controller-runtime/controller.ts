// A generic controller: an informer feeds a work queue by key; while this
// replica leads (through a LeaderElector, or at once without one), workers
// take keys and reconcile them. Leadership hand-off: a lost Lease aborts the
// term's signal, wakes the workers and waits for them before a new term.
import type { Informer } from "./informer.js";
import type { LeaseLock } from "./lease-lock.js";
import { LeaderElector } from "./leader-election.js";
import type { ObjectWithMeta } from "./list-watch.js";
import type { Logger } from "./logger.js";
import { WorkQueue } from "./work-queue.js";

/**
 * How long stop() waits for a worker in the middle of an API call. One stuck
 * on a server that does not answer is left behind: its write is guarded by
 * the resourceVersion it decided on, and the next leader decides again.
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

/** Leader election settings of a {@link Controller}. */
export interface ElectionOptions {
  lock: LeaseLock;
  namespace: string;
  name: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** Options of {@link Controller}. */
export interface ControllerOptions<T extends ObjectWithMeta> {
  informer: Informer<T>;
  queue?: WorkQueue;
  /** Concurrent workers while leading. */
  workers: number;
  /** This replica's identity (in the Lease and in logs). */
  identity: string;
  /** Whether an object is this controller's business (queued by name). */
  filter(object: T): boolean;
  /** Handles one key; resolves true when it must be retried later (rate-limited). `signal` aborts when leadership ends. */
  reconcile(key: string, signal: AbortSignal): Promise<boolean>;
  /** Without it the controller leads at once (a single replica). */
  election?: ElectionOptions;
  /** Told when this replica starts (true) and stops (false) leading. */
  onLeading?(leading: boolean): void;
  logger: Logger;
  /** Name of the key's field in log lines (default "key"). */
  keyField?: string;
}

/** The run loop shared by controllers. */
export class Controller<T extends ObjectWithMeta> {
  readonly queue: WorkQueue;
  readonly informer: Informer<T>;
  private elector: LeaderElector | undefined;
  private workers: Promise<void>[] = [];
  private leading: AbortController | undefined;
  private stopped = false;

  constructor(private readonly opts: ControllerOptions<T>) {
    this.queue = opts.queue ?? new WorkQueue();
    this.informer = opts.informer;
  }

  isLeader(): boolean {
    return this.leading !== undefined && !this.leading.signal.aborted;
  }

  /** Queues every change the informer reports (but deletions) and starts it. */
  watch(): void {
    if (this.stopped) return;
    this.opts.informer.onEvent((type, obj) => {
      if (type === "DELETED") return;
      if (!this.opts.filter(obj)) return;
      this.queue.add(obj.metadata?.name ?? "");
    });
    this.opts.informer.start();
  }

  /** Leads at once without election; otherwise campaigns for the Lease. */
  campaign(): void {
    if (this.stopped) return;
    const { election, logger, identity } = this.opts;
    if (!election) {
      this.lead(new AbortController());
      return;
    }
    this.elector = new LeaderElector({
      ...election,
      identity,
      logger,
      onStartedLeading: (signal) => {
        const ctl = new AbortController();
        signal.addEventListener("abort", () => ctl.abort(), { once: true });
        this.lead(ctl);
      },
      onStoppedLeading: async () => {
        this.leading?.abort();
        this.opts.onLeading?.(false);
        logger.log("info", "stopped leading", { identity });
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
    this.opts.onLeading?.(true);
    this.opts.logger.log("info", "started leading", { identity: this.opts.identity, workers: this.opts.workers });
    // What happened while we were not leading is in the cache: look at all of it.
    for (const o of this.opts.informer.list()) {
      if (this.opts.filter(o)) this.queue.add(o.metadata?.name ?? "");
    }
    this.workers = Array.from({ length: this.opts.workers }, () => this.work(ctl.signal));
  }

  private async work(signal: AbortSignal): Promise<void> {
    // The cache may never sync (API server unreachable): losing the lease or stopping must not wait for it.
    if (!(await unlessAborted(this.opts.informer.waitForSync(), signal, false))) return;
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
        const retry = await this.opts.reconcile(key, signal);
        if (retry) this.queue.addRateLimited(key);
        else this.queue.forget(key);
      } catch (e) {
        this.opts.logger.log("error", "unexpected error", { [this.opts.keyField ?? "key"]: key, error: e instanceof Error ? e.message : String(e) });
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /**
   * Stops within a couple of seconds whether or not the API server answers:
   * aborts the term, shuts the queue and the informer down, gives workers
   * STOP_GRACE_MS, and with leader election gives the Lease up (bounded by
   * the elector's release timeout) so another replica takes over at once.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.leading?.abort();
    this.queue.shutDown();
    // The watch's LIST/WATCH retries and backoff timers go first: nothing below needs them.
    this.opts.informer.stop();
    await settleWithin(this.workers, STOP_GRACE_MS);
    if (this.elector) {
      await this.elector.release().catch(() => undefined);
      await this.elector.stop().catch(() => undefined);
    }
  }
}
