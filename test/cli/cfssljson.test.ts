// `k8s-pki json` against the real cfssljson, and pipelines in both directions
// (k8s-pki | cfssljson, cfssl | k8s-pki json): same file names, contents and
// modes, same -stdout output, same failures. Every comparison runs the real
// program on the same input in the same test.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cfssljsonBin, cfsslBin, k8sPkiCommand } from "../helpers/cfssl.js";
import { cfssl, cfssljson, k8sPki, outputJson, run, tempDir, type RunResult } from "../helpers/exec.js";

let root: string;
let cleanup: () => void;
let n = 0;
beforeAll(() => {
  ({ dir: root, cleanup } = tempDir("k8s-pki-cfssljson-"));
  writeFileSync(join(root, "ca-csr.json"), JSON.stringify({ CN: "json root", names: [{ O: "Example" }] }));
  writeFileSync(join(root, "leaf-csr.json"), JSON.stringify({ CN: "leaf", hosts: ["leaf.example.com"] }));
});
afterAll(() => cleanup());

/** A fresh empty folder under the test's temp folder. */
function folder(): string {
  const d = join(root, `d${++n}`);
  mkdirSync(d);
  return d;
}

interface FileInfo {
  mode: string;
  contents: string;
}

function listing(dir: string): Record<string, FileInfo> {
  const out: Record<string, FileInfo> = {};
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    out[name] = { mode: (statSync(p).mode & 0o777).toString(8), contents: readFileSync(p, "latin1") };
  }
  return out;
}

const sh = (script: string, cwd: string): Promise<RunResult> => run("bash", ["-c", `set -euo pipefail; umask 022; ${script}`], { cwd });
const [node, bin] = k8sPkiCommand();
const ours = `'${node}' '${bin}'`;

/** Runs cfssljson and `k8s-pki json` with the same arguments and input, each in its own empty folder. */
async function bothJson(args: string[], input: string): Promise<{ theirs: RunResult; ours: RunResult; theirDir: string; ourDir: string }> {
  const theirDir = folder();
  const ourDir = folder();
  const [t, o] = await Promise.all([cfssljson(args, { cwd: theirDir, input }), k8sPki(["json", ...args], { cwd: ourDir, input })]);
  return { theirs: t, ours: o, theirDir, ourDir };
}

function expectSame(r: Awaited<ReturnType<typeof bothJson>>): void {
  expect(r.ours.code, r.theirs.stderr + "\n" + r.ours.stderr).toBe(r.theirs.code);
  expect(r.ours.stdout).toBe(r.theirs.stdout);
  expect(r.ours.stderr).toBe(r.theirs.stderr);
  expect(listing(r.ourDir)).toEqual(listing(r.theirDir));
}

describe("pipelines", () => {
  it("k8s-pki gencert -initca | cfssljson -bare, and cfssl gencert -initca | k8s-pki json -bare: same files and modes", async () => {
    const a = folder();
    const b = folder();
    const r1 = await sh(`${ours} gencert -initca ../ca-csr.json | '${cfssljsonBin()}' -bare ca`, a);
    const r2 = await sh(`'${cfsslBin()}' gencert -initca ../ca-csr.json | ${ours} json -bare ca`, b);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    const la = listing(a);
    const lb = listing(b);
    expect(Object.keys(la)).toEqual(["ca-key.pem", "ca.csr", "ca.pem"]);
    expect(Object.keys(lb)).toEqual(Object.keys(la));
    for (const l of [la, lb]) {
      expect(l["ca-key.pem"]!.mode).toBe("600");
      expect(l["ca.pem"]!.mode).toBe("644");
      expect(l["ca.csr"]!.mode).toBe("644");
    }
  });

  it("a full cfssl workflow with k8s-pki json, and the k8s-pki workflow with cfssljson", async () => {
    const a = folder();
    const r1 = await sh(
      `'${cfsslBin()}' gencert -initca ../ca-csr.json | ${ours} json -bare ca && '${cfsslBin()}' gencert -ca ca.pem -ca-key ca-key.pem ../leaf-csr.json | ${ours} json -bare leaf && openssl verify -CAfile ca.pem leaf.pem`,
      a,
    );
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toContain("leaf.pem: OK");
    const b = folder();
    const r2 = await sh(
      `${ours} gencert -initca ../ca-csr.json | '${cfssljsonBin()}' -bare ca && ${ours} gencert -ca ca.pem -ca-key ca-key.pem ../leaf-csr.json | '${cfssljsonBin()}' -bare leaf && openssl verify -CAfile ca.pem leaf.pem`,
      b,
    );
    expect(r2.code, r2.stderr).toBe(0);
    expect(Object.keys(listing(a))).toEqual(Object.keys(listing(b)));
  });

  it("umask 002: the certificate is group-writable (0664) for both, the key still 0600", async () => {
    const out = outputJson(await cfssl(["gencert", "-initca", "ca-csr.json"], { cwd: root }));
    const input = JSON.stringify(out);
    const a = folder();
    const b = folder();
    writeFileSync(join(root, "umask-input.json"), input);
    await sh(`umask 002; '${cfssljsonBin()}' -bare -f ../umask-input.json x`, a);
    await sh(`umask 002; ${ours} json -bare -f ../umask-input.json x`, b);
    expect(listing(b)).toEqual(listing(a));
    expect(listing(a)["x.pem"]!.mode).toBe("664");
  });
});

describe("k8s-pki json equals cfssljson", () => {
  let gencertOut: string;
  beforeAll(async () => {
    gencertOut = (await cfssl(["gencert", "-initca", "ca-csr.json"], { cwd: root })).stdout;
  });

  it("-bare on cfssl gencert output, byte for byte", async () => {
    expectSame(await bothJson(["-bare", "ca"], gencertOut));
  });

  it("default base name 'cert'", async () => {
    expectSame(await bothJson(["-bare"], gencertOut));
  });

  it("-stdout", async () => {
    const r = await bothJson(["-bare", "-stdout"], gencertOut);
    expectSame(r);
    expect(r.ours.stdout.length).toBeGreaterThan(0);
  });

  it("-f file instead of stdin", async () => {
    writeFileSync(join(root, "gencert-out.json"), gencertOut);
    expectSame(await bothJson(["-bare", "-f", join(root, "gencert-out.json"), "fromfile"], ""));
  });

  it("-f with a missing file", async () => {
    const r = await bothJson(["-bare", "-f", join(root, "nope.json")], "");
    expect(r.ours.code).toBe(r.theirs.code);
    expect(listing(r.ourDir)).toEqual({});
  });

  it.each([
    ["API envelope (sign/newcert result keys)", [], { success: true, result: { certificate: "C\n", private_key: "K\n", certificate_request: "R\n" }, errors: [], messages: [] }],
    ["API envelope with cert/key/csr", ["base"], { success: true, result: { cert: "C", key: "K", csr: "R" } }],
    ["API envelope, -stdout", ["-stdout"], { success: true, result: { certificate: "C", private_key: "K", certificate_request: "R" } }],
    ["cert wins over certificate", ["-bare", "-stdout"], { cert: "C1", certificate: "C2", key: "K1", private_key: "K2" }],
    ["bundle and OCSP response", [], { success: true, result: { result: { bundle: { bundle: "B", root: "ROOT" } }, ocspResponse: "AAECAw==" } }],
    ["encrypted key", ["-bare"], { encrypted_key: "secret", key: "K" }],
    ["encrypted key, -stdout", ["-bare", "-stdout"], { encrypted_key: "secret", key: "K" }],
    ["empty strings write nothing", ["-bare"], { cert: "", key: "", csr: "" }],
    ["JSON null", ["-bare"], null],
    ["failed request", [], { success: false, result: null, errors: [{ code: 5100, message: "Invalid policy: no key usage available" }, { message: "second" }], messages: [] }],
    ["CLI output without -bare", [], { cert: "C", key: "K" }],
    ["an array", ["-bare"], []],
    ["a string", ["-bare"], "str"],
    ["bad OCSP base64", ["-bare"], { ocspResponse: "AA=A" }],
    ["truncated OCSP base64", ["-bare"], { ocspResponse: "AAECA" }],
  ] as const)("%s", async (_name, args, input) => {
    expectSame(await bothJson([...args], JSON.stringify(input)));
  });

  it.each([
    ["empty input", ""],
    ["not JSON", "Failed to load config file"],
    ["truncated JSON", '{"cert": "abc'],
  ])("%s", async (_name, input) => {
    expectSame(await bothJson(["-bare"], input));
  });

  it("an existing certificate keeps its mode, as with cfssljson", async () => {
    const r = await bothJson(["-bare", "ca"], "{}");
    for (const d of [r.theirDir, r.ourDir]) writeFileSync(join(d, "ca.pem"), "old", { mode: 0o600 });
    const [t, o] = await Promise.all([cfssljson(["-bare", "ca"], { cwd: r.theirDir, input: gencertOut }), k8sPki(["json", "-bare", "ca"], { cwd: r.ourDir, input: gencertOut })]);
    expect(o.code).toBe(t.code);
    expect(listing(r.ourDir)).toEqual(listing(r.theirDir));
    expect(listing(r.ourDir)["ca.pem"]!.mode).toBe("600");
  });
});

describe("cfssljson's command line", () => {
  it.each([["-nope"], ["-h"], ["-f"], ["-bare=maybe"]])("%s: same exit status, message and flag usage lines", async (flag) => {
    const r = await bothJson([flag], "");
    expect(r.ours.code).toBe(r.theirs.code);
    expect(r.ours.stdout).toBe(r.theirs.stdout);
    const first = (s: string): string => s.split("\n")[0]!;
    if (!first(r.theirs.stderr).startsWith("Usage of")) expect(first(r.ours.stderr)).toBe(first(r.theirs.stderr));
    // Go's PrintDefaults block of each flag cfssljson has: "  -name[ type]\n    \tusage[ (default ...)]".
    const block = (s: string, name: string): string | undefined => new RegExp(`\\n  -${name}( string)?\\n    \\t[^\\n]*`).exec(s)?.[0];
    for (const name of ["bare", "f", "stdout", "version"]) {
      expect(block(r.theirs.stderr, name), name).toBeDefined();
      expect(block(r.ours.stderr, name), name).toBe(block(r.theirs.stderr, name));
    }
  });
});

describe("deliberate deviations from cfssljson", () => {
  it("a non-string value: cfssljson panics (exit 2), k8s-pki refuses with a message (exit 1)", async () => {
    const r = await bothJson(["-bare"], JSON.stringify({ cert: 5 }));
    expect(r.theirs.code).toBe(2);
    expect(r.theirs.stderr).toContain("panic");
    expect(r.ours.code).toBe(1);
    expect(r.ours.stderr).toBe('Failed to parse input: field "cert" is not a string\n');
  });

  it("an existing key file written 0644 becomes 0600 (cfssljson keeps 0644)", async () => {
    const r = await bothJson(["-bare", "leaf"], "{}");
    for (const d of [r.theirDir, r.ourDir]) writeFileSync(join(d, "leaf-key.pem"), "old", { mode: 0o644 });
    const input = JSON.stringify({ cert: "C", key: "NEW KEY" });
    await Promise.all([cfssljson(["-bare", "leaf"], { cwd: r.theirDir, input }), k8sPki(["json", "-bare", "leaf"], { cwd: r.ourDir, input })]);
    expect(listing(r.theirDir)["leaf-key.pem"]).toEqual({ mode: "644", contents: "NEW KEY" });
    expect(listing(r.ourDir)["leaf-key.pem"]).toEqual({ mode: "600", contents: "NEW KEY" });
  });
});
