// Controller: workers reconcile what the informer reports while this replica
// leads, and only then; leadership hand-off aborts the term's signal.
// Over in-memory ports (a ListWatch and a LeaseLock).
import { describe, expect, it } from "vitest";
import type { V1Lease } from "@kubernetes/client-node";
import { Controller } from "../../../packages/bootstrap/src/controller-runtime/controller.js";
import { Informer } from "../../../packages/bootstrap/src/controller-runtime/informer.js";
import type { LeaseLock } from "../../../packages/bootstrap/src/controller-runtime/lease-lock.js";
import type { ListWatch } from "../../../packages/bootstrap/src/controller-runtime/list-watch.js";

interface Obj {
  metadata: { name: string; resourceVersion: string };
  mine: boolean;
}

const objects: Obj[] = [
  { metadata: { name: "a", resourceVersion: "1" }, mine: true },
  { metadata: { name: "b", resourceVersion: "2" }, mine: false },
  { metadata: { name: "c", resourceVersion: "3" }, mine: true },
];

const port: ListWatch<Obj> = {
  list: async () => ({ items: structuredClone(objects), metadata: { resourceVersion: "3" } }),
  // A stream that stays open and silent.
  watch: async () => ({ abort: () => {} }),
};

/** A Lease another replica holds until `free()`. */
function heldLock(): LeaseLock & { free(): void; takeBack(): void } {
  let lease: V1Lease = { metadata: { resourceVersion: "1" }, spec: { holderIdentity: "other", leaseDurationSeconds: 3600 } };
  let rv = 1;
  const store = (l: V1Lease): V1Lease => (lease = structuredClone({ ...l, metadata: { resourceVersion: String(++rv) } }));
  return {
    description: "default/l",
    get: async () => structuredClone(lease),
    create: async () => Promise.reject(Object.assign(new Error("exists"), { code: 409 })),
    update: async (l) => {
      if (l.metadata?.resourceVersion !== lease.metadata?.resourceVersion) throw Object.assign(new Error("conflict"), { code: 409 });
      return store(l);
    },
    free: () => void store({ ...lease, spec: { ...lease.spec, holderIdentity: "" } }),
    takeBack: () => void store({ ...lease, spec: { ...lease.spec, holderIdentity: "other", leaseDurationSeconds: 3600 } }),
  };
}

const until = async (cond: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};

const logger = { log: () => {} };

describe("Controller", () => {
  it("without election leads at once and reconciles each object it filters in, once", async () => {
    const seen: string[] = [];
    const c = new Controller<Obj>({
      informer: new Informer({ port }),
      workers: 2,
      identity: "me",
      filter: (o) => o.mine,
      reconcile: async (key) => {
        seen.push(key);
        return false;
      },
      logger,
    });
    c.watch();
    c.campaign();
    await until(() => seen.length === 2);
    expect(seen.sort()).toEqual(["a", "c"]);
    expect(c.isLeader()).toBe(true);
    await c.stop();
    expect(c.isLeader()).toBe(false);
  });

  it("reconciles nothing while another replica holds the Lease, everything once it leads, and aborts the term when it loses", async () => {
    const lock = heldLock();
    const seen: string[] = [];
    const signals: AbortSignal[] = [];
    const leading: boolean[] = [];
    const c = new Controller<Obj>({
      informer: new Informer({ port }),
      workers: 1,
      identity: "me",
      filter: (o) => o.mine,
      reconcile: async (key, signal) => {
        seen.push(key);
        signals.push(signal);
        return false;
      },
      election: { lock, namespace: "default", name: "l", leaseDurationMs: 1_500, renewDeadlineMs: 1_000, retryPeriodMs: 50 },
      onLeading: (l) => leading.push(l),
      logger,
    });
    c.watch();
    c.campaign();
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
    expect(c.isLeader()).toBe(false);
    lock.free();
    await until(() => seen.length === 2);
    expect(c.isLeader()).toBe(true);
    expect(signals.every((s) => !s.aborted)).toBe(true);
    lock.takeBack();
    await until(() => !c.isLeader());
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(leading).toEqual([true, false]);
    await c.stop();
  });
});
