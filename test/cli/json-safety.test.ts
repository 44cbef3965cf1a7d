// What `k8s-pki json` adds to cfssljson, on purpose: it refuses to replace
// the private key of an existing CA (unless -replace-ca-key), writes through
// temp files that never stay behind, and always writes keys 0600.
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cfssl, k8sPki, outputJson, tempDir } from "../helpers/exec.js";

let root: string;
let cleanup: () => void;
let firstCa: string;
let secondCa: string;
let leaf: string;
let n = 0;

beforeAll(async () => {
  ({ dir: root, cleanup } = tempDir("k8s-pki-json-safety-"));
  writeFileSync(join(root, "ca-csr.json"), JSON.stringify({ CN: "safety root" }));
  writeFileSync(join(root, "leaf-csr.json"), JSON.stringify({ CN: "leaf", hosts: ["leaf.example.com"] }));
  // Two different CAs (different keys) from the real cfssl, and a leaf of the first.
  firstCa = (await cfssl(["gencert", "-initca", "ca-csr.json"], { cwd: root })).stdout;
  secondCa = (await cfssl(["gencert", "-initca", "ca-csr.json"], { cwd: root })).stdout;
  const ca = outputJson({ code: 0, stdout: firstCa, stderr: "", cmd: "cfssl" });
  writeFileSync(join(root, "ca.pem"), ca.cert!);
  writeFileSync(join(root, "ca-key.pem"), ca.key!);
  leaf = (await cfssl(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "leaf-csr.json"], { cwd: root })).stdout;
});
afterAll(() => cleanup());

function folder(): string {
  const d = join(root, `d${++n}`);
  mkdirSync(d);
  return d;
}

type Snapshot = Record<string, { mode: number; contents: string; mtimeMs: number }>;
function snapshot(dir: string): Snapshot {
  const out: Snapshot = {};
  for (const name of readdirSync(dir).sort()) {
    const st = statSync(join(dir, name));
    out[name] = { mode: st.mode & 0o777, contents: readFileSync(join(dir, name), "utf8"), mtimeMs: st.mtimeMs };
  }
  return out;
}

const json = (dir: string, args: string[], input: string) => k8sPki(["json", ...args], { cwd: dir, input });

describe("json -bare refuses to replace an existing CA's key", () => {
  it("a different CA key: nothing written, exit 1, no stack trace, and the old CA intact", async () => {
    const dir = folder();
    expect((await json(dir, ["-bare", "ca"], firstCa)).code).toBe(0);
    const before = snapshot(dir);
    expect(Object.keys(before)).toEqual(["ca-key.pem", "ca.csr", "ca.pem"]);
    const r = await json(dir, ["-bare", "ca"], secondCa);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("-replace-ca-key");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(dir)).toEqual(before);
  });

  it("-replace-ca-key replaces it", async () => {
    const dir = folder();
    await json(dir, ["-bare", "ca"], firstCa);
    const r = await json(dir, ["-bare", "-replace-ca-key", "ca"], secondCa);
    expect(r.code, r.stderr).toBe(0);
    const want = outputJson({ code: 0, stdout: secondCa, stderr: "", cmd: "cfssl" });
    const after = snapshot(dir);
    expect(after["ca.pem"]!.contents).toBe(want.cert);
    expect(after["ca-key.pem"]!.contents).toBe(want.key);
    expect(after["ca.csr"]!.contents).toBe(want.csr);
    expect(after["ca-key.pem"]!.mode).toBe(0o600);
    expect(Object.keys(after)).toEqual(["ca-key.pem", "ca.csr", "ca.pem"]);
  });

  it("the same output again is not a replacement", async () => {
    const dir = folder();
    await json(dir, ["-bare", "ca"], firstCa);
    const r = await json(dir, ["-bare", "ca"], firstCa);
    expect(r.code, r.stderr).toBe(0);
  });

  it("a leaf's key may be replaced (only CA keys are protected)", async () => {
    const dir = folder();
    await json(dir, ["-bare", "leaf"], leaf);
    const other = (await cfssl(["gencert", "-ca", join(root, "ca.pem"), "-ca-key", join(root, "ca-key.pem"), join(root, "leaf-csr.json")], { cwd: root })).stdout;
    const r = await json(dir, ["-bare", "leaf"], other);
    expect(r.code, r.stderr).toBe(0);
    expect(snapshot(dir)["leaf-key.pem"]!.contents).toBe(outputJson({ code: 0, stdout: other, stderr: "", cmd: "cfssl" }).key);
  });

  it("a key without a certificate next to it may be replaced", async () => {
    const dir = folder();
    writeFileSync(join(dir, "ca-key.pem"), "old key");
    expect((await json(dir, ["-bare", "ca"], secondCa)).code).toBe(0);
  });
});

describe("files are written safely", () => {
  it("a key is written 0600 even when the older key file was 0644", async () => {
    const dir = folder();
    writeFileSync(join(dir, "leaf-key.pem"), "older", { mode: 0o644 });
    chmodSync(join(dir, "leaf-key.pem"), 0o644);
    expect((await json(dir, ["-bare", "leaf"], leaf)).code).toBe(0);
    expect(statSync(join(dir, "leaf-key.pem")).mode & 0o777).toBe(0o600);
  });

  it("no temp files are left behind, after success or failure", async () => {
    const dir = folder();
    await json(dir, ["-bare", "ca"], firstCa);
    await json(dir, ["-bare", "ca"], secondCa); // refused
    // A write that fails half-way: ca.csr is a folder, so the rename onto it fails.
    const d2 = folder();
    mkdirSync(join(d2, "ca.csr"));
    const r = await json(d2, ["-bare", "ca"], firstCa);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    for (const d of [dir, d2]) expect(readdirSync(d).filter((f) => f.endsWith(".tmp") || f.startsWith("."))).toEqual([]);
  });

  it("a failed read is reported on one line, without a stack trace", async () => {
    const dir = folder();
    const r2 = await json(dir, ["-bare", "-f", "missing.json", "x"], "");
    expect(r2.code).toBe(1);
    expect(r2.stderr.trim().split("\n")).toHaveLength(1);
    expect(r2.stderr).not.toMatch(/\n\s+at /);
  });
});
