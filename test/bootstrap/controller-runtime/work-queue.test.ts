import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ItemExponentialLimiter } from "../../../packages/bootstrap/src/controller-runtime/rate-limiter.js";
import { WorkQueue } from "../../../packages/bootstrap/src/controller-runtime/work-queue.js";

/** Resolves with the promise's value, or "pending" if it has not settled within ms. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | "pending"> {
  return Promise.race([p, delay(ms).then(() => "pending" as const)]);
}

describe("WorkQueue", () => {
  it("hands keys out in FIFO order and queues a key only once", async () => {
    const q = new WorkQueue();
    q.add("a");
    q.add("b");
    q.add("a");
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
    expect(q.len()).toBe(0);
    expect(q.inFlight()).toBe(2);
  });

  it("does not hand out a key that is being processed; re-queues it once when done", async () => {
    const q = new WorkQueue();
    q.add("a");
    const a = await q.get();
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(0);
    expect(await within(q.get(), 30)).toBe("pending");
    q.done(a!);
    expect(q.len()).toBe(0); // went straight to the waiting get()
    q.add("b");
    expect(await q.get()).toBe("b");
  });

  it("re-queues a dirty key behind keys added meanwhile", async () => {
    const q = new WorkQueue();
    q.add("a");
    await q.get();
    q.add("a");
    q.add("b");
    q.done("a");
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe("b");
    expect(await q.get()).toBe("a");
  });

  it("does not re-queue a key that was not added during processing", async () => {
    const q = new WorkQueue();
    q.add("a");
    q.done((await q.get())!);
    expect(q.len()).toBe(0);
  });

  it("wakes a waiting get() when a key is added", async () => {
    const q = new WorkQueue();
    const p = q.get();
    setTimeout(() => q.add("late"), 10);
    expect(await p).toBe("late");
  });

  it("addAfter delays a key, and the earliest pending time wins", async () => {
    const q = new WorkQueue();
    q.addAfter("a", 200);
    q.addAfter("a", 20);
    q.addAfter("a", 500);
    expect(q.len()).toBe(0);
    const t0 = Date.now();
    expect(await q.get()).toBe("a");
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(15);
    expect(waited).toBeLessThan(180);
    q.done("a");
    await delay(250);
    expect(q.len()).toBe(0); // the 200 ms and 500 ms adds were merged into the 20 ms one
  });

  it("addAfter with no delay adds at once", () => {
    const q = new WorkQueue();
    q.addAfter("a", 0);
    expect(q.len()).toBe(1);
  });

  it("addRateLimited backs off exponentially per key and forget resets it", async () => {
    const q = new WorkQueue({ rateLimiter: new ItemExponentialLimiter(20, 1000) });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = Date.now();
      q.addRateLimited("k");
      const k = await q.get();
      waits.push(Date.now() - t0);
      q.done(k!);
    }
    expect(q.numRequeues("k")).toBe(4);
    // 20, 40, 80, 160 ms; timers may fire a little late, never early.
    expect(waits[0]).toBeGreaterThanOrEqual(18);
    expect(waits[3]).toBeGreaterThanOrEqual(155);
    expect(waits[3]!).toBeGreaterThan(waits[1]! * 2);
    q.forget("k");
    expect(q.numRequeues("k")).toBe(0);
    const t0 = Date.now();
    q.addRateLimited("k");
    await q.get();
    expect(Date.now() - t0).toBeLessThan(100);
  });

  it("shutDown resolves waiting gets with undefined, drops queued and delayed keys, ignores adds", async () => {
    const q = new WorkQueue();
    const waiting = [q.get(), q.get()];
    q.shutDown();
    expect(await Promise.all(waiting)).toEqual([undefined, undefined]);

    const q2 = new WorkQueue();
    q2.add("a");
    q2.addAfter("b", 10);
    q2.shutDown();
    q2.add("c");
    expect(q2.len()).toBe(0);
    expect(await q2.get()).toBeUndefined();
    expect(q2.isShuttingDown).toBe(true);
  });

  it("get(signal) resolves undefined when the signal aborts, without taking a key", async () => {
    const q = new WorkQueue();
    const ctl = new AbortController();
    const waiting = q.get(ctl.signal);
    ctl.abort();
    expect(await waiting).toBeUndefined();
    q.add("a");
    // The aborted get() is no longer a taker: the key waits for the next one.
    expect(q.len()).toBe(1);
    expect(q.inFlight()).toBe(0);
    expect(await q.get(ctl.signal)).toBeUndefined();
    expect(await q.get(new AbortController().signal)).toBe("a");
    expect(q.isShuttingDown).toBe(false);
  });

  it("drain waits for keys in processing after shutDown, and a dirty key is not re-queued", async () => {
    const q = new WorkQueue();
    q.add("a");
    const a = await q.get();
    q.add("a");
    q.shutDown();
    const drained = q.drain();
    expect(await within(drained, 20)).toBe("pending");
    q.done(a!);
    await drained;
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it("serves several workers without handing one key to two of them", async () => {
    const q = new WorkQueue();
    const active = new Set<string>();
    const processed: string[] = [];
    let overlap = false;
    const worker = async (): Promise<void> => {
      for (;;) {
        const k = await q.get();
        if (k === undefined) return;
        if (active.has(k)) overlap = true;
        active.add(k);
        await delay(1);
        processed.push(k);
        active.delete(k);
        q.done(k);
      }
    };
    const workers = Array.from({ length: 5 }, worker);
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10; i++) q.add(`k${i}`);
      await delay(1);
    }
    while (q.len() > 0 || q.inFlight() > 0) await delay(5);
    q.shutDown();
    await Promise.all(workers);
    expect(overlap).toBe(false);
    expect(new Set(processed)).toEqual(new Set(Array.from({ length: 10 }, (_, i) => `k${i}`)));
  });
});
