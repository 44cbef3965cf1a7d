// renewInFolder (`certs renew NAME --dir DIR` as a library call): a folder
// made with @k8s/pki itself (a CA, two leaves, a kubeconfig embedding one),
// renewed on an injected clock; the refusals name their field and write
// nothing for the certificate they are about.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLocalSigner, genCert, initCa, parseCertificatePem, parseCsrJson, parsePrivateKeyPem, parseSigningConfig, renewInFolder, type RenewFolderEvent } from "@k8s/pki";

const base = mkdtempSync(join(tmpdir(), "k8s-pki-renew-folder-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const issued = new Date("2024-01-01T00:00:00Z");
const renewedAt = new Date("2024-06-01T00:00:00Z");
const config = parseSigningConfig(JSON.stringify({ signing: { default: { usages: ["signing", "key encipherment", "server auth", "client auth"], expiry: "720h" } } }));

const kubeconfig = (certPem: string): string =>
  ["apiVersion: v1", "kind: Config", "users:", "- name: admin", "  user:", `    client-certificate-data: ${Buffer.from(certPem).toString("base64")}`, ""].join("\n");

let n = 0;
/** A cfssljson folder: ca.pem/ca-key.pem, etcd.pem (with SANs) and admin.pem, admin.kubeconfig embedding admin.pem. */
async function pkiFolder(): Promise<string> {
  const dir = join(base, `f${++n}`);
  mkdirSync(dir);
  const ca = await initCa(parseCsrJson({ CN: "kubernetes", key: { algo: "ecdsa", size: 256 } }), { now: () => issued });
  const signer = createLocalSigner({ caCert: ca.cert, caKey: ca.key, config, now: () => issued });
  writeFileSync(join(dir, "ca.pem"), ca.cert);
  writeFileSync(join(dir, "ca-key.pem"), ca.key, { mode: 0o600 });
  for (const [name, req] of [
    ["etcd", { CN: "etcd", hosts: ["127.0.0.1", "etcd.local"], key: { algo: "ecdsa", size: 256 } }],
    ["admin", { CN: "admin", names: [{ O: "system:masters" }], key: { algo: "ecdsa", size: 256 } }],
  ] as const) {
    const c = await genCert(parseCsrJson(req), signer);
    writeFileSync(join(dir, `${name}.pem`), c.cert);
    writeFileSync(join(dir, `${name}-key.pem`), c.key, { mode: 0o600 });
  }
  writeFileSync(join(dir, "admin.kubeconfig"), kubeconfig(readFileSync(join(dir, "admin.pem"), "utf8")));
  return dir;
}

const read = (dir: string, f: string): string => readFileSync(join(dir, f), "utf8");

describe("renewInFolder", () => {
  it("renews every leaf in place with its key, subject and SANs, on the clock given, and rewrites the kubeconfig embedding one", async () => {
    const dir = await pkiFolder();
    const before = { etcd: parseCertificatePem(read(dir, "etcd.pem")), admin: read(dir, "admin.pem"), ca: read(dir, "ca.pem"), key: read(dir, "etcd-key.pem") };
    const events: RenewFolderEvent[] = [];
    const out = await renewInFolder({ dir: basename(dir), cwd: base, name: "all", now: () => renewedAt, onEvent: (e) => events.push(e) });

    expect(out).toEqual([
      { name: "admin.pem", newKey: false, kubeconfigs: ["admin.kubeconfig"] },
      { name: "etcd.pem", newKey: false, kubeconfigs: [] },
    ]);
    expect(events).toEqual([
      { kind: "renewed", name: "admin.pem", newKey: false },
      { kind: "kubeconfig-rewritten", name: "admin.kubeconfig", certificate: "admin.pem" },
      { kind: "renewed", name: "etcd.pem", newKey: false },
    ]);
    const etcd = parseCertificatePem(read(dir, "etcd.pem"));
    expect(etcd.serialNumber).not.toBe(before.etcd.serialNumber);
    expect(etcd.notBefore.getTime()).toBeLessThanOrEqual(renewedAt.getTime());
    expect(etcd.notBefore.getTime()).toBeGreaterThan(issued.getTime());
    expect(etcd.subject.raw.equals(before.etcd.subject.raw)).toBe(true);
    expect(etcd.spki.equals(before.etcd.spki)).toBe(true);
    expect(etcd.sans).toEqual(before.etcd.sans);
    expect(read(dir, "etcd-key.pem")).toBe(before.key);
    // The CA is not a target, and the kubeconfig now carries the new admin certificate.
    expect(read(dir, "ca.pem")).toBe(before.ca);
    expect(read(dir, "admin.pem")).not.toBe(before.admin);
    expect(read(dir, "admin.kubeconfig").trimEnd()).toBe(kubeconfig(read(dir, "admin.pem")).trimEnd());
  });

  it("renews one certificate named with or without .pem, and rotates its key when asked (key written before the certificate)", async () => {
    const dir = await pkiFolder();
    const admin = read(dir, "admin.pem");
    const oldKey = parsePrivateKeyPem(read(dir, "etcd-key.pem"));
    const out = await renewInFolder({ dir, name: "etcd", rotateKey: true });
    expect(out).toEqual([{ name: "etcd.pem", newKey: true, kubeconfigs: [] }]);
    const etcd = parseCertificatePem(read(dir, "etcd.pem"));
    expect(etcd.spki.equals(oldKey.spki)).toBe(false);
    expect(parsePrivateKeyPem(read(dir, "etcd-key.pem")).spki.equals(etcd.spki)).toBe(true);
    expect(read(dir, "admin.pem")).toBe(admin);
  });

  it.each([
    ["no such certificate", "nope", {}, "name", 'no certificate "nope" in DIR (subfolders are searched only with --recursive)'],
    ["a CA certificate (no other CA verifies it)", "ca.pem", {}, "ca", "ca.pem: its signing CA is not in DIR (no CA certificate there verifies its signature)"],
    ["a key rotation of a certificate a kubeconfig embeds", "admin", { rotateKey: true }, "rotateKey", "admin.kubeconfig embeds admin.pem; renewing it with --rotate-key"],
  ])("refuses %s, naming the field, and writes nothing", async (_what, name, extra, field, message) => {
    const dir = await pkiFolder();
    const files = ["ca.pem", "etcd.pem", "admin.pem", "admin-key.pem", "admin.kubeconfig"].map((f) => read(dir, f));
    const err = await renewInFolder({ dir, name, ...extra }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "PkiError", code: "input-invalid", field, cfsslCode: 0 });
    expect((err as Error).message).toContain(message.replace("DIR", dir));
    expect(["ca.pem", "etcd.pem", "admin.pem", "admin-key.pem", "admin.kubeconfig"].map((f) => read(dir, f))).toEqual(files);
  });

  it("refuses a certificate whose CA key or own key is not in the folder, naming the file", async () => {
    const dir = await pkiFolder();
    rmSync(join(dir, "etcd-key.pem"));
    await expect(renewInFolder({ dir, name: "etcd.pem" })).rejects.toMatchObject({ code: "io-failed", field: "key", message: `etcd.pem: its key etcd-key.pem is not in ${dir} (or pass --rotate-key)` });
    rmSync(join(dir, "ca-key.pem"));
    await expect(renewInFolder({ dir, name: "admin" })).rejects.toMatchObject({ code: "io-failed", field: "ca", message: `admin.pem: the CA key ca-key.pem is not in ${dir}` });
  });

  it("looks into subfolders only with recursive", async () => {
    const dir = await pkiFolder();
    const sub = join(dir, "sub");
    mkdirSync(sub);
    for (const f of ["etcd.pem", "etcd-key.pem"]) writeFileSync(join(sub, f), read(dir, f));
    rmSync(join(dir, "etcd.pem"));
    await expect(renewInFolder({ dir, name: "sub/etcd.pem" })).rejects.toMatchObject({ field: "name" });
    const out = await renewInFolder({ dir, name: "sub/etcd.pem", recursive: true });
    expect(out.map((r) => r.name)).toEqual(["sub/etcd.pem"]);
  });
});
