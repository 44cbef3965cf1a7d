// Leader election over a LeaseLock port (client-go's leaderelection): one
// replica leads, the others stand by and take over when the Lease expires or
// is released.
import type { KubeConfig, V1Lease, V1LeaseSpec } from "@kubernetes/client-node";
import { apiStatus, describeApiError } from "../kube-client.js";
import { createKubeLeaseLock } from "./kube-ports.js";
import type { LeaseLock } from "./lease-lock.js";
import type { Logger } from "./logger.js";

/** Options of {@link LeaderElector}. */
export interface LeaderElectionOptions {
  /** Where the Lease is read and written; default a client-node lock built from `kubeConfig`. */
  lock?: LeaseLock;
  /** Used only without `lock`. */
  kubeConfig?: KubeConfig;
  /** Namespace and name of the Lease. */
  namespace: string;
  name: string;
  /** This replica's identity, unique among candidates (e.g. pod name + random suffix). */
  identity: string;
  /** How long others wait, from when they last saw the Lease change, before taking it. Default 15 s. */
  leaseDurationMs?: number;
  /** A leader that has not renewed for this long stops leading. Must be < leaseDurationMs. Default 10 s. */
  renewDeadlineMs?: number;
  /** Interval between acquire and renew attempts. Default 2 s. */
  retryPeriodMs?: number;
  /**
   * Longest release() spends writing the Lease free (default 1.5 s, never more
   * than renewDeadlineMs): a process shutting down on SIGTERM must not wait on
   * a server that does not answer; the Lease then expires instead.
   */
  releaseTimeoutMs?: number;
  /**
   * Called when this replica becomes leader. `signal` aborts when it stops
   * leading; work must stop then. May return a promise (its rejection is logged).
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /**
   * Called once after leadership ends (renew deadline passed, another holder
   * seen, stop or release). `release()` waits for it before it gives the Lease
   * up, so in-flight work can be drained here.
   */
  onStoppedLeading(): void | Promise<void>;
  /** Called when the observed holder changes, including to this replica; "" means released. */
  onNewLeader?(identity: string): void;
  /** Clock in milliseconds for expiry judgements and written timestamps; default Date.now. */
  now?: () => number;
  logger?: Logger;
}

// MicroTime needs exactly six fractional digits; client-node's V1MicroTime does the same.
class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().slice(0, -1) + "000Z";
  }
}

// client-node leaves MicroTime fields as the server's strings on read, Dates on our writes.
function timeString(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  return v === undefined || v === null ? "" : String(v);
}

type Attempt = "ok" | "held-by-other" | "failed";

/**
 * A candidate for a Lease. After {@link start} it tries to acquire the Lease
 * every retryPeriod; once it holds it, it renews every retryPeriod and stops
 * leading if no renewal succeeded for renewDeadline. After losing it goes back
 * to being a candidate (call {@link stop} from onStoppedLeading to exit
 * instead, as kube-controller-manager does).
 *
 * Safety rests on two rules client-go also follows: a Lease is taken over only
 * with a resourceVersion-guarded replace (two candidates cannot both win), and
 * expiry is judged from when this process last saw the record change, never by
 * comparing its clock with the holder's renewTime.
 */
export class LeaderElector {
  readonly identity: string;
  private readonly opts: LeaderElectionOptions;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly releaseTimeoutMs: number;
  private readonly now: () => number;
  private readonly lock: LeaseLock;

  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private inflight: AbortController | undefined;

  private leading = false;
  private leadership: AbortController | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private lastRenewAt = 0;
  private stopping: Promise<void> = Promise.resolve();
  private inStoppedCallback = false;

  private observedRaw: string | undefined;
  private observedAt = 0;
  private observedHolder: string | undefined;

  constructor(opts: LeaderElectionOptions) {
    this.opts = opts;
    this.identity = opts.identity;
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.releaseTimeoutMs = Math.min(opts.releaseTimeoutMs ?? 1_500, this.renewDeadlineMs);
    this.now = opts.now ?? Date.now;
    if (!opts.identity) throw new RangeError("leader election: identity must not be empty");
    // The same constraints client-go enforces: a leader must give up before others may take over.
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) throw new RangeError("leader election: leaseDuration must be greater than renewDeadline");
    if (!(this.renewDeadlineMs > this.retryPeriodMs)) throw new RangeError("leader election: renewDeadline must be greater than retryPeriod");
    if (!(this.retryPeriodMs > 0)) throw new RangeError("leader election: retryPeriod must be > 0");
    if (!opts.lock && !opts.kubeConfig) throw new RangeError("leader election: a lock or a kubeConfig is needed");
    this.lock = opts.lock ?? createKubeLeaseLock(opts.kubeConfig!, opts.namespace, opts.name);
  }

  /** Whether this replica currently leads. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The holder this replica last observed ("" when released, undefined before the first read). */
  getLeader(): string | undefined {
    return this.observedHolder;
  }

  /** Starts campaigning. Calling it again while running does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Stops campaigning and renewing without giving the Lease up: others take
   * over once it expires. If leading, the signal is aborted and
   * onStoppedLeading awaited (except when stop() is called from inside
   * onStoppedLeading, which would wait for itself).
   */
  async stop(): Promise<void> {
    this.running = false;
    this.inflight?.abort(new Error("leader election stopped"));
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    const stopped = this.loseLeadership("stopped");
    if (!this.inStoppedCallback) await stopped;
  }

  /**
   * Stops, then, if this replica was the holder, writes the Lease with an empty
   * holder and a 1 s duration (client-go's ReleaseOnCancel) so another
   * replica takes over at its next retry instead of waiting for expiry.
   * Resolves once written, or after releaseTimeoutMs; a failure is logged, as
   * the Lease then simply expires.
   */
  async release(): Promise<void> {
    await this.stop();
    // Decided by the record, not by isLeader(): a term that just hit its renew deadline still holds it.
    if (this.observedHolder !== this.identity) return;
    const signal = AbortSignal.timeout(this.releaseTimeoutMs);
    try {
      // Read afresh: the last renewal may have been aborted by stop() after it reached the server.
      const lease = await this.lock.get(signal);
      const spec = lease.spec ?? {};
      if (spec.holderIdentity !== this.identity) return;
      const t = new MicroTime(this.now());
      const released = await this.lock.update({ ...lease, spec: { ...spec, holderIdentity: "", leaseDurationSeconds: 1, acquireTime: t, renewTime: t, leaseTransitions: spec.leaseTransitions ?? 0 } }, signal);
      this.observe(released, this.now());
      this.log("info", "released the lease");
    } catch (e) {
      this.log("warn", "could not release the lease; it will expire", { error: describe(e) });
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      // A new term must not start while the previous one is still winding down.
      await this.pause(undefined, this.stopping);
      if (!this.running) break;
      const startedAt = this.now();
      const result = await this.tryAcquireOrRenew(startedAt);
      if (!this.running) break;
      if (result === "ok") {
        // A reply slower than the deadline may describe a term that has already been given up.
        if (this.now() - startedAt < this.renewDeadlineMs) {
          this.lastRenewAt = startedAt;
          if (!this.leading) this.becomeLeader();
          this.armDeadline();
        }
      } else if (result === "held-by-other" && this.leading) {
        void this.loseLeadership("the lease is held by another replica");
      }
      await this.pause(this.retryPeriodMs);
    }
  }

  private async tryAcquireOrRenew(now: number): Promise<Attempt> {
    const { name, namespace } = this.opts;
    const ctl = new AbortController();
    this.inflight = ctl;
    const signal = AbortSignal.any([ctl.signal, AbortSignal.timeout(this.renewDeadlineMs)]);
    try {
      let lease: V1Lease;
      try {
        lease = await this.lock.get(signal);
      } catch (e) {
        if (apiStatus(e) !== 404) throw e;
        const created = await this.lock.create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec: this.desiredSpec(now, undefined, 0) }, signal);
        this.observe(created, now);
        this.log("info", "created the lease and leads");
        return "ok";
      }
      this.observe(lease, now);
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? "";
      const validUntil = this.observedAt + (spec.leaseDurationSeconds ?? 0) * 1000;
      if (holder !== "" && holder !== this.identity && validUntil > now) return "held-by-other";
      const renewing = holder === this.identity;
      const transitions = spec.leaseTransitions ?? 0;
      const body: V1Lease = { ...lease, spec: this.desiredSpec(now, renewing ? spec.acquireTime : undefined, renewing ? transitions : transitions + 1, spec) };
      // resourceVersion in body.metadata makes this a compare-and-swap: a concurrent writer gets 409.
      const updated = await this.lock.update(body, signal);
      this.observe(updated, now);
      if (!renewing) this.log("info", "acquired the lease", { previousHolder: holder });
      return "ok";
    } catch (e) {
      if (this.running) {
        const status = apiStatus(e);
        this.log(status === 409 ? "debug" : "warn", status === 409 ? "lost a lease update race" : "lease request failed", { error: describe(e) });
      }
      return "failed";
    } finally {
      if (this.inflight === ctl) this.inflight = undefined;
    }
  }

  private desiredSpec(now: number, acquireTime: V1LeaseSpec["acquireTime"] | undefined, transitions: number, old: V1LeaseSpec = {}): V1LeaseSpec {
    const t = new MicroTime(now);
    return {
      ...old,
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.leaseDurationMs / 1000)),
      acquireTime: acquireTime ?? t,
      renewTime: t,
      leaseTransitions: transitions,
    };
  }

  // Expiry is measured from the moment this process saw the record change, never from renewTime itself.
  private observe(lease: V1Lease, now: number): void {
    const s = lease.spec ?? {};
    const raw = JSON.stringify([s.holderIdentity ?? "", s.leaseDurationSeconds ?? 0, timeString(s.acquireTime), timeString(s.renewTime), s.leaseTransitions ?? 0]);
    if (raw !== this.observedRaw) {
      this.observedRaw = raw;
      this.observedAt = now;
    }
    const holder = s.holderIdentity ?? "";
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      try {
        this.opts.onNewLeader?.(holder);
      } catch (e) {
        this.log("error", "onNewLeader failed", { error: describe(e) });
      }
    }
  }

  private becomeLeader(): void {
    this.leading = true;
    const ctl = new AbortController();
    this.leadership = ctl;
    this.log("info", "started leading");
    try {
      const r = this.opts.onStartedLeading(ctl.signal);
      if (r instanceof Promise) r.catch((e: unknown) => this.log("error", "onStartedLeading failed", { error: describe(e) }));
    } catch (e) {
      this.log("error", "onStartedLeading failed", { error: describe(e) });
    }
  }

  // A timer rather than a check in the loop: a hung request must not keep a stale leader acting.
  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const ms = Math.max(0, this.lastRenewAt + this.renewDeadlineMs - this.now());
    this.deadlineTimer = setTimeout(() => void this.loseLeadership(`no renewal for ${this.renewDeadlineMs} ms`), ms);
  }

  private loseLeadership(reason: string): Promise<void> {
    if (!this.leading) return this.stopping;
    this.leading = false;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.leadership?.abort(new Error(`leadership lost: ${reason}`));
    this.leadership = undefined;
    this.log("warn", "stopped leading", { reason });
    this.inStoppedCallback = true;
    this.stopping = (async () => {
      try {
        await this.opts.onStoppedLeading();
      } catch (e) {
        this.log("error", "onStoppedLeading failed", { error: describe(e) });
      } finally {
        this.inStoppedCallback = false;
      }
    })();
    return this.stopping;
  }

  // Waits for ms and/or a promise; stop() cuts it short through this.wake.
  private pause(ms: number | undefined, until?: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = ms === undefined ? undefined : setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      until?.then(done, done);
      this.wake = done;
    }).finally(() => {
      this.wake = undefined;
    });
  }

  private log(level: "debug" | "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
    this.opts.logger?.log(level, `leader election: ${msg}`, { lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.identity, ...fields });
  }
}

const describe = describeApiError;
