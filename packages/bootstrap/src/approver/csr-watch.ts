// A list+watch cache of CertificateSigningRequests that owns its resourceVersion: resume, relist on 410, reconnect with backoff.
import type { CertificatesV1Api, KubeConfig, V1CertificateSigningRequest } from "@kubernetes/client-node";
import { abortableRequest, describeApiError } from "../kube-client.js";
import type { Logger } from "./logger.js";

/** The event types {@link CsrWatcher} reports. */
export type CsrEventType = "ADDED" | "MODIFIED" | "DELETED";

/** Receives cache changes; must not throw (a throw is logged) and must not mutate `csr`. */
export type CsrEventHandler = (type: CsrEventType, csr: V1CertificateSigningRequest) => void;

/** Options of {@link CsrWatcher}. */
export interface CsrWatcherOptions {
  kubeConfig: KubeConfig;
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
}

/** Counters describing what the watcher has done, for metrics and tests. */
export interface CsrWatcherStats {
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

const PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
// A stream that stayed open this long was healthy, even if it carried nothing.
const HEALTHY_STREAM_MS = 1_000;

interface WatchStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string }[] };
}

/**
 * Watch objects arrive as plain JSON, list items as client-node model objects
 * with Date fields; convert the timestamps so consumers see one shape.
 */
export function normalizeWatchObject(obj: unknown): V1CertificateSigningRequest {
  const csr = obj as V1CertificateSigningRequest;
  const date = (v: unknown): Date | undefined => (v === undefined || v === null ? undefined : v instanceof Date ? v : new Date(String(v)));
  const m = csr.metadata;
  if (m) {
    if (m.creationTimestamp !== undefined) m.creationTimestamp = date(m.creationTimestamp);
    if (m.deletionTimestamp !== undefined) m.deletionTimestamp = date(m.deletionTimestamp);
    for (const f of m.managedFields ?? []) if (f.time !== undefined) f.time = date(f.time);
  }
  for (const c of csr.status?.conditions ?? []) {
    if (c.lastUpdateTime !== undefined) c.lastUpdateTime = date(c.lastUpdateTime);
    if (c.lastTransitionTime !== undefined) c.lastTransitionTime = date(c.lastTransitionTime);
  }
  return csr;
}

function isGone(code: number | undefined): boolean {
  return code === 410;
}

// The API server answers a resourceVersion ahead of its cache with 504 ResourceVersionTooLarge; client-go relists then.
function isTooLarge(status: WatchStatus): boolean {
  return status.code === 504 && (status.details?.causes ?? []).some((c) => c.reason === "ResourceVersionTooLarge");
}

/**
 * Lists, then watches, CertificateSigningRequests and keeps a cache by name.
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
export class CsrWatcher {
  private readonly opts: Required<Omit<CsrWatcherOptions, "logger" | "watchTimeoutSeconds">> & Pick<CsrWatcherOptions, "logger" | "watchTimeoutSeconds">;
  private readonly cache = new Map<string, V1CertificateSigningRequest>();
  private readonly handlers = new Set<CsrEventHandler>();
  private k8s: typeof import("@kubernetes/client-node") | undefined;
  private api: CertificatesV1Api | undefined;

  private running = false;
  private synced = false;
  private needList = true;
  private rv: string | undefined;
  // Every list/watch attempt carries the generation it started in; callbacks of older ones are ignored.
  private gen = 0;
  private consecutiveFailures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private watchCtl: AbortController | undefined;
  private listCtl: AbortController | undefined;
  private syncWaiters: ((synced: boolean) => void)[] = [];
  private readonly counters: Omit<CsrWatcherStats, "resourceVersion"> = { lists: 0, relists: 0, listPages: 0, watches: 0, failures: 0, silences: 0, events: 0, bookmarks: 0 };

  constructor(opts: CsrWatcherOptions) {
    this.opts = {
      pageSize: 500,
      silenceTimeoutMs: 300_000,
      initialBackoffMs: 1_000,
      maxBackoffMs: 30_000,
      requestTimeoutMs: 60_000,
      random: Math.random,
      ...opts,
    };
  }

  /** Adds a handler of cache changes; returns a function that removes it. */
  onEvent(handler: CsrEventHandler): () => void {
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
  get(name: string): V1CertificateSigningRequest | undefined {
    return this.cache.get(name);
  }

  /** Every cached object. */
  list(): V1CertificateSigningRequest[] {
    return [...this.cache.values()];
  }

  /** Counters and the current resourceVersion. */
  stats(): CsrWatcherStats {
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
   * after a disconnect (starting the watcher if it is stopped). For tests and
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

  private async client(): Promise<{ k8s: typeof import("@kubernetes/client-node"); api: CertificatesV1Api }> {
    if (!this.k8s || !this.api) {
      this.k8s = await import("@kubernetes/client-node");
      this.api = this.opts.kubeConfig.makeApiClient(this.k8s.CertificatesV1Api);
    }
    return { k8s: this.k8s, api: this.api };
  }

  private async doList(g: number): Promise<void> {
    const ctl = new AbortController();
    this.listCtl = ctl;
    const items: V1CertificateSigningRequest[] = [];
    let rv: string | undefined;
    try {
      const { k8s, api } = await this.client();
      let cont: string | undefined;
      do {
        // No resourceVersion: a consistent read from etcd, which also keeps limit/continue honoured.
        const signal = AbortSignal.any([ctl.signal, AbortSignal.timeout(this.opts.requestTimeoutMs)]);
        const page = await api.listCertificateSigningRequest({ limit: this.opts.pageSize, _continue: cont }, abortableRequest(k8s, signal));
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

  private applyList(items: readonly V1CertificateSigningRequest[]): void {
    const seen = new Set<string>();
    for (const csr of items) {
      const name = csr.metadata?.name;
      if (!name) continue;
      seen.add(name);
      const old = this.cache.get(name);
      this.cache.set(name, csr);
      if (!old) this.emit("ADDED", csr);
      else if (old.metadata?.uid !== csr.metadata?.uid) {
        this.emit("DELETED", old);
        this.emit("ADDED", csr);
      } else if (old.metadata?.resourceVersion !== csr.metadata?.resourceVersion) this.emit("MODIFIED", csr);
    }
    for (const [name, old] of [...this.cache]) {
      if (seen.has(name)) continue;
      this.cache.delete(name);
      this.emit("DELETED", old);
    }
  }

  private async doWatch(g: number): Promise<void> {
    const startedAt = Date.now();
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
    // client-node calls done once: on a normal close (null), a non-200 reply (Error with statusCode), or a stream/network error.
    const onDone = (err: unknown): void => {
      if (g !== this.gen) return;
      this.abandon();
      if (!this.running) return;
      if (err === null || err === undefined) {
        if (delivered || Date.now() - startedAt >= HEALTHY_STREAM_MS) {
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
      const { k8s } = await this.client();
      if (g !== this.gen) return;
      const timeoutSeconds = this.opts.watchTimeoutSeconds ?? Math.floor(300 * (1 + this.opts.random()));
      const ctl = await new k8s.Watch(this.opts.kubeConfig).watch(
        PATH,
        { resourceVersion: this.rv, allowWatchBookmarks: true, timeoutSeconds },
        onEvent,
        onDone,
      );
      // The controller only exists once the response headers are in; an attempt abandoned before that is closed here.
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
        const csr = normalizeWatchObject(obj);
        const name = csr.metadata?.name;
        if (!name) return;
        this.rv = csr.metadata?.resourceVersion ?? this.rv;
        this.counters.events++;
        if (type === "DELETED") this.cache.delete(name);
        else this.cache.set(name, csr);
        this.emit(type, csr);
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

  private emit(type: CsrEventType, csr: V1CertificateSigningRequest): void {
    for (const h of this.handlers) {
      try {
        h(type, csr);
      } catch (e) {
        // client-node would swallow a throw from inside its line handler; at least say so.
        this.log("error", "CSR event handler failed", { type, name: csr.metadata?.name, error: describe(e) });
      }
    }
  }

  private log(level: "debug" | "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
    this.opts.logger?.log(level, `csr watch: ${msg}`, fields);
  }
}

const describe = describeApiError;
