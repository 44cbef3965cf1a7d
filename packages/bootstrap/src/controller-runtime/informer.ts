// A list+watch cache over a ListWatch port that owns its resourceVersion:
// resume, relist on 410, reconnect with backoff, reopen a silent stream.
// client-go's reflector + store, for one collection.
import { describeApiError } from "../kube-client.js";
import type { ListWatch, ObjectWithMeta } from "./list-watch.js";
import type { Logger } from "./logger.js";

/** The event types an {@link Informer} reports. */
export type InformerEventType = "ADDED" | "MODIFIED" | "DELETED";

/** Receives cache changes; must not throw (a throw is logged) and must not mutate the object. */
export type InformerEventHandler<T> = (type: InformerEventType, object: T) => void;

/** Tuning of an {@link Informer} (every field has a default). */
export interface InformerTuning {
  /** Objects per LIST page (limit/continue), so a big cluster is not read in one response. Default 500. */
  pageSize?: number;
  /** With no event or bookmark for this long the stream is presumed dead and reopened. Default 5 min. */
  silenceTimeoutMs?: number;
  /** First reconnect delay after a failure. Default 1 s. */
  initialBackoffMs?: number;
  /** Largest reconnect delay. Default 30 s. */
  maxBackoffMs?: number;
  /** Server-side watch timeout; default a random 300–600 s per watch, as client-go's reflector. */
  watchTimeoutSeconds?: number;
  /** Timeout of each LIST page request. Default 60 s. */
  requestTimeoutMs?: number;
  logger?: Logger;
  /** Randomness for jitter, injectable for tests. */
  random?: () => number;
  /** Clock in milliseconds (how long a stream stayed open); default Date.now. */
  now?: () => number;
}

/** Options of {@link Informer}. */
export interface InformerOptions<T> extends InformerTuning {
  port: ListWatch<T>;
  /** Turns a raw watch object into the shape list items have (default: as it is). */
  decode?: (object: unknown) => T;
  /** Prefix of log messages, e.g. "csr watch". Default "informer". */
  name?: string;
  /** What the objects are called in logs, e.g. "CSR". Default "object". */
  kind?: string;
}

/** Counters describing what the informer has done, for metrics and tests. */
export interface InformerStats {
  /** Completed LISTs, the first one included. */
  lists: number;
  /** Completed LISTs after the first (410 Gone, expired or too-large resourceVersion). */
  relists: number;
  /** LIST pages received (a LIST of n objects takes ceil(n / pageSize) pages). */
  listPages: number;
  /** WATCH requests started. */
  watches: number;
  /** Failed LISTs and WATCHes (errors, ERROR events, early closes, silences). */
  failures: number;
  /** Streams dropped because nothing arrived for silenceTimeoutMs. */
  silences: number;
  /** Watch events applied (ADDED, MODIFIED, DELETED). */
  events: number;
  bookmarks: number;
  /** The resourceVersion the next watch resumes from. */
  resourceVersion: string | undefined;
}

// A stream that stayed open this long was healthy, even if it carried nothing.
const HEALTHY_STREAM_MS = 1_000;

interface WatchStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string }[] };
}

function isGone(code: number | undefined): boolean {
  return code === 410;
}

// The API server answers a resourceVersion ahead of its cache with 504 ResourceVersionTooLarge; client-go relists then.
function isTooLarge(status: WatchStatus): boolean {
  return status.code === 504 && (status.details?.causes ?? []).some((c) => c.reason === "ResourceVersionTooLarge");
}

/**
 * Lists, then watches, a collection and keeps a cache by name.
 *
 * - The first LIST (paginated) fills the cache and reports every object as ADDED.
 * - The WATCH resumes from the last resourceVersion seen in events and
 *   bookmarks, after any disconnect, with jittered exponential backoff
 *   (initialBackoffMs doubling to maxBackoffMs) after failures and at once
 *   after a healthy stream closed.
 * - 410 Gone (HTTP status or ERROR event) and a too-large resourceVersion
 *   trigger a fresh LIST whose differences are reported: ADDED, MODIFIED
 *   (resourceVersion changed), DELETED (name gone, or recreated with a new uid,
 *   which is reported as DELETED then ADDED).
 * - A stream with no event or bookmark for silenceTimeoutMs is dropped and reopened.
 */
export class Informer<T extends ObjectWithMeta> {
  private readonly opts: Required<Omit<InformerOptions<T>, "logger" | "watchTimeoutSeconds">> & Pick<InformerOptions<T>, "logger" | "watchTimeoutSeconds">;
  private readonly cache = new Map<string, T>();
  private readonly handlers = new Set<InformerEventHandler<T>>();

  private running = false;
  private synced = false;
  private needList = true;
  private rv: string | undefined;
  // Every list/watch attempt carries the generation it started in; callbacks of older ones are ignored.
  private gen = 0;
  private consecutiveFailures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private watchCtl: { abort(): void } | undefined;
  private listCtl: AbortController | undefined;
  private syncWaiters: ((synced: boolean) => void)[] = [];
  private readonly counters: Omit<InformerStats, "resourceVersion"> = { lists: 0, relists: 0, listPages: 0, watches: 0, failures: 0, silences: 0, events: 0, bookmarks: 0 };

  constructor(opts: InformerOptions<T>) {
    this.opts = {
      pageSize: 500,
      silenceTimeoutMs: 300_000,
      initialBackoffMs: 1_000,
      maxBackoffMs: 30_000,
      requestTimeoutMs: 60_000,
      random: Math.random,
      now: Date.now,
      decode: (o: unknown) => o as T,
      name: "informer",
      kind: "object",
      ...opts,
    };
  }

  /** Adds a handler of cache changes; returns a function that removes it. */
  onEvent(handler: InformerEventHandler<T>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** True once the first LIST has filled the cache (and from then on). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, or false if stopped first. */
  waitForSync(): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** The cached object (shared: do not mutate; deep-copy before changing). */
  get(name: string): T | undefined {
    return this.cache.get(name);
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.cache.values()];
  }

  /** Counters and the current resourceVersion. */
  stats(): InformerStats {
    return { ...this.counters, resourceVersion: this.rv };
  }

  /** Starts listing and watching; a no-op while running. After {@link stop} it resumes from the last resourceVersion. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  /** Stops: aborts the stream and any LIST, clears every timer. The cache is kept. */
  stop(): void {
    this.running = false;
    this.abandon();
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const w of this.syncWaiters.splice(0)) w(this.synced);
  }

  /**
   * Drops the current stream and watches again from `resourceVersion`, as
   * after a disconnect (starting the informer if it is stopped). For tests and
   * diagnostics: an expired version exercises the 410 relist path.
   */
  reconnectFrom(resourceVersion: string): void {
    this.abandon();
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.rv = resourceVersion;
    this.needList = !this.synced;
    this.running = true;
    this.connect();
  }

  private connect(): void {
    if (!this.running) return;
    const g = ++this.gen;
    if (this.needList || this.rv === undefined) void this.doList(g);
    else void this.doWatch(g);
  }

  // Invalidates the running attempt: its callbacks become no-ops and its connection is closed.
  private abandon(): void {
    this.gen++;
    clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
    this.watchCtl?.abort();
    this.watchCtl = undefined;
    this.listCtl?.abort();
    this.listCtl = undefined;
  }

  private async doList(g: number): Promise<void> {
    const ctl = new AbortController();
    this.listCtl = ctl;
    const items: T[] = [];
    let rv: string | undefined;
    try {
      let cont: string | undefined;
      do {
        // No resourceVersion: a consistent read from etcd, which also keeps limit/continue honoured.
        const signal = AbortSignal.any([ctl.signal, AbortSignal.timeout(this.opts.requestTimeoutMs)]);
        const page = await this.opts.port.list({ limit: this.opts.pageSize, _continue: cont, signal });
        if (g !== this.gen) return;
        this.counters.listPages++;
        items.push(...page.items);
        rv ??= page.metadata?.resourceVersion;
        cont = page.metadata?._continue || undefined;
      } while (cont);
    } catch (e) {
      if (g !== this.gen) return;
      this.listCtl = undefined;
      this.fail(`list failed: ${describe(e)}`);
      return;
    }
    this.listCtl = undefined;
    if (!rv) {
      this.fail("list returned no resourceVersion");
      return;
    }
    const first = !this.synced;
    this.applyList(items);
    this.rv = rv;
    this.needList = false;
    this.counters.lists++;
    if (!first) this.counters.relists++;
    this.log(first ? "info" : "warn", first ? "initial list done" : "relisted", { objects: items.length, resourceVersion: rv });
    if (first) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w(true);
    }
    if (g === this.gen && this.running) await this.doWatch(g);
  }

  private applyList(items: readonly T[]): void {
    const seen = new Set<string>();
    for (const o of items) {
      const name = o.metadata?.name;
      if (!name) continue;
      seen.add(name);
      const old = this.cache.get(name);
      this.cache.set(name, o);
      if (!old) this.emit("ADDED", o);
      else if (old.metadata?.uid !== o.metadata?.uid) {
        this.emit("DELETED", old);
        this.emit("ADDED", o);
      } else if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.emit("MODIFIED", o);
    }
    for (const [name, old] of [...this.cache]) {
      if (seen.has(name)) continue;
      this.cache.delete(name);
      this.emit("DELETED", old);
    }
  }

  private async doWatch(g: number): Promise<void> {
    const startedAt = this.opts.now();
    let delivered = false;
    this.counters.watches++;
    this.armSilence(g);

    const onEvent = (type: string, obj: unknown): void => {
      if (g !== this.gen) return;
      this.armSilence(g);
      delivered = true;
      this.consecutiveFailures = 0;
      this.onWatchEvent(type, obj);
    };
    // The port calls done once: on a normal close (null), a non-200 reply (Error with statusCode), or a stream/network error.
    const onDone = (err: unknown): void => {
      if (g !== this.gen) return;
      this.abandon();
      if (!this.running) return;
      if (err === null || err === undefined) {
        if (delivered || this.opts.now() - startedAt >= HEALTHY_STREAM_MS) {
          this.consecutiveFailures = 0;
          this.log("debug", "watch closed; resuming", { resourceVersion: this.rv });
          this.connect();
        } else this.fail("watch closed at once");
        return;
      }
      const status = (err as { statusCode?: unknown }).statusCode;
      if (status === 410 || status === 504) this.relist(`watch refused with HTTP ${status}`);
      else this.fail(`watch failed: ${describe(err)}`);
    };

    try {
      const timeoutSeconds = this.opts.watchTimeoutSeconds ?? Math.floor(300 * (1 + this.opts.random()));
      const ctl = await this.opts.port.watch({ resourceVersion: this.rv, allowWatchBookmarks: true, timeoutSeconds }, onEvent, onDone);
      // The handle only exists once the response headers are in; an attempt abandoned before that is closed here.
      if (g !== this.gen) ctl.abort();
      else this.watchCtl = ctl;
    } catch (e) {
      onDone(e ?? new Error("watch failed"));
    }
  }

  private onWatchEvent(type: string, obj: unknown): void {
    switch (type) {
      case "ADDED":
      case "MODIFIED":
      case "DELETED": {
        const o = this.opts.decode(obj);
        const name = o.metadata?.name;
        if (!name) return;
        this.rv = o.metadata?.resourceVersion ?? this.rv;
        this.counters.events++;
        if (type === "DELETED") this.cache.delete(name);
        else this.cache.set(name, o);
        this.emit(type, o);
        return;
      }
      case "BOOKMARK": {
        const rv = (obj as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
        if (rv) this.rv = rv;
        this.counters.bookmarks++;
        return;
      }
      case "ERROR": {
        // The server ends the stream after an ERROR event; act now rather than wait for the close.
        const status = (obj ?? {}) as WatchStatus;
        this.abandon();
        if (isGone(status.code) || isTooLarge(status)) this.relist(`watch ERROR ${status.code} ${status.reason ?? ""}: ${status.message ?? ""}`.trim());
        else this.fail(`watch ERROR ${status.code ?? "?"} ${status.reason ?? ""}: ${status.message ?? ""}`.trim());
        return;
      }
      default:
        this.log("debug", "ignored watch event", { type });
    }
  }

  private relist(reason: string): void {
    this.abandon();
    this.needList = true;
    this.log("warn", "resourceVersion unusable; relisting", { reason, resourceVersion: this.rv });
    // Immediately the first time; a server that keeps refusing gets the backoff.
    if (this.consecutiveFailures === 0) {
      this.consecutiveFailures++;
      this.connect();
    } else this.retryLater();
  }

  private fail(reason: string): void {
    this.abandon();
    this.counters.failures++;
    this.log("warn", reason, { resourceVersion: this.rv, attempt: this.consecutiveFailures + 1 });
    this.retryLater();
  }

  private retryLater(): void {
    if (!this.running) return;
    const delay = this.backoff(this.consecutiveFailures++);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }

  /** initial·2^n capped, times 0.8–1.2 so replicas do not reconnect in step. */
  private backoff(n: number): number {
    const nominal = Math.min(this.opts.maxBackoffMs, this.opts.initialBackoffMs * 2 ** Math.min(n, 30));
    return Math.round(nominal * (0.8 + 0.4 * this.opts.random()));
  }

  private armSilence(g: number): void {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      if (g !== this.gen) return;
      this.counters.silences++;
      this.fail(`no watch event or bookmark for ${this.opts.silenceTimeoutMs} ms`);
    }, this.opts.silenceTimeoutMs);
  }

  private emit(type: InformerEventType, o: T): void {
    for (const h of this.handlers) {
      try {
        h(type, o);
      } catch (e) {
        // client-node would swallow a throw from inside its line handler; at least say so.
        this.log("error", `${this.opts.kind} event handler failed`, { type, name: o.metadata?.name, error: describe(e) });
      }
    }
  }

  private log(level: "debug" | "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
    this.opts.logger?.log(level, `${this.opts.name}: ${msg}`, fields);
  }
}

const describe = describeApiError;
