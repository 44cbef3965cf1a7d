// Errors are messages, never crashes: whatever the command line and input,
// run() resolves to 0, 1 or 2 and stderr never holds a JavaScript stack trace.
// Runs in process through @k8s/cli's run() with captured I/O.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, type CliIo } from "@k8s/cli";
import { cfssl, outputJson, tempDir } from "../helpers/exec.js";

let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir("k8s-pki-errors-"));
  const files: Record<string, string> = {
    "csr.json": JSON.stringify({ CN: "x", hosts: ["x.example.com"] }),
    "bad.json": '{"CN": ',
    "badkey.json": JSON.stringify({ CN: "x", key: { algo: "rsa" } }),
    "types.json": JSON.stringify({ CN: ["x"], key: "ecdsa", names: "US", hosts: {} }),
    "config.json": JSON.stringify({ signing: { default: { expiry: "1h", usages: ["signing"] } } }),
    "badconfig.json": JSON.stringify({ signing: { default: { expiry: 5, usages: 7, ca_constraint: [] } } }),
    "binary.bin": "\u0000\u00ff\u00fe garbage \u0001",
    "utf16.json": "\ufeff{}",
    "deep.json": "[".repeat(5000) + "]".repeat(5000),
    "huge-number.json": JSON.stringify({ CN: "x", key: { algo: "rsa", size: 1e300 } }),
    "subject.json": JSON.stringify({ CN: 5 }),
    "pem-garbage.pem": "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    "truncated.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, "latin1");
  mkdirSync(join(dir, "a-folder"));
  const ca = outputJson(await cfssl(["gencert", "-initca", "csr.json"], { cwd: dir }));
  writeFileSync(join(dir, "ca.pem"), ca.cert!);
  writeFileSync(join(dir, "ca-key.pem"), ca.key!);
  writeFileSync(join(dir, "ca.csr"), ca.csr!);
});
afterAll(() => cleanup());

async function runCaptured(argv: string[], stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    readStdin: async () => Buffer.from(stdin),
    env: { HOME: dir, CA_PEM: "not a pem" },
    cwd: dir,
    now: () => new Date(),
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

const STACK = /\n\s+at /;

describe("no stack traces", () => {
  it.each([
    [["gencert", "-initca", "bad.json"]],
    [["gencert", "-initca", "badkey.json"]],
    [["gencert", "-initca", "types.json"]],
    [["gencert", "-initca", "binary.bin"]],
    [["gencert", "-initca", "utf16.json"]],
    [["gencert", "-initca", "deep.json"]],
    [["gencert", "-initca", "huge-number.json"]],
    [["gencert", "-initca", "a-folder"]],
    [["gencert", "-initca", "missing.json"]],
    [["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "badconfig.json", "csr.json"]],
    [["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "a-folder", "csr.json"]],
    [["gencert", "-ca", "a-folder", "-ca-key", "ca-key.pem", "csr.json"]],
    [["gencert", "-ca", "pem-garbage.pem", "-ca-key", "ca-key.pem", "csr.json"]],
    [["gencert", "-ca", "truncated.pem", "-ca-key", "ca-key.pem", "csr.json"]],
    [["gencert", "-ca", "env:CA_PEM", "-ca-key", "binary.bin", "csr.json"]],
    [["gencert", "-renewca"]],
    [["gencert", "-renewca", "-ca", "ca.pem", "-ca-key", "csr.json"]],
    [["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "binary.bin"]],
    [["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "ca.csr", "subject.json"]],
    [["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "ca.csr", "a-folder"]],
    [["gencsr", "-key", "ca.pem", "csr.json"]],
    [["gencsr", "-key", "ca-key.pem", "-cert", "truncated.pem"]],
    [["certinfo"]],
    [["certinfo", "-cert", "binary.bin"]],
    [["certinfo", "-csr", "ca.pem"]],
    [["certinfo", "-serial", "1", "-aki", "ab"]],
    [["selfsign", "h", "badkey.json"]],
    [["print-defaults"]],
    [["print-defaults", "nope"]],
    [["json", "-bare", "-f", "binary.bin"]],
    [["json", "-bare", "-f", "a-folder"]],
    [["json", "-bare", "-f", "deep.json"]],
    [["json", "-nope"]],
    [["gencert", "-nope"]],
    [["nope"]],
    [[]],
  ])("%j", async (argv) => {
    const r = await runCaptured(argv);
    expect([0, 1, 2]).toContain(r.code);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stdout).not.toMatch(STACK);
    if (r.code !== 0) expect(r.stderr.length).toBeGreaterThan(0);
  });

  it("a stdin CSR JSON that is not JSON", async () => {
    const r = await runCaptured(["gencert", "-initca", "-"], "\u0000\u0001");
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(STACK);
  });

  it("random command lines never crash (fast-check)", async () => {
    const token = fc.oneof(
      fc.constantFrom(
        "gencert", "genkey", "gencsr", "sign", "selfsign", "certinfo", "print-defaults", "json", "version",
        "-initca", "-renewca", "-bare", "-stdout", "-ca", "-ca-key", "-config", "-profile", "-hostname", "-key", "-cert", "-csr", "-cn", "-f", "--", "-",
        "csr.json", "bad.json", "badkey.json", "types.json", "config.json", "badconfig.json", "binary.bin", "ca.pem", "ca-key.pem", "ca.csr", "a-folder", "missing",
        "env:CA_PEM", "file:ca.pem", "x:y", "-ca=ca.pem", "-initca=maybe", "=", "",
      ),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 7 }), fc.string({ maxLength: 40 }), async (argv, stdin) => {
        const r = await runCaptured(argv, stdin);
        expect([0, 1, 2]).toContain(r.code);
        expect(r.stderr).not.toMatch(STACK);
      }),
      { numRuns: 150, seed: 20240601 },
    );
  }, 120_000);
});
