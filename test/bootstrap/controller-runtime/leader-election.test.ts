import { describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { LeaderElector } from "../../../packages/bootstrap/src/controller-runtime/leader-election.js";

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
