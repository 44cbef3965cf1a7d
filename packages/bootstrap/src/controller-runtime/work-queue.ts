// A rate-limited, deduplicating work queue keyed by string, with client-go workqueue semantics.
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.js";

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Delays for {@link WorkQueue.addRateLimited}; default {@link defaultControllerRateLimiter}. */
  rateLimiter?: RateLimiter;
}

/**
 * A work queue in which a key is queued at most once and processed by at most
 * one worker at a time (client-go's rate-limiting workqueue):
 *
 * - `add` of a key already waiting does nothing; `add` of a key being
 *   processed marks it dirty, and `done` puts it back in the queue, so a change
 *   seen during processing is never lost and never processed concurrently;
 * - `addAfter` and `addRateLimited` add later (the earliest pending time wins);
 * - after `shutDown`, `get` resolves `undefined` and adds are ignored.
 *
 * Workers loop: `const key = await q.get(); if (key === undefined) return;
 * try { ...; q.forget(key) } catch { q.addRateLimited(key) } finally { q.done(key) }`.
 */
export class WorkQueue {
  private readonly rateLimiter: RateLimiter;
  // A Set keeps insertion order, so it doubles as the FIFO without O(n) shifts.
  private readonly queue = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter();
  }

  /** Queues `key` unless it is already queued; a key in processing is re-queued when done. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /** Adds `key` after `ms` milliseconds; an earlier pending add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const pending = this.waiting.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /** Adds `key` after the rate limiter's delay: its per-item backoff and the global rate. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Resets the key's backoff (call after it was processed successfully, or is gone). */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  /** How many times `key` has been rate limited since it was last forgotten. */
  numRequeues(key: string): number {
    return this.rateLimiter.retries(key);
  }

  /**
   * The next key to process, waiting until there is one. The key stays
   * "processing" until {@link done}. Resolves `undefined` once the queue is
   * shut down, or when `signal` aborts (no key is taken then), so a worker
   * idle in get() can stop when its leadership ends without shutting the queue down.
   */
  get(signal?: AbortSignal): Promise<string | undefined> {
    if (this.shuttingDown || signal?.aborted) return Promise.resolve(undefined);
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => {
      if (!signal) {
        this.getters.push(resolve);
        return;
      }
      const getter = (k: string | undefined): void => {
        signal.removeEventListener("abort", onAbort);
        resolve(k);
      };
      const onAbort = (): void => {
        const i = this.getters.indexOf(getter);
        if (i >= 0) this.getters.splice(i, 1);
        resolve(undefined);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.getters.push(getter);
    });
  }

  /** Ends the processing of `key`; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
    if (this.processing.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Queue depth: keys ready to be handed out (not those delayed or in processing). */
  len(): number {
    return this.queue.size;
  }

  /** Keys handed out by {@link get} and not yet {@link done}. */
  inFlight(): number {
    return this.processing.size;
  }

  /** True after {@link shutDown}. */
  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops the queue: queued and delayed keys are dropped, waiting `get`s
   * resolve `undefined`, and later adds are ignored. Keys in processing
   * finish normally (see {@link drain}).
   */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    this.queue.clear();
    this.dirty.clear();
    for (const g of this.getters.splice(0)) g(undefined);
  }

  /**
   * Resolves when no key is in processing. After {@link shutDown} this is how
   * a leader waits for in-flight work before it gives up its lease.
   */
  drain(): Promise<void> {
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(key: string): void {
    const getter = this.getters.shift();
    if (getter) {
      // Hand the key straight to a waiting worker: it is processing from now on.
      this.dirty.delete(key);
      this.processing.add(key);
      getter(key);
    } else {
      this.queue.add(key);
    }
  }

  private take(): string | undefined {
    const next = this.queue.values().next();
    if (next.done) return undefined;
    const key = next.value;
    this.queue.delete(key);
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }
}
