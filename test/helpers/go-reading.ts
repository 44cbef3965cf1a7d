// What @k8s/pki reads from an input, in the JSON shape scripts/go/x509read prints for Go, and the comparison of the two.
//
// Every adaptation to @k8s/pki's exports lives here, so when the parsers change under the differential test only this
// file follows. Values come from @k8s/pki's own ports of Go's functions (decodePem, parsePublicKey,
// getSignatureAlgorithmFromAI, net.IP.String), which are what is under test; the few tables that turn Go's numbers
// and OIDs into the names Go prints are copied from Go's source, and the signature is checked over bytes cut from
// the DER here, so neither can mirror a mistake of the library.
import type * as pki from "@k8s/pki";
import { decodePem, formatIp, isPkiError, parseCertificateDer, parseCsrDer, verifySignature } from "@k8s/pki";
import { performance } from "node:perf_hooks";
import { readTlv, splitSequence } from "./crafted-requests.js";

export type Kind = "csr" | "cert";

export interface GoName {
  CN: string;
  O: string[];
  OU: string[];
  C: string[];
  ST: string[];
  L: string[];
  street: string[];
  postal: string[];
  serial: string;
  /** pkix.Name.Names: [dotted OID, the value when Go decoded it to a string, else null]. */
  names: [string, string | null][];
}

export interface GoPem {
  type: string;
  headers: Record<string, string>;
  /** base64 of block.Bytes */
  bytes: string;
  /** base64 of what pem.Decode returned after the block. */
  rest?: string;
}

/** One line of x509read's output (and of ours). */
export interface GoReading {
  pem: GoPem | null;
  ok: boolean;
  /** Informational, never compared. */
  error?: string;
  ns?: number;
  subject?: GoName;
  issuer?: GoName;
  dns?: string[];
  email?: string[];
  ip?: string[];
  uri?: string[];
  /** [dotted OID, critical, base64 value] */
  extensions?: [string, boolean, string][];
  publicKeyAlgorithm?: string;
  key?: { algo: string; bits?: number; curve?: string };
  spki?: string;
  signatureAlgorithm?: string;
  signatureOk?: boolean;
  version?: number;
  serial?: string;
  notBefore?: number;
  notAfter?: number;
  isCA?: boolean;
  basicConstraintsValid?: boolean;
  maxPathLen?: number;
  maxPathLenZero?: boolean;
  keyUsage?: number;
  extKeyUsage?: number[];
  unknownExtKeyUsage?: string[];
  ski?: string;
  aki?: string;
  crl?: string[];
  ocsp?: string[];
  issuingUrl?: string[];
  /** base64 of each policy OID's content octets */
  policies?: string[];
  unhandledCritical?: string[];
}

// ------------------------------------------------------------------------------------------------ Go's tables

/** x509.PublicKeyAlgorithm.String() by key OID (getPublicKeyAlgorithmFromOID); "0" is UnknownPublicKeyAlgorithm. */
const PUBLIC_KEY_ALGORITHM: Record<string, string> = {
  "1.2.840.113549.1.1.1": "RSA",
  "1.2.840.10040.4.1": "DSA",
  "1.2.840.10045.2.1": "ECDSA",
  "1.3.101.112": "Ed25519",
  // X25519 (1.3.101.110) is not here: Go parses such a key but its PublicKeyAlgorithm stays Unknown, so the
  // request's PublicKey is nil.
};

/** x509.SignatureAlgorithm.String() by number: the names of signatureAlgorithmDetails, else the number (MD2 has none). */
const SIGNATURE_ALGORITHM_NAMES = ["0", "1", "MD5-RSA", "SHA1-RSA", "SHA256-RSA", "SHA384-RSA", "SHA512-RSA", "DSA-SHA1", "DSA-SHA256", "ECDSA-SHA1", "ECDSA-SHA256", "ECDSA-SHA384", "ECDSA-SHA512", "SHA256-RSAPSS", "SHA384-RSAPSS", "SHA512-RSAPSS", "Ed25519"];

/** x509.ExtKeyUsage numbers (extKeyUsageOIDs); other OIDs go to unknownExtKeyUsage. */
const EXT_KEY_USAGE: Record<string, number> = {
  "2.5.29.37.0": 0,
  "1.3.6.1.5.5.7.3.1": 1,
  "1.3.6.1.5.5.7.3.2": 2,
  "1.3.6.1.5.5.7.3.3": 3,
  "1.3.6.1.5.5.7.3.4": 4,
  "1.3.6.1.5.5.7.3.5": 5,
  "1.3.6.1.5.5.7.3.6": 6,
  "1.3.6.1.5.5.7.3.7": 7,
  "1.3.6.1.5.5.7.3.8": 8,
  "1.3.6.1.5.5.7.3.9": 9,
  "1.3.6.1.4.1.311.10.3.3": 10,
  "2.16.840.1.113730.4.1": 11,
  "1.3.6.1.4.1.311.2.1.22": 12,
  "1.3.6.1.4.1.311.61.1.1": 13,
};

/**
 * The signed part, the AlgorithmIdentifier's parameters and the signature bytes of a parsed request or certificate,
 * cut by the shallow reader of crafted-requests (which never descends into the signed part, so a field Go skips
 * cannot make it fail).
 */
function outerParts(raw: Buffer): { tbs: Buffer; params?: Buffer; signature: Buffer } | undefined {
  // Go reads the first three elements and never looks at what follows the signature, even bytes that are not DER.
  const buf = Buffer.from(raw);
  const outer = readTlv(buf, 0);
  if (!outer) return undefined;
  const parts: Buffer[] = [];
  for (let p = outer.contentStart; parts.length < 3; ) {
    const h = readTlv(buf, p, outer.end);
    if (!h) return undefined;
    parts.push(buf.subarray(p, h.end));
    p = h.end;
  }
  const [tbs, alg, sig] = parts as [Buffer, Buffer, Buffer];
  const ai = splitSequence(alg);
  const h = readTlv(sig, 0);
  if (!h) return undefined;
  return { tbs, params: ai?.[1], signature: rightAlign(sig.subarray(h.contentStart + 1), sig[h.contentStart] ?? 0) };
}

/** asn1.BitString.RightAlign: the bits shifted right by the unused-bit count, as Go hands a signature to verify. */
function rightAlign(bytes: Buffer, unused: number): Buffer {
  if (unused === 0 || unused > 7 || bytes.length === 0) return bytes;
  const out = Buffer.alloc(bytes.length);
  out[0] = bytes[0]! >> unused;
  for (let i = 1; i < bytes.length; i++) out[i] = ((bytes[i - 1]! << (8 - unused)) | (bytes[i]! >> unused)) & 0xff;
  return out;
}

/** x509.SignatureAlgorithm.String() of @k8s/pki's port of getSignatureAlgorithmFromAI. */
const goSignatureName = (n: number): string => SIGNATURE_ALGORITHM_NAMES[n] ?? String(n);

/** Go's parsed PublicKey, from @k8s/pki's port of parsePublicKey. */
function goKey(k: pki.GoPublicKey): GoReading["key"] {
  switch (k.algo) {
    case "rsa":
      return { algo: "RSA", bits: bitLength(k.n) };
    case "ecdsa":
      return { algo: "ECDSA", curve: k.curve };
    case "ed25519":
      return { algo: "Ed25519" };
    case "dsa":
      return { algo: "DSA", bits: k.bits };
    default:
      return { algo: "unknown" };
  }
}

function bitLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return i === b.length ? 0 : (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

/** pkix.Name as x509read prints it, from our ParsedName (`all[].value` is null where Go's value is not a string). */
function goName(n: pki.ParsedName): GoName {
  return {
    CN: n.commonName,
    O: [...n.organization],
    OU: [...n.organizationalUnit],
    C: [...n.country],
    ST: [...n.province],
    L: [...n.locality],
    street: [...n.streetAddress],
    postal: [...n.postalCode],
    serial: n.serialNumber,
    names: n.all.map((a) => [a.type, a.value]),
  };
}

function goSans(r: GoReading, s: pki.SubjectAltNames): void {
  r.dns = [...s.dns];
  r.email = [...s.email];
  r.ip = s.ip.map((b) => formatIp(b));
  r.uri = [...s.uri];
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");

// ------------------------------------------------------------------------------------------------ PEM

/** pem.Decode's first block and rest, from @k8s/pki's port of it. */
function firstPemBlock(input: Buffer): { block?: pki.PemBlock; rest?: Uint8Array } {
  const r = decodePem(input);
  return r ? { block: r.block, rest: r.rest } : {};
}

// ------------------------------------------------------------------------------------------------ our reading

export interface OurResult {
  reading: GoReading;
  /** Milliseconds spent in @k8s/pki (PEM decode and DER parse). */
  ms: number;
  /** An exception that is not a PkiError: a failure in itself. */
  exception?: unknown;
}

/**
 * The smaller of wall-clock and process CPU time since the marks: on a loaded machine the wall clock counts the time
 * this process waited for a core, and CPU time counts other threads of the process (the garbage collector), so
 * neither alone measures the parser; a parser that is slow is slow by both.
 */
function elapsed(t0: number, c0: NodeJS.CpuUsage): number {
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return Math.min(wall, (c.user + c.system) / 1000);
}

/**
 * Reads one input with @k8s/pki as kube-apiserver reads it with Go: first PEM block, then the DER whatever its type.
 * `ms` covers the library's PEM decode and DER parse, not the signature check or this file's normalizing (see elapsed).
 */
export function ourReading(kind: Kind, input: Buffer): OurResult {
  const r: GoReading = { pem: null, ok: false };
  let ms = 0;
  let exception: unknown;
  let t0 = performance.now();
  const c0 = process.cpuUsage();
  try {
    const first = firstPemBlock(input);
    if (first.block) {
      const bl = first.block;
      const parsed = kind === "csr" ? parseCsrDer(bl.bytes, false) : parseCertificateDer(bl.bytes);
      ms = elapsed(t0, c0);
      t0 = -1;
      r.pem = { type: bl.type, headers: { ...bl.headers }, bytes: b64(bl.bytes) };
      if (first.rest !== undefined) r.pem.rest = b64(first.rest);
      if (kind === "csr") readCsr(r, parsed as pki.ParsedCsr);
      else readCert(r, parsed as pki.Certificate);
    } else ms = elapsed(t0, c0);
  } catch (e) {
    if (t0 >= 0) ms = elapsed(t0, c0);
    r.ok = false;
    r.error = e instanceof Error ? e.message : String(e);
    if (!isPkiError(e)) exception = e;
    // The PEM reading stands even when the DER does not parse.
    try {
      const first = firstPemBlock(input);
      if (first.block) {
        r.pem = { type: first.block.type, headers: { ...first.block.headers }, bytes: b64(first.block.bytes) };
        if (first.rest !== undefined) r.pem.rest = b64(first.rest);
      }
    } catch {
      // Already recorded above.
    }
  }
  return { reading: r, ms, exception };
}

function readCsr(r: GoReading, c: pki.ParsedCsr): void {
  r.ok = true;
  r.subject = goName(c.subject);
  goSans(r, c.sans);
  r.extensions = c.extensions.map((e) => [e.oid, e.critical, b64(e.value)]);
  r.publicKeyAlgorithm = PUBLIC_KEY_ALGORITHM[c.publicKeyAlgorithm] ?? "0";
  r.key = r.publicKeyAlgorithm === "0" ? { algo: "unknown" } : goKey(c.publicKey);
  r.spki = b64(c.spki);
  r.signatureAlgorithm = goSignatureName(c.goSignatureAlgorithm);
  r.signatureOk = csrSignatureOk(c);
}

function csrSignatureOk(c: pki.ParsedCsr): boolean {
  // ParsedCsr does not carry the signed bytes and signature, so they are cut from its raw DER.
  // Not c.signature / c.tbs even where @k8s/pki has them: what is verified must be what Go verifies, cut from the DER.
  const p = outerParts(c.raw);
  return p !== undefined && verifySignature(c.signatureAlgorithm, c.spki, p.tbs, p.signature, p.params);
}

function readCert(r: GoReading, c: pki.Certificate): void {
  r.ok = true;
  r.subject = goName(c.subject);
  r.issuer = goName(c.issuer);
  goSans(r, c.sans);
  r.extensions = c.extensions.map((e) => [e.oid, e.critical, b64(e.value)]);
  r.publicKeyAlgorithm = PUBLIC_KEY_ALGORITHM[c.publicKeyAlgorithm] ?? "0";
  r.key = r.publicKeyAlgorithm === "0" ? { algo: "unknown" } : goKey(c.publicKey);
  r.spki = b64(c.spki);
  r.signatureAlgorithm = goSignatureName(c.goSignatureAlgorithm);
  const p = outerParts(c.raw);
  r.signatureOk = p !== undefined && verifySignature(c.signatureAlgorithm, c.spki, p.tbs, p.signature, p.params);
  r.version = c.version;
  r.serial = c.serialNumber.toString();
  r.notBefore = Math.floor(c.notBefore.getTime() / 1000);
  r.notAfter = Math.floor(c.notAfter.getTime() / 1000);
  const bc = c.basicConstraints;
  r.isCA = bc?.isCa ?? false;
  r.basicConstraintsValid = bc !== undefined;
  r.maxPathLen = bc ? bc.maxPathLen : 0;
  r.maxPathLenZero = bc ? bc.maxPathLen === 0 : false;
  r.keyUsage = c.keyUsage;
  r.extKeyUsage = [];
  r.unknownExtKeyUsage = [];
  for (const o of c.extKeyUsage) {
    const n = EXT_KEY_USAGE[o];
    if (n === undefined) r.unknownExtKeyUsage.push(o);
    else r.extKeyUsage.push(n);
  }
  // @k8s/pki keeps Go's split itself (known usages in extKeyUsage); the table above also catches a known one out of place.
  r.unknownExtKeyUsage.push(...c.unknownExtKeyUsage);
  r.ski = c.subjectKeyId ? Buffer.from(c.subjectKeyId).toString("hex") : "";
  r.aki = c.authorityKeyId ? Buffer.from(c.authorityKeyId).toString("hex") : "";
  r.crl = [...c.crlDistributionPoints];
  r.ocsp = [...c.ocspServers];
  r.issuingUrl = [...c.issuingCertificateUrls];
  r.policies = c.policies.map(b64);
  r.unhandledCritical = [...c.unhandledCriticalExtensions];
}

// ------------------------------------------------------------------------------------------------ comparison

const NOT_COMPARED = new Set(["error", "ns"]);

/**
 * Field paths where two readings differ (empty when they agree). `error` and `ns` are informational; `pem.rest` is
 * compared only when our side reports it.
 */
export function readingDiff(go: GoReading, ours: GoReading): string[] {
  const out: string[] = [];
  const g = { ...go } as Record<string, unknown>;
  const o = { ...ours } as Record<string, unknown>;
  if (ours.pem && go.pem && ours.pem.rest === undefined) g.pem = { ...go.pem, rest: undefined };
  diffInto(out, "", g, o);
  return out;
}

function diffInto(out: string[], path: string, a: unknown, b: unknown): void {
  if (a === b) return;
  if (a === undefined || b === undefined || a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    out.push(path || "(root)");
    return;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    out.push(path);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(`${path}.length`);
      return;
    }
    a.forEach((v, i) => diffInto(out, `${path}[${i}]`, v, b[i]));
    return;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    if (!path && NOT_COMPARED.has(k)) continue;
    diffInto(out, path ? `${path}.${k}` : k, ao[k], bo[k]);
  }
}

/** The top-level field of a diff path, for grouping disagreements into classes. */
export function diffField(path: string): string {
  return path.replace(/\[\d+\].*$/, "").replace(/\.length$/, "").split(".").slice(0, 2).join(".");
}
