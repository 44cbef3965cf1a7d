import { describe, expect, it } from "vitest";
import { normalizeWatchObject } from "../../../packages/bootstrap/src/approver/csr-watch.js";

// The watcher's list/watch behaviour runs against the real API server in test/integration/approver-infra.test.ts.
describe("normalizeWatchObject", () => {
  it("turns the timestamps of a raw watch object into Dates, as client-node's list deserializer does", () => {
    const raw = {
      metadata: {
        name: "csr-1",
        creationTimestamp: "2026-01-02T03:04:05Z",
        deletionTimestamp: "2026-01-02T03:05:05Z",
        managedFields: [{ manager: "kubectl", time: "2026-01-02T03:04:05Z" }],
      },
      spec: { request: "", signerName: "s" },
      status: { conditions: [{ type: "Approved", status: "True", lastUpdateTime: "2026-01-02T03:04:06Z", lastTransitionTime: "2026-01-02T03:04:07Z" }] },
    };
    const csr = normalizeWatchObject(raw);
    expect(csr.metadata?.creationTimestamp).toEqual(new Date("2026-01-02T03:04:05Z"));
    expect(csr.metadata?.deletionTimestamp).toEqual(new Date("2026-01-02T03:05:05Z"));
    expect(csr.metadata?.managedFields?.[0]?.time).toEqual(new Date("2026-01-02T03:04:05Z"));
    expect(csr.status?.conditions?.[0]?.lastUpdateTime).toEqual(new Date("2026-01-02T03:04:06Z"));
    expect(csr.status?.conditions?.[0]?.lastTransitionTime).toEqual(new Date("2026-01-02T03:04:07Z"));
  });

  it("leaves absent fields absent and Dates as they are", () => {
    const d = new Date("2026-01-02T03:04:05Z");
    const csr = normalizeWatchObject({ metadata: { name: "x", creationTimestamp: d }, spec: { request: "", signerName: "s" } });
    expect(csr.metadata?.creationTimestamp).toBe(d);
    expect(csr.metadata).not.toHaveProperty("deletionTimestamp");
    expect(csr.status).toBeUndefined();
  });
});
