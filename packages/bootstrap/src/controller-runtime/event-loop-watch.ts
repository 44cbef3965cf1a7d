// How late the event loop runs: a ticker measures how far past its due time each
// tick fires. /livez fails after a long stall, and the runtime metrics publish
// the lag. One per process: the loop is the process's, whoever asks about it.

/** What {@link EventLoopWatch} has seen. */
export interface EventLoopLag {
  /** Lateness of the most recent tick, in milliseconds. */
  lastMs: number;
  /** The largest lateness within the recent window, in milliseconds. */
  recentMaxMs: number;
}

/** Options of {@link EventLoopWatch}. */
export interface EventLoopWatchOptions {
  /** Tick period in milliseconds (default 500). */
  intervalMs?: number;
  /** How long a stall is remembered, in milliseconds (default 10 s: about one kubelet probe period). */
  windowMs?: number;
  now?: () => number;
}

/** Measures event-loop lag with an unref'd timer, so it never keeps the process alive. */
export class EventLoopWatch {
  private readonly intervalMs: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastTick = 0;
  private lastMs = 0;
  // Lateness samples above zero within the window, oldest first.
  private recent: { at: number; ms: number }[] = [];

  constructor(opts: EventLoopWatchOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 500;
    this.windowMs = opts.windowMs ?? 10_000;
    this.now = opts.now ?? (() => performance.now());
  }

  start(): this {
    if (this.timer) return this;
    this.lastTick = this.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** @internal one tick; exported for tests that drive the clock. */
  tick(): void {
    const t = this.now();
    this.lastMs = Math.max(0, t - this.lastTick - this.intervalMs);
    this.lastTick = t;
    this.recent = this.recent.filter((s) => t - s.at <= this.windowMs);
    if (this.lastMs > 0) this.recent.push({ at: t, ms: this.lastMs });
  }

  lag(): EventLoopLag {
    const t = this.now();
    // A tick that is overdue right now counts too: the loop may be stuck in the
    // very callback that asks (a synchronous render, say).
    const overdue = this.timer ? Math.max(0, t - this.lastTick - this.intervalMs) : 0;
    const inWindow = this.recent.filter((s) => t - s.at <= this.windowMs).map((s) => s.ms);
    return { lastMs: this.lastMs, recentMaxMs: Math.max(overdue, ...inWindow, 0) };
  }
}

let shared: EventLoopWatch | undefined;

/** The process-wide watch, started on first use. */
export function processEventLoopWatch(): EventLoopWatch {
  return (shared ??= new EventLoopWatch().start());
}
