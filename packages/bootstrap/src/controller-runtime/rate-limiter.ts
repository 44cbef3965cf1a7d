// Rate limiters for the work queue, after client-go's workqueue: how long an item waits before it is retried.

/** Decides how long an item waits before it is (re)processed. */
export interface RateLimiter {
  /** Records one more attempt for `item` and returns how many milliseconds it must wait. */
  when(item: string): number;
  /** Clears what the limiter remembers about `item` (it succeeded, or is gone). */
  forget(item: string): void;
  /** How many times `item` has been rate limited since it was last forgotten. */
  retries(item: string): number;
}

/**
 * Per-item exponential backoff: the n-th failure of an item waits `baseMs * 2^(n-1)`,
 * capped at `maxMs` (client-go's ItemExponentialFailureRateLimiter).
 */
export class ItemExponentialLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();

  /**
   * @param baseMs delay after the first failure (client-go's CSR controllers: 200 ms)
   * @param maxMs largest delay (client-go's CSR controllers: 1000 s)
   */
  constructor(
    readonly baseMs = 200,
    readonly maxMs = 1_000_000,
  ) {
    if (!(baseMs >= 0) || !(maxMs >= 0)) throw new RangeError("ItemExponentialLimiter: delays must be >= 0");
  }

  when(item: string): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    // 2^1024 is Infinity, which Math.min caps; exponents far below that already exceed any sane max.
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(n, 1023));
  }

  forget(item: string): void {
    this.failures.delete(item);
  }

  retries(item: string): number {
    return this.failures.get(item) ?? 0;
  }
}

/**
 * A token bucket shared by all items (client-go's BucketRateLimiter over
 * golang.org/x/time/rate): `burst` tokens, refilled at `qps` per second. Every
 * call takes a token, possibly one not yet refilled, and returns the wait until
 * that token exists, so a flood of items is spread out at `qps`.
 */
export class BucketLimiter implements RateLimiter {
  private tokens: number;
  private last: number;

  /**
   * @param qps tokens added per second
   * @param burst bucket size: how many items pass at once without waiting
   * @param now clock in milliseconds, injectable for tests
   */
  constructor(
    readonly qps = 10,
    readonly burst = 100,
    private readonly now: () => number = Date.now,
  ) {
    if (!(qps > 0)) throw new RangeError("BucketLimiter: qps must be > 0");
    if (!(burst >= 1)) throw new RangeError("BucketLimiter: burst must be >= 1");
    this.tokens = burst;
    this.last = now();
  }

  when(_item: string): number {
    const t = this.now();
    // A clock that steps backwards must not mint tokens.
    const elapsed = Math.max(0, t - this.last);
    this.last = Math.max(this.last, t);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.qps) / 1000);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }

  forget(_item: string): void {
    // The bucket is shared; nothing is remembered per item.
  }

  retries(_item: string): number {
    return 0;
  }
}

/**
 * The longest delay of several limiters (client-go's MaxOfRateLimiter). Every
 * limiter is consulted on each call so each one's state advances.
 */
export class MaxOfLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    if (limiters.length === 0) throw new RangeError("MaxOfLimiter needs at least one limiter");
    this.limiters = limiters;
  }

  when(item: string): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: string): void {
    for (const l of this.limiters) l.forget(item);
  }

  retries(item: string): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.retries(item));
    return max;
  }
}

/**
 * The limiter kube-controller-manager's certificate controllers use:
 * per-item 200 ms doubling to 1000 s, and 10 qps with a burst of 100 overall.
 */
export function defaultControllerRateLimiter(now: () => number = Date.now): RateLimiter {
  return new MaxOfLimiter(new ItemExponentialLimiter(200, 1_000_000), new BucketLimiter(10, 100, now));
}
