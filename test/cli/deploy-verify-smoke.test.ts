// deploy verify --smoke / --smoke-only: the flags, the lines and document
// they print, and the exit code. The smoke run itself against a real cluster
// is the test bed's end-to-end test; here no API server answers, so the
// smoke test fails at its first check and lists the rest as skipped.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run, type CliIo } from "@k8s/cli";
import { buildPlan, loadOrCreateState, localInventory, parseInventory } from "@k8s/deploy";
import { tempDirs } from "../harness/temp-dirs.js";

const dirs = tempDirs("k8s-pki-smoke-cli-");

async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), readStdin: async () => Buffer.alloc(0), env: {}, cwd, now: () => new Date() };
  const code = await run(argv, io);
  return { code, out, err };
}

/** A one-node local cluster at 127.0.0.202 with its state, not running. */
async function stoppedCluster(): Promise<string> {
  const dir = dirs();
  const inv = "nodes:\n  - { name: solo, address: 192.168.202.202, roles: [etcd, master, worker] }\n";
  writeFileSync(join(dir, "inv.yaml"), inv);
  mkdirSync(join(dir, "local"));
  await loadOrCreateState(buildPlan(localInventory(parseInventory(inv))), join(dir, "local", "state"));
  return dir;
}

const SMOKE_NAMES = [
  "smoke API server",
  "smoke workload created",
  "smoke pods ready, one per worker",
  "smoke kubectl logs",
  "smoke kubectl exec",
  "smoke pod-to-pod across nodes",
  "smoke Service ClusterIP",
  "smoke DNS kubernetes.default",
  "smoke DNS Service name",
  "smoke DNS Service short name",
  "smoke clean-up",
];

describe("deploy verify --smoke flags", () => {
  it.each([
    { value: "bogus", message: 'time: invalid duration "bogus"' },
    { value: "0s", message: "must be positive" },
  ])("--smoke-timeout $value is a usage error (exit 2) naming the flag", async ({ value, message }) => {
    const r = await cli(["deploy", "verify", "--smoke", "--smoke-timeout", value], dirs());
    expect(r.code).toBe(2);
    expect(r.err).toContain(`option '--smoke-timeout <duration>' argument '${value}' is invalid. ${message}`);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("--help lists them with their defaults", async () => {
    const r = await cli(["deploy", "verify", "--help"], dirs());
    expect(r.code).toBe(0);
    for (const f of ["--smoke ", "--smoke-only", "--smoke-image <image>", "--smoke-timeout <duration>", "--keep"]) expect(r.out).toContain(f);
    expect(r.out).toContain('"docker.io/library/busybox:1.36"');
    expect(r.out).toContain("(default: 180s)");
  });
});

describe("deploy verify --smoke-only on a cluster that does not answer", () => {
  it("prints each smoke check, the summary, and exits 1; the other checks do not run", async () => {
    const dir = await stoppedCluster();
    const r = await cli(["deploy", "verify", "--inventory", "inv.yaml", "--local", "local", "--smoke-only", "--smoke-timeout", "5s"], dir);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split("\n");
    expect(lines.map((l) => /^(?:ok|FAILED|skip)\s+(.*?):/.exec(l)?.[1] ?? l).slice(0, -1)).toEqual(SMOKE_NAMES);
    expect(lines[0]).toMatch(/^FAILED smoke API server: no master's \/readyz answered: https:\/\/127\.0\.0\.202:6443: /);
    expect(lines.slice(1, -1).every((l) => l.startsWith("skip   "))).toBe(true);
    expect(lines.at(-1)).toBe("smoke test: 1 of 11 checks failed, 10 skipped");
    expect(r.out).not.toMatch(/etcd/);
    expect(r.err).toBe("");
  }, 60_000);
});

describe("deploy verify --smoke -o json", () => {
  it("adds { smoke: { ok, apiServer, namespace, checks } } after the regular checks and exits 1", async () => {
    const dir = await stoppedCluster();
    const r = await cli(["deploy", "verify", "--inventory", "inv.yaml", "--local", "local", "--smoke", "-o", "json"], dir);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as { passed: boolean; checks: { name: string }[]; smoke: { ok: boolean; namespace: string; checks: { name: string; ok: boolean; skipped?: boolean }[] } };
    expect(Object.keys(doc)).toEqual(["passed", "checks", "smoke"]);
    expect(doc.passed).toBe(false);
    expect(doc.checks.some((c) => /etcd/.test(c.name))).toBe(true);
    expect(doc.smoke.ok).toBe(false);
    expect(doc.smoke.namespace).toMatch(/^k8s-pki-smoke-[a-z0-9]{5}$/);
    expect(doc.smoke.checks.map((c) => c.name)).toEqual(SMOKE_NAMES);
    expect(doc.smoke.checks.slice(1).every((c) => c.skipped === true && !c.ok)).toBe(true);
  }, 60_000);
});
