import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { KubeConfig, type V1Lease } from "@kubernetes/client-node";
import { LeaderElector } from "../../../packages/bootstrap/src/controller-runtime/leader-election.js";
import type { LeaseLock } from "../../../packages/bootstrap/src/controller-runtime/lease-lock.js";

// Behaviour against a real Lease is in test/integration/approver-infra.test.ts.
describe("LeaderElector", () => {
  const base = { kubeConfig: new KubeConfig(), namespace: "default", name: "x", identity: "i", onStartedLeading: () => {}, onStoppedLeading: () => {} };

  it("accepts kube-controller-manager's timings by default", () => {
    const e = new LeaderElector(base);
    expect(e.isLeader()).toBe(false);
    expect(e.getLeader()).toBeUndefined();
  });

  it.each([
    { name: "a renew deadline as long as the lease", opts: { leaseDurationMs: 2_000, renewDeadlineMs: 2_000 }, error: /leaseDuration/ },
    { name: "a retry period as long as the renew deadline", opts: { renewDeadlineMs: 1_000, retryPeriodMs: 1_000 }, error: /renewDeadline/ },
    { name: "an empty identity", opts: { identity: "" }, error: /identity/ },
  ])("rejects $name", ({ opts, error }) => {
    expect(() => new LeaderElector({ ...base, ...opts })).toThrow(error);
  });

  it("stop() before start() does nothing", async () => {
    const e = new LeaderElector(base);
    await e.stop();
    await e.release();
    expect(e.isLeader()).toBe(false);
  });
});

// Over an in-memory LeaseLock with fake timers and the injected clock:
// acquire, renew, lose (another holder, renew deadline passed), release on stop.
const httpError = (code: number): Error => Object.assign(new Error(`HTTP ${code}`), { code });

/** One Lease with a resourceVersion-guarded replace, as the API server keeps it. */
class FakeLock implements LeaseLock {
  readonly description = "default/l";
  lease: V1Lease | undefined;
  /** While set, every call fails with it. */
  failing: Error | undefined;
  readonly calls: string[] = [];
  private rv = 0;

  private check(m: string): void {
    this.calls.push(m);
    if (this.failing) throw this.failing;
  }

  async get(): Promise<V1Lease> {
    this.check("get");
    if (!this.lease) throw httpError(404);
    return structuredClone(this.lease);
  }

  async create(lease: V1Lease): Promise<V1Lease> {
    this.check("create");
    if (this.lease) throw httpError(409);
    return this.store(lease);
  }

  async update(lease: V1Lease): Promise<V1Lease> {
    this.check("update");
    if (lease.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) throw httpError(409);
    return this.store(lease);
  }

  /** Another replica's write. */
  writeAs(holder: string, at: number): void {
    this.store({ ...this.lease, spec: { ...this.lease?.spec, holderIdentity: holder, leaseDurationSeconds: 15, renewTime: new Date(at), acquireTime: new Date(at) } });
  }

  private store(lease: V1Lease): V1Lease {
    this.lease = structuredClone({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } });
    return structuredClone(this.lease);
  }

  get holder(): string | undefined {
    return this.lease?.spec?.holderIdentity;
  }
}

let lock: FakeLock;
let log: string[];

beforeEach(() => {
  vi.useFakeTimers();
  lock = new FakeLock();
  log = [];
});
afterEach(() => vi.useRealTimers());

function elector(identity = "me"): { e: LeaderElector; signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  const e = new LeaderElector({
    lock,
    namespace: "default",
    name: "l",
    identity,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    now: () => Date.now(),
    onStartedLeading: (signal) => {
      signals.push(signal);
      log.push("started");
    },
    onStoppedLeading: () => void log.push("stopped"),
    onNewLeader: (id) => log.push(`leader ${id}`),
  });
  return { e, signals };
}

describe("LeaderElector over a LeaseLock", () => {
  it("acquires a missing Lease by creating it, and leads", async () => {
    const { e, signals } = elector();
    e.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(lock.calls).toEqual(["get", "create"]);
    expect(e.isLeader()).toBe(true);
    expect(lock.lease?.spec).toMatchObject({ holderIdentity: "me", leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(log).toEqual(["leader me", "started"]);
    expect(signals[0]!.aborted).toBe(false);
    await e.stop();
  });

  it("renews every retryPeriod, moving renewTime and keeping acquireTime", async () => {
    const { e } = elector();
    e.start();
    await vi.advanceTimersByTimeAsync(0);
    const acquired = String(lock.lease!.spec!.acquireTime);
    const first = new Date(lock.lease!.spec!.renewTime!).getTime();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(lock.calls.slice(2)).toEqual(["get", "update"]);
    expect(new Date(lock.lease!.spec!.renewTime!).getTime()).toBe(first + 2_000);
    expect(String(lock.lease!.spec!.acquireTime)).toBe(acquired);
    expect(lock.lease!.spec!.leaseTransitions).toBe(0);
    // Renewals keep it leading well past the renew deadline.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(e.isLeader()).toBe(true);
    await e.stop();
  });

  it("stands by while another replica holds an unexpired Lease, and takes it over once it expired", async () => {
    lock.writeAs("other", Date.now());
    const { e } = elector();
    e.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(e.isLeader()).toBe(false);
    expect(e.getLeader()).toBe("other");
    // Expiry counts from when this replica saw the record change, not from renewTime.
    await vi.advanceTimersByTimeAsync(14_000);
    expect(e.isLeader()).toBe(false);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(e.isLeader()).toBe(true);
    expect(lock.lease?.spec).toMatchObject({ holderIdentity: "me", leaseTransitions: 1 });
    await e.stop();
  });

  it("stops leading when it finds another holder in the Lease: the term's signal aborts", async () => {
    const { e, signals } = elector();
    e.start();
    await vi.advanceTimersByTimeAsync(0);
    lock.writeAs("other", Date.now());
    await vi.advanceTimersByTimeAsync(2_000);
    expect(e.isLeader()).toBe(false);
    expect(signals[0]!.aborted).toBe(true);
    expect(log).toEqual(["leader me", "started", "leader other", "stopped"]);
    await e.stop();
  });

  it("stops leading once no renewal succeeded for renewDeadline, and not before", async () => {
    const { e, signals } = elector();
    e.start();
    await vi.advanceTimersByTimeAsync(0);
    lock.failing = httpError(500);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(e.isLeader()).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(e.isLeader()).toBe(false);
    expect(signals[0]!.aborted).toBe(true);
    expect(log.at(-1)).toBe("stopped");
    // The Lease still names it: others wait for it to expire.
    expect(lock.holder).toBe("me");
    await e.stop();
  });

  it("release() stops leading and writes the Lease free with a 1 s duration, so a standby takes over at once", async () => {
    const { e, signals } = elector();
    e.start();
    await vi.advanceTimersByTimeAsync(0);
    await e.release();
    expect(e.isLeader()).toBe(false);
    expect(signals[0]!.aborted).toBe(true);
    expect(lock.lease?.spec).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });
    expect(log).toEqual(["leader me", "started", "stopped", "leader "]);
    const calls = lock.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lock.calls).toHaveLength(calls);
    // A standby acquires the released Lease at its next try.
    const standby = elector("standby");
    standby.e.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(standby.e.isLeader()).toBe(true);
    await standby.e.stop();
  });

  it("stop() without release leaves the Lease held (it expires)", async () => {
    const { e } = elector();
    e.start();
    await vi.advanceTimersByTimeAsync(0);
    await e.stop();
    expect(e.isLeader()).toBe(false);
    expect(lock.holder).toBe("me");
  });
});
