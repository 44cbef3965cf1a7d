// `k8s-pki deploy apply|verify|stop --local` as a user runs them: the built CLI
// as a child process, its units real binaries started DETACHED (they outlive
// the CLI), then `deploy stop` ending every one of them. The CSR approver is a
// unit too (k8s-pki-approver.service), run from the standalone single-file
// k8s-pki an operator puts in binDir (copied alone into the test's bin folder),
// so the kubelets bootstrap through it and verify is fully green; afterAll
// always runs `deploy stop` so nothing outlives the test, whatever failed.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binaryPath, repoRoot, type Component } from "../harness/binaries.js";
import { cliChild, cliPath, showRun, type ChildRun } from "../harness/cli-child.js";
import { withTempDir } from "../harness/fixtures.js";
import { processesMatching, waitFor } from "../harness/process.js";

const tmp = withTempDir("k8s-pki-deploy-cli-local-");
const COMPONENTS: Component[] = ["etcd", "etcdctl", "flanneld", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kubectl"];

const nodesDir = (): string => join(tmp.path, "nodes");
const stateDir = (): string => join(tmp.path, "state");
// Nodes at 127.0.0.21-23, so this cluster never collides with deploy-local.test.ts's (127.0.0.11-13) when both run at once.
const inventoryPath = (): string => join(tmp.path, "inventory.json");
const local = (): string[] => ["--inventory", inventoryPath(), "--local", nodesDir(), "--state", stateDir()];
const ownBin = (): string => join(tmp.path, "bin");
const binDirs = (): string => [ownBin(), ...new Set(COMPONENTS.map((c) => dirname(binaryPath(c))))].join(":");
const standalone = join(repoRoot, "packages/cli/dist/k8s-pki");

let firstApply: ChildRun;
const timings: string[] = [];

beforeAll(() => {
  expect(existsSync(cliPath), `${cliPath}: run \`npm run build\` first`).toBe(true);
  const nodes = [1, 2, 3].map((i) => ({ name: `node${i}`, address: `192.168.95.2${i}`, roles: ["etcd", "master", "worker"] }));
  writeFileSync(inventoryPath(), JSON.stringify({ nodes }));
  binDirs(); // fails up front, naming a missing binary
  expect(existsSync(standalone), `${standalone}: run \`npm run build\` first`).toBe(true);
  mkdirSync(ownBin());
  copyFileSync(standalone, join(ownBin(), "k8s-pki"));
  chmodSync(join(ownBin(), "k8s-pki"), 0o755);
});

afterAll(async () => {
  // Always: the units are detached and would outlive the test otherwise.
  if (existsSync(nodesDir())) {
    const r = await cliChild(["deploy", "stop", "--local", nodesDir()]);
    if (r.code !== 0) console.error(`deploy stop in afterAll failed:\n${showRun(r)}`);
  }
  console.log(`deploy-cli-local timings:\n  ${timings.join("\n  ")}`);
});

describe("k8s-pki deploy apply|verify|stop --local, run as a child process", () => {
  it("apply renders and starts the three nodes stage by stage", async () => {
    const t0 = Date.now();
    firstApply = await cliChild(["deploy", "apply", ...local(), "--bin-dir", binDirs()]);
    timings.push(`first apply: ${Date.now() - t0} ms`);
    expect(firstApply.code, showRun(firstApply)).toBe(0);
    const out = firstApply.stdout;
    expect(out).toContain(`created PKI and secrets in ${stateDir()}`);
    for (const n of ["node1", "node2", "node3"]) {
      expect(out).toContain(`${n} [etcd] started etcd.service`);
      expect(out).toContain(`${n} [network] started flanneld.service`);
      expect(out).toMatch(new RegExp(`^${n} \\[master\\] started kube-apiserver\\.service`, "m"));
      expect(out).toContain(`${n} [bootstrap] started k8s-pki-approver.service`);
      expect(out).toContain(`${n} [worker] started kubelet.service`);
    }
    expect(out).toMatch(/^applied: node1, node2, node3 changed$/m);
    // Detached: the units outlived the CLI, each with a pid file.
    for (const n of ["node1", "node2", "node3"]) {
      expect(readdirSync(join(nodesDir(), n, "run/local-units"))).toContain("etcd.service.pid");
      // The approver is the standalone file from --bin-dir, not the repository's CLI.
      const pid = readFileSync(join(nodesDir(), n, "run/local-units/k8s-pki-approver.service.pid"), "utf8").split("\n")[0]!;
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      expect(argv.slice(0, 4)).toEqual([process.execPath, join(ownBin(), "k8s-pki"), "approver", "run"]);
    }
    expect(processesMatching(nodesDir()).length).toBeGreaterThanOrEqual(3 * 5);
  });

  it("verify is fully green: etcd, every API server, the leader Leases (the approver's too) and the kubelets' CSRs", async () => {
    const t0 = Date.now();
    let last: ChildRun | undefined;
    await waitFor(
      async () => {
        last = await cliChild(["deploy", "verify", ...local()], 30_000);
        // Green, and after the three kubelets' CSRs (verify is also green before they ask).
        return last.code === 0 && /^ok {5}CSRs approved: 3 approved and issued, 0 pending/m.test(last.stdout);
      },
      { what: "deploy verify to exit 0 with the kubelets' CSRs approved", timeoutMs: 120_000, intervalMs: 1000 },
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${last ? showRun(last) : ""}`);
    });
    timings.push(`verify green ${Date.now() - t0} ms after apply`);
    const out = last!.stdout;
    expect(out).not.toMatch(/^FAILED/m);
    expect(out).toMatch(/^all \d+ checks passed$/m);
    expect(out).toMatch(/^ok {5}etcd has exactly one leader:/m);
    for (const n of ["node1", "node2", "node3"]) {
      expect(out).toMatch(new RegExp(`^ok {5}etcd ${n} healthy:`, "m"));
      expect(out).toMatch(new RegExp(`^ok {5}kube-apiserver ${n} /readyz:`, "m"));
    }
    expect(out).toMatch(/^ok {5}Lease kube-system\/k8s-pki-approver held: held by node[123],/m);
    expect(out).toMatch(/^ok {5}CSRs approved: 3 approved and issued, 0 pending/m);
  });

  it("a second apply (a new CLI process) finds the running units through their pid files: nothing changed", async () => {
    const t0 = Date.now();
    const r = await cliChild(["deploy", "apply", ...local(), "--bin-dir", binDirs()]);
    timings.push(`second apply: ${Date.now() - t0} ms`);
    expect(r.code, showRun(r)).toBe(0);
    expect(r.stdout).toContain(`reusing PKI and secrets in ${stateDir()}`);
    expect(r.stdout).toMatch(/^nothing changed$/m);
    expect(r.stdout).not.toMatch(/ (started|restarted) \S+\.service/);
  });

  it("stop ends every unit process and removes the pid files", async () => {
    const before = processesMatching(nodesDir());
    expect(before.length).toBeGreaterThan(0);
    const t0 = Date.now();
    const r = await cliChild(["deploy", "stop", "--local", nodesDir()]);
    timings.push(`stop: ${Date.now() - t0} ms\n    ${r.stdout.trimEnd().split("\n").join("\n    ")}`);
    expect(r.code, showRun(r)).toBe(0);
    for (const n of ["node1", "node2", "node3"]) {
      expect(r.stdout).toMatch(new RegExp(`^${n} etcd\\.service: (stopped|killed) \\(pid \\d+\\)`, "m"));
      expect(r.stdout).toMatch(new RegExp(`^${n} kube-apiserver\\.service: (stopped|killed) \\(pid \\d+\\)`, "m"));
      // Local-mode kubelets exit once bootstrapped (RemainAfterExit=yes), so usually there is nothing left to stop.
      expect(r.stdout).toMatch(new RegExp(`^${n} kubelet\\.service: (stopped|killed|was not running) \\(pid \\d+\\)`, "m"));
      expect(r.stdout).toMatch(new RegExp(`^${n} k8s-pki-approver\\.service: (stopped|killed) \\(pid \\d+\\)`, "m"));
      expect(readdirSync(join(nodesDir(), n, "run/local-units"))).toEqual([]);
    }
    expect(r.stdout).toMatch(/^stopped \d+ process\(es\) under /m);
    expect(processesMatching(nodesDir())).toEqual([]);
    // Idempotent: a second stop finds nothing to do.
    const again = await cliChild(["deploy", "stop", "--local", nodesDir()]);
    expect(again.code, showRun(again)).toBe(0);
    expect(again.stdout).toContain(`no local units under ${nodesDir()}`);
  });
});
