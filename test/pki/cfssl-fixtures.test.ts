// Tests against fixtures made by the real cfssl (test/fixtures/cfssl/make.sh):
// certinfo output byte for byte, key and CSR parsing, re-encoding keys the
// way cfssl wrote them, cfssljson's split of cfssl's JSON, print-defaults,
// and signing with a cfssl-made CA.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  certInfo,
  cfssljsonOutputFiles,
  createLocalSigner,
  csrInfo,
  encodePrivateKeyPem,
  generateKeyAndCsr,
  goJsonStringify,
  isCaCertificate,
  parseCertificatePem,
  parseCsrJson,
  parseCsrPem,
  parsePrivateKeyPem,
  parseSigningConfig,
  PRINT_DEFAULTS,
  requestSubject,
} from "@k8s/pki";
import { repoRoot } from "../helpers/cfssl.js";
import { opensslVerify } from "../helpers/compare.js";
import { k8sPki } from "../helpers/exec.js";
import { Workspace } from "../helpers/workspace.js";

const dir = join(repoRoot, "test", "fixtures", "cfssl");
const fixture = (name: string): string => readFileSync(join(dir, name), "utf8");

const CERTS = ["ca", "rsa-ca", "leaf", "utf8", "ed25519", "intermediate"];

describe("certinfo -cert", () => {
  it.each(CERTS)("%s: certInfo() prints cfssl's certinfo byte for byte", (name) => {
    const info = certInfo(parseCertificatePem(fixture(`${name}.pem`)));
    expect(goJsonStringify(info, 2) + "\n").toBe(fixture(`${name}.certinfo.json`));
  });

  it.each(CERTS)("%s: `k8s-pki certinfo -cert` prints the same bytes", async (name) => {
    const r = await k8sPki(["certinfo", "-cert", `${name}.pem`], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(fixture(`${name}.certinfo.json`));
  });
});

describe("certinfo -csr", () => {
  // cfssl dumps Go's x509.CertificateRequest struct; k8s-pki prints a subset
  // of its fields. Each field it does print must hold cfssl's value, except
  // URIs, which k8s-pki prints as strings rather than Go url.URL structs.
  it("every field k8s-pki prints has cfssl's value", () => {
    const theirs = JSON.parse(fixture("leaf.csr-certinfo.json")) as Record<string, unknown>;
    const ours = JSON.parse(goJsonStringify(csrInfo(parseCsrPem(fixture("leaf.csr"))))) as Record<string, unknown>;
    for (const [k, v] of Object.entries(ours)) {
      if (k === "URIs") continue;
      expect(v, k).toEqual(theirs[k]);
    }
    expect(ours.URIs).toEqual((theirs.URIs as { Scheme: string; Host: string; Path: string; Opaque: string }[]).map((u) => (u.Opaque ? `${u.Scheme}:${u.Opaque}` : `${u.Scheme}://${u.Host}${u.Path}`)));
  });
});

describe("keys written by cfssl", () => {
  it.each([
    ["ca-key.pem", "ca.pem", "ecdsa", 256],
    ["rsa-ca-key.pem", "rsa-ca.pem", "rsa", 2048],
    ["leaf-key.pem", "leaf.pem", "ecdsa", 256],
    ["utf8-key.pem", "utf8.pem", "rsa", 2048],
    ["ed25519-key.pem", "ed25519.pem", "ed25519", 0],
  ] as const)("%s parses, matches %s, and re-encodes as cfssl wrote it", (keyFile, certFile, algo, size) => {
    const pem = fixture(keyFile);
    const key = parsePrivateKeyPem(pem);
    expect(key.algo).toBe(algo);
    expect(key.size).toBe(size);
    expect(key.spki.equals(parseCertificatePem(fixture(certFile)).spki)).toBe(true);
    const again = encodePrivateKeyPem(key);
    if (algo === "ed25519") {
      // Deliberate deviation: the standard PKCS#8 label instead of cfssl's "Ed25519 PRIVATE KEY"; same DER.
      expect(pem.startsWith("-----BEGIN Ed25519 PRIVATE KEY-----\n")).toBe(true);
      expect(again).toBe(pem.replace(/Ed25519 PRIVATE KEY/g, "PRIVATE KEY"));
    } else {
      expect(again).toBe(pem);
    }
  });

  it("the RSA 3072 key from genkey matches its CSR", () => {
    const key = parsePrivateKeyPem(fixture("rsa-key.pem"));
    expect([key.algo, key.size]).toEqual(["rsa", 3072]);
    expect(key.spki.equals(parseCsrPem(fixture("rsa.csr")).spki)).toBe(true);
  });
});

describe("CSRs written by cfssl", () => {
  it("leaf.csr: subject, SANs and the signature", () => {
    const csr = parseCsrPem(fixture("leaf.csr"));
    const req = parseCsrJson(fixture("leaf-csr.json"));
    const want = requestSubject(req);
    expect(csr.subject.commonName).toBe(want.commonName);
    expect(csr.subject.serialNumber).toBe("node-0001");
    expect([...csr.subject.organization].sort()).toEqual([...want.organization].sort());
    expect(csr.subject.extraNames).toEqual(want.extraNames);
    expect(csr.sans.dns).toEqual(["kubernetes.default.svc", "*.example.com"]);
    expect(csr.sans.email).toEqual(["admin@example.com"]);
    expect(csr.sans.uri).toEqual(["spiffe://cluster.local/ns/default", "localhost:6443"]);
    expect(csr.sans.ip.map((b) => Buffer.from(b).toString("hex"))).toEqual(["0afe0001", "7f000001", "00000000000000000000000000000001"]);
  });

  it("the same key and request give cfssl's CSR byte for byte (RSA signatures are deterministic)", async () => {
    const key = parsePrivateKeyPem(fixture("utf8-key.pem"));
    const { csrPem } = await generateKeyAndCsr(parseCsrJson(fixture("utf8-csr.json")), key);
    expect(csrPem).toBe(fixture("utf8.csr"));
    const rsa = await generateKeyAndCsr(parseCsrJson(fixture("rsa-csr.json")), parsePrivateKeyPem(fixture("rsa-key.pem")));
    expect(rsa.csrPem).toBe(fixture("rsa.csr"));
    const ca = await generateKeyAndCsr(parseCsrJson(fixture("rsa-ca-csr.json")), parsePrivateKeyPem(fixture("rsa-ca-key.pem")));
    expect(ca.csrPem).toBe(fixture("rsa-ca.csr"));
  });

  it("Ed25519 signatures are deterministic too", async () => {
    const { csrPem } = await generateKeyAndCsr(parseCsrJson(fixture("ed25519-csr.json")), parsePrivateKeyPem(fixture("ed25519-key.pem")));
    expect(csrPem).toBe(fixture("ed25519.csr"));
  });
});

describe("cfssljson on cfssl's JSON", () => {
  it.each(["ca", "leaf"])("%s.json splits into cfssljson's files, byte for byte", (base) => {
    const files = cfssljsonOutputFiles(fixture(`${base}.json`), base, true);
    expect(files.map((f) => f.name).sort()).toEqual([`${base}-key.pem`, `${base}.csr`, `${base}.pem`]);
    for (const f of files) expect(f.contents.toString(), f.name).toBe(fixture(f.name));
    expect(files.find((f) => f.name.endsWith("-key.pem"))?.mode).toBe(0o600);
  });
});

describe("print-defaults", () => {
  it("config and csr templates are cfssl's, byte for byte", async () => {
    expect(PRINT_DEFAULTS.config + "\n").toBe(fixture("print-defaults-config.json"));
    expect(PRINT_DEFAULTS.csr + "\n").toBe(fixture("print-defaults-csr.json"));
    for (const what of ["config", "csr"]) {
      const r = await k8sPki(["print-defaults", what], { cwd: dir });
      expect(r.stdout).toBe(fixture(`print-defaults-${what}.json`));
    }
  });

  it("list names the same templates (cfssl's order is Go map order, so random)", async () => {
    const r = await k8sPki(["print-defaults", "list"], { cwd: dir });
    const lines = (s: string): string[] => s.trimEnd().split("\n");
    expect(lines(r.stdout)[0]).toBe(lines(fixture("print-defaults-list.txt"))[0]);
    expect(lines(r.stdout).slice(1).sort()).toEqual(lines(fixture("print-defaults-list.txt")).slice(1).sort());
  });
});

describe("signing with cfssl-made CAs", () => {
  let ws: Workspace;
  beforeAll(() => {
    ws = new Workspace();
    for (const f of ["ca.pem", "intermediate.pem", "rsa-ca.pem"]) ws.write(f, fixture(f));
  });
  afterAll(() => ws.cleanup());

  it("the fixtures' own chain verifies (root -> intermediate with pathlen 0)", async () => {
    ws.write("leaf-fixture.pem", fixture("leaf.pem"));
    await opensslVerify(ws.dir, "ca.pem", "leaf-fixture.pem");
    await opensslVerify(ws.dir, "ca.pem", "intermediate.pem");
    const int = parseCertificatePem(fixture("intermediate.pem"));
    expect(isCaCertificate(int)).toBe(true);
    expect(int.basicConstraints).toEqual({ isCa: true, maxPathLen: 0, maxPathLenZero: true });
  });

  it("LocalSigner signs cfssl's CSRs with cfssl's CA key and config, and openssl verifies them", async () => {
    const config = parseSigningConfig(fixture("config.json"));
    const signer = createLocalSigner({ caCert: fixture("ca.pem"), caKey: fixture("ca-key.pem"), config });
    ws.write("re-leaf.pem", await signer.sign({ request: fixture("leaf.csr"), profile: "kubernetes" }));
    await opensslVerify(ws.dir, "ca.pem", "re-leaf.pem");
    // Same extensions as cfssl's leaf from the same CSR and profile.
    const ours = parseCertificatePem(ws.read("re-leaf.pem"));
    const theirs = parseCertificatePem(fixture("leaf.pem"));
    const shape = (c: typeof ours) => c.extensions.map((e) => [e.oid, e.critical, e.oid === "2.5.29.14" ? "ski" : e.value.toString("hex")]);
    expect(shape(ours)).toEqual(shape(theirs));
    expect(ours.subject.raw.equals(theirs.subject.raw)).toBe(true);
    expect(ours.notAfter.getTime() - ours.notBefore.getTime()).toBe(theirs.notAfter.getTime() - theirs.notBefore.getTime());

    const rsaSigner = createLocalSigner({ caCert: fixture("rsa-ca.pem"), caKey: fixture("rsa-ca-key.pem") });
    ws.write("rsa-signed.pem", await rsaSigner.sign({ request: fixture("ed25519.csr") }));
    await opensslVerify(ws.dir, "rsa-ca.pem", "rsa-signed.pem");
  });

  it("the intermediate (pathlen 0) refuses to sign a CA CSR, as cfssl does (5300)", async () => {
    const config = parseSigningConfig(fixture("config.json"));
    const signer = createLocalSigner({ caCert: fixture("intermediate.pem"), caKey: fixture("intermediate-self-key.pem"), config });
    await expect(signer.sign({ request: fixture("intermediate.csr"), profile: "intermediate" })).rejects.toMatchObject({ cfsslCode: 5300 });
    ws.write("int-leaf.pem", await signer.sign({ request: fixture("leaf.csr") }));
    await opensslVerify(ws.dir, "ca.pem", "int-leaf.pem", "intermediate.pem");
  });
});
