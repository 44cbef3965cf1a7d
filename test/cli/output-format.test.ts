// -o json|yaml (issue #14) for the commands that print structured results:
// deploy plan, deploy verify, deploy rotate-ca status and certs check. The
// shapes are the ones the README documents; YAML is the same document as JSON.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import jsYaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { run, type CliIo } from "@k8s/cli";
import { buildPlan, defaultInventory, loadOrCreateState, localInventory, parseInventory } from "@k8s/deploy";
import { initCa, parseCsrJson } from "@k8s/pki";
import { tempDirs } from "../harness/temp-dirs.js";
import { cliPath } from "../harness/cli-child.js";

const dirs = tempDirs("k8s-pki-output-");

async function cli(argv: string[], cwd = process.cwd(), at?: Date): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), readStdin: async () => Buffer.alloc(0), env: {}, cwd, now: () => at ?? new Date() };
  const code = await run(argv, io);
  return { code, out, err };
}

/** The same command with -o json and -o yaml: both parse, to the same document. */
async function both(argv: string[], cwd?: string): Promise<{ code: number; doc: unknown; err: string }> {
  // One clock for both runs, so time-dependent fields (residualSeconds) agree.
  const at = new Date();
  const j = await cli([...argv, "-o", "json"], cwd, at);
  const y = await cli([...argv, "-o", "yaml"], cwd, at);
  expect(y.code, y.err).toBe(j.code);
  const doc = JSON.parse(j.out) as unknown;
  expect(jsYaml.load(y.out)).toEqual(doc);
  return { code: j.code, doc, err: j.err };
}

interface PlanDoc {
  kind: string;
  inventory: unknown;
  derived: Record<string, unknown>;
  certificates: { id: string; kind: string; cn: string; sans: string[]; usages: string[]; ca?: string }[];
  nodes: { name: string; address: string; roles: string[]; files: { path: string; mode: string; owner: string; source: { kind: string }; secret: boolean }[]; units: { name: string; stage: string; inputs: string[] }[] }[];
  state?: { dir: string; empty: boolean; reissue: { id: string; reason: string }[]; errors: unknown[] };
}

describe("deploy plan -o json|yaml", () => {
  it("prints the documented plan document: the inventory with its defaults, certificates, and per node files (octal modes) and units", async () => {
    const { code, doc } = await both(["deploy", "plan"]);
    expect(code).toBe(0);
    const p = doc as PlanDoc;
    const plan = buildPlan(defaultInventory());
    expect(p.kind).toBe("DeployPlan");
    expect(p.inventory).toEqual(JSON.parse(JSON.stringify(plan.inventory)));
    expect(p.derived.apiserverServiceIp).toBe("10.254.0.1");
    expect(p.certificates.map((c) => c.id)).toEqual(plan.certs.map((c) => c.id));
    expect(p.certificates.find((c) => c.id === "apiserver")).toMatchObject({ kind: "cert", cn: "kube-apiserver", ca: "kubernetes-ca", usages: ["signing", "key encipherment", "server auth"] });
    expect(p.nodes.map((n) => n.name)).toEqual(["node1", "node2", "node3"]);
    const files = p.nodes[0]!.files;
    for (const f of files) expect(f.mode, f.path).toMatch(/^0[0-7]{3}$/);
    const keys = files.filter((f) => f.source.kind === "key");
    expect(keys.length).toBeGreaterThan(3);
    for (const k of keys) expect(k, k.path).toMatchObject({ mode: "0600", secret: true });
    expect(p.nodes[0]!.units.map((u) => u.name)).toEqual(expect.arrayContaining(["etcd.service", "kube-apiserver.service", "kubelet.service"]));
    expect(p.state).toBeUndefined();
    // The text plan shows the same certificates.
    const text = (await cli(["deploy", "plan"])).out;
    for (const c of p.certificates) expect(text).toMatch(new RegExp(`^  ${c.id} `, "m"));
  });

  it("with --state adds what the next apply would issue", async () => {
    const state = join(dirs(), "state");
    const fresh = (await both(["deploy", "plan", "--state", state])).doc as PlanDoc;
    expect(fresh.state).toMatchObject({ dir: state, empty: true, errors: [] });
    expect(fresh.state!.reissue.map((r) => r.id)).toEqual(fresh.certificates.map((c) => c.id));
    await loadOrCreateState(buildPlan(defaultInventory()), state);
    const kept = (await both(["deploy", "plan", "--state", state])).doc as PlanDoc;
    expect(kept.state).toMatchObject({ dir: state, empty: false, reissue: [], errors: [] });
    // Each worker's bootstrap token with its expiry, a day after it was made.
    const tokens = (kept.state as unknown as { tokens: { node: string; expires: string; expired: boolean }[] }).tokens;
    expect(tokens.map((t) => [t.node, t.expired])).toEqual([
      ["node1", false],
      ["node2", false],
      ["node3", false],
    ]);
    for (const t of tokens) expect(Date.parse(t.expires) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
  });

});

describe("an unknown -o format", () => {
  it.each([
    [["deploy", "plan"], "text, json, yaml"],
    [["deploy", "verify"], "text, json, yaml"],
    [["deploy", "rotate-ca", "status"], "text, json, yaml"],
    [["certs", "check"], "table, json, yaml, prometheus"],
    [["token", "list"], "text, json, yaml"],
  ])("%j: refused before anything runs, naming the option and its choices, exit 2", async (argv, choices) => {
    const r = await cli([...argv, "-o", "xml"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(`error: option '-o, --output <format>' argument 'xml' is invalid. Allowed choices are ${choices}.\n`);
  });
});

describe("deploy rotate-ca status -o json|yaml", () => {
  it("prints { stateDir, rotating, cas: [{ id, step }] } before and during a rotation", async () => {
    const state = join(dirs(), "state");
    await loadOrCreateState(buildPlan(defaultInventory()), state);
    expect((await both(["deploy", "rotate-ca", "status", "--state", state])).doc).toEqual({ stateDir: state, rotating: false, cas: [] });
    const started = await cli(["deploy", "rotate-ca", "start", "--state", state, "--ca", "etcd-ca"]);
    expect(started.code, started.err).toBe(0);
    expect((await both(["deploy", "rotate-ca", "status", "--state", state])).doc).toEqual({ stateDir: state, rotating: true, cas: [{ id: "etcd-ca", step: "trust-both" }] });
  });
});

describe("deploy verify -o json|yaml", () => {
  it("prints { passed, checks: [{ name, ok, detail }] } and exits 1 when a check fails", async () => {
    // A one-node local cluster at 127.0.0.201 that is not running: every check fails fast (connection refused).
    const dir = dirs();
    const inv = "nodes:\n  - { name: solo, address: 192.168.201.201, roles: [etcd, master, worker] }\n";
    writeFileSync(join(dir, "inv.yaml"), inv);
    const local = join(dir, "local");
    mkdirSync(local);
    await loadOrCreateState(buildPlan(localInventory(parseInventory(inv))), join(local, "state"));
    const { code, doc } = await both(["deploy", "verify", "--inventory", "inv.yaml", "--local", "local"], dir);
    expect(code).toBe(1);
    const v = doc as { passed: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(Object.keys(v)).toEqual(["passed", "checks"]);
    expect(v.passed).toBe(false);
    expect(v.checks.length).toBeGreaterThan(2);
    for (const c of v.checks) {
      expect(Object.keys(c)).toEqual(["name", "ok", "detail"]);
      expect(typeof c.detail).toBe("string");
    }
    expect(v.checks.some((c) => !c.ok && /etcd/.test(c.name))).toBe(true);
  }, 60_000);
});

describe("certs check -o yaml", () => {
  it("is the JSON report as YAML", async () => {
    const dir = dirs();
    const ca = await initCa(parseCsrJson({ CN: "yaml-ca", key: { algo: "ecdsa", size: 256 } }));
    writeFileSync(join(dir, "ca.pem"), ca.cert);
    const { code, doc } = await both(["certs", "check", dir]);
    expect(code).toBe(0);
    const rows = doc as { name: string; subject: string; notAfter: string; residualSeconds: number; status: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: "ca.pem", status: "ok" });
    expect(rows[0]!.notAfter).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(rows[0]!.residualSeconds).toBeGreaterThan(86400 * 365 * 4);
  });
});

describe("a reader that stops early", () => {
  it("deploy plan -o json | head -c 20: the CLI ends quietly with 141, as cfssl does on SIGPIPE, with no stack trace", () => {
    // The document is far larger than a pipe's buffer, so the CLI is still writing when head exits.
    const script = `"$0" "$1" deploy plan -o json 2>"$2" | head -c 20 >/dev/null; echo "\${PIPESTATUS[0]}"`;
    const err = join(dirs(), "stderr");
    const r = spawnSync("bash", ["-c", script, process.execPath, cliPath, err], { encoding: "utf8" });
    expect(r.stdout.trim()).toBe("141");
    expect(readFileSync(err, "utf8")).toBe("");
  });
});

