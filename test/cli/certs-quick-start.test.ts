// `certs check` and `certs renew` on the Quick start's own folder (issue #14,
// defects 2, 3 and 5c-d): `k8s-pki demo` makes cfssl's layout (ca.pem and a
// leaf kubernetes.pem whose subject is the CA's), a rendered cluster
// (cluster/) and a deploy state (cluster-state/) below it.
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "@k8s/cli";
import { isSignedBy, parseCertificatePem } from "@k8s/pki";
import { tempDirs } from "../harness/temp-dirs.js";

async function cli(cwd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await run(args, {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    readStdin: async () => Buffer.alloc(0),
    env: {},
    cwd,
    now: () => new Date(),
  });
  return { code, out, err };
}

/** sha256 of every file under dir, by relative path. */
function digests(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir, { recursive: true }).map(String)) {
    try {
      out.set(f, createHash("sha256").update(readFileSync(join(dir, f))).digest("hex"));
    } catch {
      // a folder
    }
  }
  return out;
}

const newDir = tempDirs("k8s-pki-quick-start-");
// One demo run for the file (about 2 s); each test works on its own copy.
let pristine = "";
beforeAll(async () => {
  pristine = mkdtempSync(join(tmpdir(), "k8s-pki-quick-start-demo-"));
  const r = await cli(pristine, ["demo"]);
  expect(r.code, r.err).toBe(0);
}, 120_000);
afterAll(() => rmSync(pristine, { recursive: true, force: true }));

function copy(): string {
  const cwd = newDir();
  cpSync(join(pristine, "demo-pki"), join(cwd, "demo-pki"), { recursive: true });
  return cwd;
}

describe("k8s-pki certs check on the Quick start folder", () => {
  it("finds kubernetes.pem's CA by signature although it has the CA's subject, with no warning about the render", async () => {
    const cwd = copy();
    const r = await cli(cwd, ["certs", "check", "demo-pki", "-o", "json"]);
    expect(r.code, r.err).toBe(0);
    // The rendered bootstrap kubeconfigs refer to /etc/kubernetes/pki/ca.pem, which is the node's own file in the render.
    expect(r.err).toBe("");
    const rows = JSON.parse(r.out) as { name: string; signingCa: string; subject: string }[];
    const by = new Map(rows.map((x) => [x.name, x]));
    expect(by.get("kubernetes.pem")?.subject).toBe(by.get("ca.pem")?.subject);
    expect(by.get("kubernetes.pem")?.signingCa).toBe("ca.pem");
    expect(by.get("ca.pem")?.signingCa).toBe("self");
    const boot = rows.filter((x) => /^cluster\/node\d\/etc\/kubernetes\/kubelet-bootstrap\.kubeconfig\[cluster /.test(x.name));
    expect(boot).toHaveLength(3);
    // Each is the node's own copy of the cluster CA, read from the render, not from this machine's /etc.
    for (const b of boot) expect(b).toMatchObject({ signingCa: "self", subject: by.get("cluster-state/pki/kubernetes-ca.pem")?.subject });
    // Nothing but the CAs is self-signed, and every leaf found its CA.
    for (const x of rows) expect(x.signingCa, x.name).not.toBe("");
  });

  it("exits 1 with a clear message on a folder without certificates", async () => {
    const cwd = newDir();
    mkdirSync(join(cwd, "empty"));
    const r = await cli(cwd, ["certs", "check", "empty"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no certificates found in empty/);
    expect(r.out).toBe("");
  });
});

describe("k8s-pki certs renew on the Quick start folder", () => {
  it("renews kubernetes.pem from ca.pem, with the same subject and key", async () => {
    const cwd = copy();
    const dir = join(cwd, "demo-pki");
    const before = parseCertificatePem(readFileSync(join(dir, "kubernetes.pem")));
    const r = await cli(cwd, ["certs", "renew", "kubernetes", "--dir", "demo-pki"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^renewed kubernetes\.pem$/m);
    const after = parseCertificatePem(readFileSync(join(dir, "kubernetes.pem")));
    expect(after.raw.equals(before.raw)).toBe(false);
    expect(after.subject.raw.equals(before.subject.raw)).toBe(true);
    expect(after.spki.equals(before.spki)).toBe(true);
    expect(isSignedBy(after, parseCertificatePem(readFileSync(join(dir, "ca.pem"))))).toBe(true);
  });

  it("renews only the folder given with all, and its subfolders only with --recursive", async () => {
    const cwd = copy();
    const dir = join(cwd, "demo-pki");
    const before = digests(dir);
    const r = await cli(cwd, ["certs", "renew", "all", "--dir", "demo-pki"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split("\n")).toEqual(["renewed kubernetes.pem"]);
    const after = digests(dir);
    const changed = [...after].filter(([f, h]) => before.get(f) !== h).map(([f]) => f);
    expect(changed).toEqual(["kubernetes.pem"]);

    const help = await cli(cwd, ["certs", "renew", "--help"]);
    expect(help.out + help.err).toMatch(/--recursive +also look in the folder's subfolders/);
    const deep = await cli(cwd, ["certs", "renew", "all", "--dir", "demo-pki", "--recursive"]);
    expect(deep.code, deep.err).toBe(0);
    expect(deep.out).toMatch(/^renewed cluster-state\/pki\/apiserver\.pem$/m);
    expect(deep.out).toMatch(/^ {2}rewrote cluster\/node1\/etc\/kubernetes\/admin\.kubeconfig$/m);
  });
});
