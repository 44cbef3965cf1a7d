// The list/watch port an Informer reads through: the two API calls a
// reflector needs, small enough for an in-memory fake in unit tests. The
// client-node adapter lives in kube-ports.ts.

/** What every watched object carries; the informer keys its cache by name. */
export interface ObjectWithMeta {
  metadata?: { name?: string; uid?: string; resourceVersion?: string };
}

/** One LIST page. */
export interface ListPage<T> {
  items: T[];
  metadata?: { resourceVersion?: string; _continue?: string };
}

/** Options of one LIST page request. */
export interface ListOptions {
  limit: number;
  _continue?: string;
  /** Aborts the request (stop, timeout). */
  signal: AbortSignal;
}

/** Options of one WATCH request. */
export interface WatchOptions {
  resourceVersion?: string;
  allowWatchBookmarks: boolean;
  timeoutSeconds: number;
}

/** An open watch stream. */
export interface WatchHandle {
  abort(): void;
}

/**
 * A collection that can be listed page by page and watched from a
 * resourceVersion, with client-node's Watch contract: `onEvent(type, object)`
 * for ADDED, MODIFIED, DELETED, BOOKMARK and ERROR (a Status) events, then
 * `onDone` exactly once: null on a normal close, an Error with `statusCode`
 * for a non-200 reply (410 Gone, 504 too large), any Error for a broken
 * stream. The returned promise resolves once the stream is open (or rejects
 * when it cannot be opened).
 */
export interface ListWatch<T> {
  list(options: ListOptions): Promise<ListPage<T>>;
  watch(options: WatchOptions, onEvent: (type: string, object: unknown) => void, onDone: (err: unknown) => void): Promise<WatchHandle>;
}
