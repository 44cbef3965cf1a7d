// Readiness of a restarted unit for rolling restarts: which units have a
// probe, and the wait giving up with the last reason (the probe itself is
// exercised against the real components by the local-mode tests).
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { buildPlan, validateInventory } from "@k8s/deploy";
import { buildPki } from "../../packages/deploy/src/pki-build.js";
import { readinessWaiter, unitProbe } from "../../packages/deploy/src/unit-readiness.js";

const plan = buildPlan(validateInventory({ nodes: [{ name: "node1", address: "127.0.0.1", roles: ["etcd", "master", "worker"] }] }));
const pki = await buildPki(plan);

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, "127.0.0.1", ok));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

describe("unitProbe", () => {
  it.each([
    ["etcd.service", true],
    ["kube-apiserver.service", true],
    ["kube-controller-manager.service", true],
    ["kube-scheduler.service", true],
    ["kubelet.service", false],
    ["flanneld.service", false],
    ["cluster-objects.service", false],
    ["cluster-addons.service", false],
  ])("%s has a probe: %s", (unit, has) => {
    expect(unitProbe({ plan, pki }, { address: "127.0.0.1" }, unit) !== undefined).toBe(has);
  });

  it("reports why an API server is not ready", async () => {
    const port = await closedPort();
    const p = unitProbe({ plan: { ...plan, inventory: { ...plan.inventory, apiserver: { ...plan.inventory.apiserver, port } } }, pki }, { address: "127.0.0.1" }, "kube-apiserver.service")!;
    expect(await p()).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${port}/readyz: .*ECONNREFUSED`));
  });
});

describe("readinessWaiter", () => {
  it("returns at once for a unit without a probe", async () => {
    let slept = 0;
    await readinessWaiter({ plan, pki, sleep: async () => void slept++ })({ name: "node1", address: "127.0.0.1" }, "kubelet.service");
    expect(slept).toBe(0);
  });

  it("polls until the timeout, then throws verify-failed naming the node, the unit and the last reason", async () => {
    const port = await closedPort();
    let now = 0;
    const sleeps: number[] = [];
    const wait = readinessWaiter({
      plan: { ...plan, inventory: { ...plan.inventory, apiserver: { ...plan.inventory.apiserver, port } } },
      pki,
      timeoutMs: 2000,
      intervalMs: 500,
      clock: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    const err = await wait({ name: "node1", address: "127.0.0.1" }, "kube-apiserver.service").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "verify-failed", field: "node1" });
    expect((err as Error).message).toMatch(/^node1: kube-apiserver\.service not ready 2 s after its restart \(https:\/\/127\.0\.0\.1:\d+\/readyz: .*ECONNREFUSED.*\); the other nodes were not restarted$/);
    expect(sleeps).toEqual([500, 500, 500, 500]);
  });
});
