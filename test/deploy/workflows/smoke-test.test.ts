// runSmokeTest's edges: the API server it goes through (the first master
// whose /readyz answers, so it runs while one is down), a cluster where none
// answers (every smoke check listed as skipped), and the output lines.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlan, loadOrCreateState, localInventory, parseInventory } from "@k8s/deploy";
import { formatSmokeCheck, formatSmokeSummary, pickApiServer, runSmokeTest, SMOKE_API_CHECK } from "../../../packages/deploy/src/workflows/smoke-test.js";
import { SMOKE_CHECK } from "../../../packages/deploy/src/workflows/smoke-checks.js";

describe("pickApiServer", () => {
  const urls = ["https://10.0.0.1:6443", "https://10.0.0.2:6443", "https://10.0.0.3:6443"];
  it.each<{ what: string; answers: Record<string, string | true | Error>; url: string | undefined; passedOver: string[] }>([
    { what: "the first when it is ready", answers: { [urls[0]!]: true }, url: urls[0], passedOver: [] },
    {
      what: "the next one while the first is down",
      answers: { [urls[0]!]: new Error("connect ECONNREFUSED"), [urls[1]!]: "HTTP 500", [urls[2]!]: true },
      url: urls[2],
      passedOver: [`${urls[0]}: connect ECONNREFUSED`, `${urls[1]}: HTTP 500`],
    },
    { what: "none", answers: { [urls[0]!]: "HTTP 503", [urls[1]!]: "HTTP 503", [urls[2]!]: new Error("timeout") }, url: undefined, passedOver: [`${urls[0]}: HTTP 503`, `${urls[1]}: HTTP 503`, `${urls[2]}: timeout`] },
  ])("$what", async ({ answers, url, passedOver }) => {
    const asked: string[] = [];
    const r = await pickApiServer(urls, async (u) => {
      asked.push(u);
      const a = answers[u];
      if (a instanceof Error) throw a;
      return a ?? "not asked";
    });
    expect(r).toEqual({ url, passedOver });
    // Asked in order, and no further than the first ready one.
    expect(asked).toEqual(urls.slice(0, url === undefined ? urls.length : urls.indexOf(url) + 1));
  });
});

describe("runSmokeTest with no API server answering", () => {
  const base = mkdtempSync(join(tmpdir(), "k8s-pki-smoke-"));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("fails the API server check naming each master, lists every smoke check as skipped and creates nothing", async () => {
    // Nothing listens on 127.0.0.211-212: connection refused at once.
    const plan = buildPlan(localInventory(parseInventory("nodes:\n  - { name: m1, address: 192.168.9.211, roles: [etcd, master, worker] }\n  - { name: m2, address: 192.168.9.212, roles: [master, worker] }\n")));
    await loadOrCreateState(plan, join(base, "state"));
    let madeApi = false;
    const seen: string[] = [];
    const r = await runSmokeTest({
      plan,
      stateDir: join(base, "state"),
      onCheck: (c) => seen.push(c.name),
      makeApi: async () => {
        madeApi = true;
        throw new Error("not reached");
      },
    });
    expect(r.ok).toBe(false);
    expect(r.apiServer).toBeUndefined();
    expect(madeApi).toBe(false);
    expect(r.checks.map((c) => c.name)).toEqual([SMOKE_API_CHECK, ...Object.values(SMOKE_CHECK)]);
    expect(seen).toEqual(r.checks.map((c) => c.name));
    expect(r.checks[0]!.detail).toMatch(/^no master's \/readyz answered: https:\/\/127\.0\.0\.211:6443: .*ECONNREFUSED.*; https:\/\/127\.0\.0\.212:6443: .*ECONNREFUSED/);
    for (const c of r.checks.slice(1)) expect(c).toMatchObject({ ok: false, skipped: true, detail: "skipped: no API server" });
    expect(r.namespace).toMatch(/^k8s-pki-smoke-[a-z0-9]{5}$/);
  });
});

describe("formatSmokeCheck and formatSmokeSummary", () => {
  it.each([
    { c: { name: "smoke kubectl exec", ok: true, detail: "fine" }, line: "ok     smoke kubectl exec: fine" },
    { c: { name: "smoke kubectl exec", ok: false, detail: "smoke-1 on node1: HTTP 502" }, line: "FAILED smoke kubectl exec: smoke-1 on node1: HTTP 502" },
    { c: { name: "smoke DNS kubernetes.default", ok: false, skipped: true, detail: "skipped: exec failed" }, line: "skip   smoke DNS kubernetes.default: skipped: exec failed" },
  ])("$line", ({ c, line }) => {
    expect(formatSmokeCheck(c)).toBe(line);
  });

  it.each([
    { checks: [{ ok: true }, { ok: true }], line: "smoke test: all 2 checks passed" },
    { checks: [{ ok: true }, { ok: false }, { ok: false, skipped: true }], line: "smoke test: 1 of 3 checks failed, 1 skipped" },
    { checks: [{ ok: false }, { ok: true }], line: "smoke test: 1 of 2 checks failed" },
  ])("$line", ({ checks, line }) => {
    expect(formatSmokeSummary({ checks: checks.map((c, i) => ({ name: `c${i}`, detail: "", ...c })) })).toBe(line);
  });
});
