// k8s-pki deploy render as a user runs it: a new folder, never new CAs over an
// earlier render's CA keys, and --state keeping the PKI from run to run.
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../integration/cli-runner.js";
import { tempDir } from "../helpers/exec.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function newDir(): string {
  const t = tempDir("k8s-pki-render-cli-");
  cleanups.push(t.cleanup);
  return t.dir;
}

const caKey = (out: string): string => readFileSync(join(out, "node1/etc/kubernetes/pki/ca-key.pem"), "utf8");

describe("k8s-pki deploy render", () => {
  it("renders the built-in cluster into a new folder, keys 0600", async () => {
    const dir = newDir();
    const r = await runCli(["deploy", "render", "--out", "out"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^rendered 3 nodes, \d+ certificates and keys, \d+ files into /);
    expect(statSync(join(dir, "out/node1/etc/kubernetes/pki/ca-key.pem")).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, "out/node1.manifest.txt"))).toBe(true);
  });

  it("refuses a folder that is not empty without --state, and changes nothing in it", async () => {
    const dir = newDir();
    expect((await runCli(["deploy", "render", "--out", "out"], { cwd: dir })).code).toBe(0);
    const before = caKey(join(dir, "out"));
    const again = await runCli(["deploy", "render", "--out", "out"], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("is not empty: a render without --state makes new CAs and would replace the CA keys there");
    expect(again.stderr).not.toMatch(/\n\s+at /);
    expect(caKey(join(dir, "out"))).toBe(before);
    // Any other content counts too.
    mkdirSync(join(dir, "other"));
    writeFileSync(join(dir, "other/notes.txt"), "mine\n");
    expect((await runCli(["deploy", "render", "--out", "other"], { cwd: dir })).code).toBe(1);
    expect(readFileSync(join(dir, "other/notes.txt"), "utf8")).toBe("mine\n");
  });

  it("with --state keeps the PKI: a second render over the same folder writes the same CA", async () => {
    const dir = newDir();
    const first = await runCli(["deploy", "render", "--state", "state", "--out", "out"], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const before = caKey(join(dir, "out"));
    expect(readFileSync(join(dir, "state/pki/kubernetes-ca-key.pem"), "utf8")).toBe(before);
    const second = await runCli(["deploy", "render", "--state", "state", "--out", "out"], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(caKey(join(dir, "out"))).toBe(before);
  });
});
