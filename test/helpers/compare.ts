// Field-by-field comparison of what cfssl and k8s-pki produce. Everything is
// compared except what is random by design: serial value, key material,
// signature bytes, SKI/AKI values (their presence must still match), and the
// issuance time (within a minute; the validity span must be exact).
//
// Each certificate is read three ways: with @k8s/pki's parser (the subject's
// attribute order, extensions with oid/critical/value), with an independent
// DER walker (RDN grouping, string tags, extension bytes), and with
// `openssl x509 -text` (masked), so a parser bug cannot hide an encoder bug.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { expect } from "vitest";
import { decodePemBlocks, parseCertificatePem, parseCsrPem } from "@k8s/pki";
import { skeleton, walk, walkCertificate, walkCsr, type RawExtension } from "./der-walk.js";
import { run } from "./exec.js";

const SKI = "2.5.29.14";
const AKI = "2.5.29.35";

function pemDer(pem: string, type: string): Buffer {
  const b = decodePemBlocks(pem).find((x) => x.type === type);
  if (!b) throw new Error(`no ${type} PEM block in:\n${pem}`);
  return b.bytes;
}

const maskKeyIds = (exts: RawExtension[]): RawExtension[] =>
  exts.map((e) => (e.oid === SKI || e.oid === AKI ? { ...e, valueHex: "<key id>" } : e));

/** Everything about a certificate that two correct implementations must agree on. */
export function certShape(pem: string): Record<string, unknown> {
  const c = parseCertificatePem(pem);
  const raw = walkCertificate(pemDer(pem, "CERTIFICATE"));
  const pub = createPublicKey({ key: c.spki, format: "der", type: "spki" });
  // Our parser and the independent walker must read the same extensions.
  expect(c.extensions.map((e) => ({ oid: e.oid, critical: e.critical, valueHex: e.value.toString("hex") }))).toEqual(raw.extensions);
  expect(c.subject.raw.equals(raw.subjectRaw)).toBe(true);
  return {
    version: c.version,
    signatureAlgorithm: c.signatureAlgorithm,
    signatureAlgorithmDer: raw.signatureAlgorithm,
    tbsSignatureAlgorithmDer: raw.tbsSignatureAlgorithm,
    issuer: raw.issuer,
    subject: raw.subject,
    subjectAll: c.subject.all,
    subjectFields: { ...c.subject, raw: undefined, all: undefined },
    validityMs: c.notAfter.getTime() - c.notBefore.getTime(),
    timeTags: raw.timeTags,
    publicKeyAlgorithm: c.publicKeyAlgorithm,
    spkiAlgorithmDer: raw.spkiAlgorithm,
    publicKey: { type: pub.asymmetricKeyType, details: pub.asymmetricKeyDetails },
    extensions: maskKeyIds(raw.extensions),
    hasSki: c.subjectKeyId !== undefined,
    hasAki: c.authorityKeyId !== undefined,
    basicConstraints: c.basicConstraints,
    keyUsage: c.keyUsage,
    extKeyUsage: c.extKeyUsage,
    sans: { ...c.sans, ip: c.sans.ip.map((b) => Buffer.from(b).toString("hex")) },
  };
}

/** `openssl x509|req -text -noout` with the random parts masked. */
export async function opensslText(pem: string, kind: "x509" | "req", cwd: string): Promise<string> {
  const r = await run("openssl", [kind, "-noout", "-text"], { cwd, input: pem });
  if (r.code !== 0) throw new Error(`openssl ${kind} failed: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((l) => !/^\s*([0-9a-fA-F]{2}:)*[0-9a-fA-F]{2}:?\s*$/.test(l)) // hex dumps: keys, signatures, serials, key ids
    .map((l) => l.replace(/Serial Number:.*/, "Serial Number: <masked>").replace(/(Not (Before|After) ?):.*/, "$1: <masked>").replace(/keyid:[0-9A-F:]+/, "keyid:<masked>"))
    .join("\n");
}

export interface CompareOptions {
  /** Both were signed by the same CA certificate: issuer bytes and AKI must then be identical. */
  sameIssuer?: boolean;
  /** Working folder for openssl. */
  cwd: string;
}

/** Asserts that our certificate matches cfssl's in every field that is not random by design. */
export async function expectSameCertificate(ours: string, theirs: string, opts: CompareOptions): Promise<void> {
  const a = certShape(ours);
  const b = certShape(theirs);
  expect(a).toEqual(b);
  const ca = parseCertificatePem(ours);
  const cb = parseCertificatePem(theirs);
  // Issued within the same minute (both ran in this test), same span.
  expect(Math.abs(ca.notBefore.getTime() - cb.notBefore.getTime())).toBeLessThanOrEqual(60_000);
  // cfssl's serials: positive, at most 20 octets (RFC 5280 4.1.2.2).
  for (const c of [ca, cb]) {
    expect(c.serialNumber > 0n).toBe(true);
    expect(c.serialNumber < 1n << 160n).toBe(true);
  }
  if (opts.sameIssuer) {
    expect(ca.issuer.raw.equals(cb.issuer.raw)).toBe(true);
    expect(ca.authorityKeyId?.toString("hex")).toEqual(cb.authorityKeyId?.toString("hex"));
  }
  expect(await opensslText(ours, "x509", opts.cwd)).toEqual(await opensslText(theirs, "x509", opts.cwd));
}

/** Everything about a CSR two correct implementations must agree on. */
export function csrShape(pem: string): Record<string, unknown> {
  const der = pemDer(pem, "CERTIFICATE REQUEST");
  const c = parseCsrPem(pem);
  const raw = walkCsr(der);
  expect(c.extensions.map((e) => ({ oid: e.oid, critical: e.critical, valueHex: e.value.toString("hex") }))).toEqual(raw.extensions);
  return {
    version: raw.version,
    subject: raw.subject,
    subjectHex: raw.subjectRaw.toString("hex"),
    subjectAll: c.subject.all,
    spkiAlgorithmDer: raw.spkiAlgorithm,
    attributesHex: raw.attributesHex,
    extensions: raw.extensions,
    signatureAlgorithmDer: raw.signatureAlgorithm,
  };
}

export async function expectSameCsr(ours: string, theirs: string, cwd: string): Promise<void> {
  expect(csrShape(ours)).toEqual(csrShape(theirs));
  expect(await opensslText(ours, "req", cwd)).toEqual(await opensslText(theirs, "req", cwd));
}

/** A private key PEM: its label, DER tag skeleton, and algorithm details. */
export function keyShape(pem: string): { label: string; skeleton: unknown; type: string | undefined; details: unknown } {
  const blocks = decodePemBlocks(pem);
  expect(blocks).toHaveLength(1);
  const block = blocks[0]!;
  const ko = createPrivateKey(pem.replace(/(BEGIN|END) Ed25519 PRIVATE KEY/g, "$1 PRIVATE KEY"));
  return { label: block.type, skeleton: skeleton(walk(block.bytes)), type: ko.asymmetricKeyType, details: ko.asymmetricKeyDetails };
}

/** The key's public half matches the certificate's (or CSR's) SubjectPublicKeyInfo. */
export function expectKeyMatches(keyPem: string, spki: Buffer): void {
  const ko = createPrivateKey(keyPem.replace(/(BEGIN|END) Ed25519 PRIVATE KEY/g, "$1 PRIVATE KEY"));
  expect(createPublicKey(ko).export({ type: "spki", format: "der" }).equals(spki)).toBe(true);
}

/** `openssl verify -CAfile ca [-untrusted chain] cert`. */
export async function opensslVerify(cwd: string, caFile: string, certFile: string, untrusted?: string): Promise<void> {
  const args = ["verify", "-CAfile", caFile, ...(untrusted ? ["-untrusted", untrusted] : []), certFile];
  const r = await run("openssl", args, { cwd });
  expect(r.stdout + r.stderr, `openssl ${args.join(" ")}`).toContain(`${certFile}: OK`);
  expect(r.code).toBe(0);
}
