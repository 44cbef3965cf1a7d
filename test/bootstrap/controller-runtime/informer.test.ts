// Informer over an in-memory ListWatch port with fake timers: the reflector's
// recovery paths (410 Gone, a silent stream, a resumed watch) placed exactly.
// Against a real API server: test/integration/approver-infra.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Informer, type InformerEventType } from "../../../packages/bootstrap/src/controller-runtime/informer.js";
import type { ListOptions, ListPage, ListWatch, WatchOptions } from "../../../packages/bootstrap/src/controller-runtime/list-watch.js";

interface Obj {
  metadata: { name: string; uid: string; resourceVersion: string };
  data?: string;
}

interface OpenWatch {
  options: WatchOptions;
  onEvent: (type: string, object: unknown) => void;
  onDone: (err: unknown) => void;
  aborted: boolean;
}

/** A collection with a resourceVersion counter; lists return all of it, watches are driven by the test. */
class FakeListWatch implements ListWatch<Obj> {
  readonly objects = new Map<string, Obj>();
  readonly lists: ListOptions[] = [];
  readonly watches: OpenWatch[] = [];
  rv = 0;

  put(name: string, data = "", uid = `uid-${name}`): Obj {
    const o = { metadata: { name, uid, resourceVersion: String(++this.rv) }, data };
    this.objects.set(name, o);
    return structuredClone(o);
  }

  async list(options: ListOptions): Promise<ListPage<Obj>> {
    this.lists.push(options);
    return { items: [...this.objects.values()].map((o) => structuredClone(o)), metadata: { resourceVersion: String(this.rv) } };
  }

  async watch(options: WatchOptions, onEvent: OpenWatch["onEvent"], onDone: OpenWatch["onDone"]): Promise<{ abort(): void }> {
    const w: OpenWatch = { options, onEvent, onDone, aborted: false };
    this.watches.push(w);
    return { abort: () => void (w.aborted = true) };
  }

  get current(): OpenWatch {
    return this.watches.at(-1)!;
  }
}

const SILENCE_MS = 60_000;
let port: FakeListWatch;
let informer: Informer<Obj>;
let seen: [InformerEventType, string][];

beforeEach(() => {
  vi.useFakeTimers();
  port = new FakeListWatch();
  seen = [];
});
afterEach(() => {
  informer?.stop();
  vi.useRealTimers();
});

async function start(): Promise<void> {
  informer = new Informer<Obj>({ port, silenceTimeoutMs: SILENCE_MS, initialBackoffMs: 1_000, maxBackoffMs: 8_000, watchTimeoutSeconds: 300, random: () => 0.5, now: () => Date.now() });
  informer.onEvent((type, o) => seen.push([type, o.metadata.name]));
  informer.start();
  await vi.advanceTimersByTimeAsync(0);
}

describe("Informer", () => {
  it("lists, then watches from the list's resourceVersion", async () => {
    port.put("a");
    port.put("b");
    await start();
    expect(informer.hasSynced()).toBe(true);
    expect(seen).toEqual([["ADDED", "a"], ["ADDED", "b"]]);
    expect(port.watches).toHaveLength(1);
    expect(port.current.options).toEqual({ resourceVersion: "2", allowWatchBookmarks: true, timeoutSeconds: 300 });
  });

  it("resumes from the last resourceVersion of an event or a bookmark after a normal close, without listing again", async () => {
    port.put("a");
    await start();
    const b = port.put("b");
    port.current.onEvent("ADDED", b);
    port.current.onEvent("BOOKMARK", { metadata: { resourceVersion: "7" } });
    await vi.advanceTimersByTimeAsync(2_000);
    port.current.onDone(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(port.watches).toHaveLength(2);
    expect(port.current.options.resourceVersion).toBe("7");
    expect(port.lists).toHaveLength(1);
    expect(informer.stats()).toMatchObject({ lists: 1, relists: 0, watches: 2, events: 1, bookmarks: 1, failures: 0, resourceVersion: "7" });
    expect(informer.get("b")).toEqual(b);
  });

  it.each([
    { how: "an HTTP 410 reply", gone: (w: OpenWatch) => w.onDone(Object.assign(new Error("Gone"), { statusCode: 410 })) },
    { how: "an ERROR event with code 410", gone: (w: OpenWatch) => w.onEvent("ERROR", { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" }) },
  ])("relists on $how and reports what changed meanwhile", async ({ gone }) => {
    port.put("kept");
    port.put("changed");
    port.put("deleted");
    port.put("recreated");
    await start();
    seen.length = 0;
    // Changes the informer never saw as events: the relist must find them.
    port.put("changed", "new");
    port.objects.delete("deleted");
    port.put("recreated", "", "uid-2");
    port.put("added");
    gone(port.watches[0]!);
    await vi.advanceTimersByTimeAsync(0);
    expect(port.lists).toHaveLength(2);
    expect(informer.stats()).toMatchObject({ lists: 2, relists: 1 });
    expect(seen).toEqual([
      ["MODIFIED", "changed"],
      ["DELETED", "recreated"],
      ["ADDED", "recreated"],
      ["ADDED", "added"],
      ["DELETED", "deleted"],
    ]);
    expect(informer.list().map((o) => o.metadata.name).sort()).toEqual(["added", "changed", "kept", "recreated"]);
    expect(port.watches[0]!.aborted).toBe(true);
    expect(port.current.options.resourceVersion).toBe(String(port.rv));
  });

  it("drops a stream that stays silent for silenceTimeoutMs and reopens it from the same resourceVersion after the backoff", async () => {
    port.put("a");
    await start();
    await vi.advanceTimersByTimeAsync(SILENCE_MS - 1);
    expect(port.watches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(port.watches[0]!.aborted).toBe(true);
    expect(informer.stats()).toMatchObject({ silences: 1, failures: 1 });
    // First retry after initialBackoffMs (random 0.5: no jitter).
    await vi.advanceTimersByTimeAsync(999);
    expect(port.watches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(port.watches).toHaveLength(2);
    expect(port.current.options.resourceVersion).toBe("1");
    expect(port.lists).toHaveLength(1);
  });

  it("keeps a stream that delivers events: each one restarts the silence timer", async () => {
    await start();
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(SILENCE_MS - 1_000);
      port.current.onEvent("ADDED", port.put(`o${i}`));
    }
    expect(port.watches).toHaveLength(1);
    expect(informer.stats().silences).toBe(0);
  });
});
