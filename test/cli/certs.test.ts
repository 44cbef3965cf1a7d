// `k8s-pki certs check` (issue #7, first part): on a folder made by the real
// cfssl and kubectl, and on certificates with known expiry dates.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalSigner, expiryReport, findCertificates, formatResidual, genCert, initCa, parseCsrJson, parseSigningConfig, parseThreshold, prometheusTextfile } from "@k8s/pki";
import { binaryPath } from "../harness/binaries.js";
import { cfssl, cfssljson, k8sPki, tempDir } from "../helpers/exec.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
const workdir = (): string => {
  const t = tempDir("k8s-pki-certs-");
  cleanups.push(t.cleanup);
  return t.dir;
};

async function cfsslPipe(dir: string, args: string[], base: string): Promise<void> {
  const r = await cfssl(args, { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  const j = await cfssljson(["-bare", base], { cwd: dir, input: r.stdout });
  expect(j.code, j.stderr).toBe(0);
}

describe("k8s-pki certs check", () => {
  it("reads every certificate of a folder made by real cfssl, and those embedded in a kubectl-made kubeconfig", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "ca-csr.json"), JSON.stringify({ CN: "kubernetes", ca: { expiry: "87600h" } }));
    writeFileSync(join(dir, "ca-config.json"), JSON.stringify({ signing: { profiles: { kubernetes: { usages: ["signing", "key encipherment", "server auth", "client auth"], expiry: "8760h" }, short: { usages: ["client auth"], expiry: "240h" } } } }));
    writeFileSync(join(dir, "etcd-csr.json"), JSON.stringify({ CN: "etcd", hosts: ["127.0.0.1", "etcd.local"] }));
    writeFileSync(join(dir, "admin-csr.json"), JSON.stringify({ CN: "admin", names: [{ O: "system:masters" }] }));
    await cfsslPipe(dir, ["gencert", "-initca", "ca-csr.json"], "ca");
    await cfsslPipe(dir, ["gencert", "-ca=ca.pem", "-ca-key=ca-key.pem", "-config=ca-config.json", "-profile=kubernetes", "etcd-csr.json"], "etcd");
    await cfsslPipe(dir, ["gencert", "-ca=ca.pem", "-ca-key=ca-key.pem", "-config=ca-config.json", "-profile=short", "admin-csr.json"], "admin");
    const kubectl = binaryPath("kubectl");
    const kc = join(dir, "admin.kubeconfig");
    execFileSync(kubectl, ["config", "set-cluster", "kubernetes", "--server=https://127.0.0.1:6443", `--certificate-authority=${join(dir, "ca.pem")}`, "--embed-certs", `--kubeconfig=${kc}`]);
    execFileSync(kubectl, ["config", "set-credentials", "admin", `--client-certificate=${join(dir, "admin.pem")}`, `--client-key=${join(dir, "admin-key.pem")}`, "--embed-certs", `--kubeconfig=${kc}`]);

    const r = await k8sPki(["certs", "check", ".", "-o", "json", "--warn", "5d"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; signingCa: string; subject: string; sans: string[]; status: string; notAfter: string }[];
    expect(rows.map((x) => x.name).sort()).toEqual(["admin.kubeconfig[cluster kubernetes]", "admin.kubeconfig[user admin]", "admin.pem", "ca.pem", "etcd.pem"].sort());
    const by = new Map(rows.map((x) => [x.name, x]));
    expect(by.get("etcd.pem")).toMatchObject({ signingCa: "ca.pem", subject: "CN=etcd", sans: ["etcd.local", "127.0.0.1"], status: "ok" });
    expect(by.get("ca.pem")?.signingCa).toBe("self");
    expect(by.get("admin.kubeconfig[user admin]")).toMatchObject({ signingCa: "ca.pem", subject: "O=system:masters, CN=admin" });
    // Each date agrees with openssl's reading of the same file.
    const opensslEnd = execFileSync("openssl", ["x509", "-in", join(dir, "etcd.pem"), "-noout", "-enddate"]).toString().trim().replace("notAfter=", "");
    expect(new Date(by.get("etcd.pem")!.notAfter).getTime()).toBe(new Date(opensslEnd).getTime());
    // Sorted soonest first: the 240h admin certificate leads.
    expect(rows[0]!.name).toMatch(/^admin/);

    // The 10-day admin certificate is inside a 30-day threshold but outside a 5-day one.
    const warn = await k8sPki(["certs", "check", ".", "--warn", "30d"], { cwd: dir });
    expect(warn.code).toBe(3);
    expect(warn.stderr).toMatch(/2 certificate\(s\) expire within 30d: admin/);
    expect(warn.stdout).toMatch(/^CERTIFICATE +EXPIRES +RESIDUAL TIME +SIGNED BY +SUBJECT +SANS/);
    const fine = await k8sPki(["certs", "check", ".", "--warn", "5d"], { cwd: dir });
    expect(fine.code, fine.stderr).toBe(0);

    const tf = await k8sPki(["certs", "check", ".", "--warn", "5d", "--textfile", "certs.prom"], { cwd: dir });
    expect(tf.code).toBe(0);
    const prom = readFileSync(join(dir, "certs.prom"), "utf8");
    expect(prom).toMatch(new RegExp(`k8s_pki_certificate_expiry_timestamp_seconds\\{name="etcd.pem",subject="CN=etcd",issuer="CN=kubernetes",ca="false"\\} ${Math.floor(new Date(opensslEnd).getTime() / 1000)}`));
  }, 60_000);

  it("reports a folder that does not exist and bad thresholds clearly", async () => {
    const dir = workdir();
    const missing = await k8sPki(["certs", "check", "nope"], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope: no such folder/);
    const bad = await k8sPki(["certs", "check", ".", "--warn", "a month"], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid --warn "a month"/);
  });
});

describe("expiryReport", () => {
  it("marks expired, warning and ok certificates against an injected clock and finds the signing CA", async () => {
    const past = new Date("2020-01-01T00:00:00Z");
    const ca = await initCa(parseCsrJson({ CN: "ca" }), { now: () => past });
    const config = parseSigningConfig(JSON.stringify({ signing: { profiles: { a: { usages: ["client auth"], expiry: "24h" }, b: { usages: ["client auth"], expiry: "720h" }, c: { usages: ["client auth"], expiry: "8760h" } } } }));
    const signer = createLocalSigner({ caCert: ca.cert, caKey: ca.key, config, now: () => past });
    const dir = workdir();
    writeFileSync(join(dir, "ca.pem"), ca.cert);
    for (const p of ["a", "b", "c"]) writeFileSync(join(dir, `${p}.pem`), (await genCert(parseCsrJson({ CN: p }), signer, { profile: p })).cert);
    const { found, problems } = await findCertificates(dir);
    expect(problems).toEqual([]);
    const now = new Date("2020-01-15T00:00:00Z");
    const rows = expiryReport(found, now, parseThreshold("30d"));
    expect(rows.map((r) => [r.name, r.status, r.signingCa])).toEqual([
      ["a.pem", "expired", "ca.pem"],
      ["b.pem", "warning", "ca.pem"],
      ["c.pem", "ok", "ca.pem"],
      ["ca.pem", "ok", "self"],
    ]);
    expect(prometheusTextfile(rows, now)).toContain("k8s_pki_certificate_check_timestamp_seconds 1579046400");
  });

  it.each([
    ["30d", 30 * 86_400_000],
    ["720h", 720 * 3_600_000],
    ["1h30m", 5_400_000],
    ["45s", 45_000],
  ])("parseThreshold(%s) = %d ms", (s, ms) => expect(parseThreshold(s)).toBe(ms));

  it.each([["", /invalid --warn/], ["1y", /invalid --warn/], ["-1d", /invalid --warn/]])("parseThreshold(%j) fails", (s, re) => expect(() => parseThreshold(s)).toThrow(re));

  it.each([
    [-1, "<invalid>"],
    [59 * 60_000, "59m"],
    [5 * 3_600_000, "5h"],
    [47 * 3_600_000, "47h"],
    [400 * 86_400_000, "400d"],
  ])("formatResidual(%d) = %s", (ms, s) => expect(formatResidual(ms)).toBe(s));
});

describe("k8s-pki certs renew", () => {
  it("re-issues a cfssl-made certificate with the same subject, SANs, usages, lifetime and key, and rewrites the kubeconfig embedding it", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "ca-csr.json"), JSON.stringify({ CN: "kubernetes", names: [{ C: "CN", O: "k8s", OU: "System" }] }));
    writeFileSync(join(dir, "ca-config.json"), JSON.stringify({ signing: { profiles: { kubernetes: { usages: ["signing", "key encipherment", "server auth", "client auth"], expiry: "720h" } } } }));
    writeFileSync(join(dir, "etcd-csr.json"), JSON.stringify({ CN: "etcd", hosts: ["127.0.0.1", "etcd.local"], names: [{ C: "CN", O: "k8s" }] }));
    writeFileSync(join(dir, "admin-csr.json"), JSON.stringify({ CN: "admin", names: [{ O: "system:masters" }] }));
    await cfsslPipe(dir, ["gencert", "-initca", "ca-csr.json"], "ca");
    for (const n of ["etcd", "admin"]) await cfsslPipe(dir, ["gencert", "-ca=ca.pem", "-ca-key=ca-key.pem", "-config=ca-config.json", "-profile=kubernetes", `${n}-csr.json`], n);
    const kc = join(dir, "admin.kubeconfig");
    execFileSync(binaryPath("kubectl"), ["config", "set-credentials", "admin", `--client-certificate=${join(dir, "admin.pem")}`, `--client-key=${join(dir, "admin-key.pem")}`, "--embed-certs", `--kubeconfig=${kc}`]);
    const { parseCertificatePem } = await import("@k8s/pki");
    const before = parseCertificatePem(readFileSync(join(dir, "etcd.pem")));
    const adminBefore = readFileSync(join(dir, "admin.pem"), "utf8");

    const r = await k8sPki(["certs", "renew", "all", "--dir", "."], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("renewed etcd.pem");
    expect(r.stdout).toContain("rewrote admin.kubeconfig");

    const after = parseCertificatePem(readFileSync(join(dir, "etcd.pem")));
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(after.subject.raw.equals(before.subject.raw)).toBe(true);
    expect(after.issuer.raw.equals(before.issuer.raw)).toBe(true);
    expect(after.spki.equals(before.spki)).toBe(true);
    expect(after.sans).toEqual(before.sans);
    expect(after.keyUsage).toBe(before.keyUsage);
    expect(after.extKeyUsage).toEqual(before.extKeyUsage);
    expect(after.notAfter.getTime() - after.notBefore.getTime()).toBe(before.notAfter.getTime() - before.notBefore.getTime());
    expect(after.extensions.map((e) => [e.oid, e.critical])).toEqual(before.extensions.map((e) => [e.oid, e.critical]));
    expect(execFileSync("openssl", ["verify", "-CAfile", join(dir, "ca.pem"), join(dir, "etcd.pem")]).toString()).toContain("OK");

    const adminAfter = readFileSync(join(dir, "admin.pem"), "utf8");
    expect(adminAfter).not.toBe(adminBefore);
    const embedded = execFileSync(binaryPath("kubectl"), ["config", "view", "--raw", "--kubeconfig", kc, "-o", "jsonpath={.users[0].user.client-certificate-data}"]).toString();
    expect(Buffer.from(embedded, "base64").toString()).toBe(adminAfter);

    // Rotating a key embedded in a kubeconfig is refused before anything changes.
    const rot = await k8sPki(["certs", "renew", "admin.pem", "--dir", ".", "--rotate-key"], { cwd: dir });
    expect(rot.code).toBe(1);
    expect(rot.stderr).toMatch(/admin.kubeconfig embeds admin.pem/);
    expect(readFileSync(join(dir, "admin.pem"), "utf8")).toBe(adminAfter);

    const rotated = await k8sPki(["certs", "renew", "etcd", "--dir", ".", "--rotate-key"], { cwd: dir });
    expect(rotated.code, rotated.stderr).toBe(0);
    const etcd3 = parseCertificatePem(readFileSync(join(dir, "etcd.pem")));
    expect(etcd3.spki.equals(before.spki)).toBe(false);
    const { parsePrivateKeyPem } = await import("@k8s/pki");
    expect(parsePrivateKeyPem(readFileSync(join(dir, "etcd-key.pem"))).spki.equals(etcd3.spki)).toBe(true);
  }, 60_000);

  it("refuses a CA certificate and a certificate whose CA key is absent", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "ca-csr.json"), JSON.stringify({ CN: "ca" }));
    writeFileSync(join(dir, "leaf-csr.json"), JSON.stringify({ CN: "leaf" }));
    await cfsslPipe(dir, ["gencert", "-initca", "ca-csr.json"], "ca");
    await cfsslPipe(dir, ["gencert", "-ca=ca.pem", "-ca-key=ca-key.pem", "leaf-csr.json"], "leaf");
    expect((await k8sPki(["certs", "renew", "ca.pem", "--dir", "."], { cwd: dir })).stderr).toMatch(/its signing CA is not in|renewca/);
    execFileSync("rm", [join(dir, "ca-key.pem")]);
    const r = await k8sPki(["certs", "renew", "leaf.pem", "--dir", "."], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the CA key ca-key.pem is not in/);
  });
});
