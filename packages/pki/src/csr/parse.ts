// Parses PKCS#10 requests exactly as Go's x509.ParseCertificateRequest does
// (encoding/asn1 into Go's structs, then parseCertificateRequest), because the
// API server, the signers and cfssl all read requests that way: a reading
// that is merely close lets a request mean one thing to us and another to them.
import { decodeDer, TAG, type Der } from "../asn1/der.js";
import { OID } from "../asn1/oids.js";
import { PkiError } from "../errors.js";
import { goCheckSignature, goSignatureAlgorithm } from "../keys/signature.js";
import { decodePem } from "../pem.js";
import { type BasicConstraints, type Extension } from "../x509/extensions.js";
import { goPublicKeyAlgorithm, parseGoPublicKey, type GoPublicKey } from "../x509/go-public-key.js";
import { emptySans, parseSans, type SubjectAltNames } from "../x509/general-names.js";
import { FieldReader, parseCsrName, readFields, type ParsedName } from "../x509/name.js";

/** A decoded (and, unless asked otherwise, signature-checked) certification request. */
export interface ParsedCsr {
  raw: Buffer;
  /** The CertificationRequestInfo the signature covers. */
  tbs: Buffer;
  /** The version field (Go does not check it). */
  version: bigint;
  subject: ParsedName;
  /** DER SubjectPublicKeyInfo, exactly as in the request. */
  spki: Buffer;
  publicKeyAlgorithm: string;
  /** The key as Go's parsePublicKey reads it; `unknown` for an algorithm Go does not know. */
  publicKey: GoPublicKey;
  signatureAlgorithm: string;
  /** The signature AlgorithmIdentifier's parameters element, when present. */
  signatureAlgorithmParams?: Buffer;
  /** Go's x509.SignatureAlgorithm number (0 = unknown). */
  goSignatureAlgorithm: number;
  /** The signature bits, right-aligned as Go reads them. */
  signature: Buffer;
  sans: SubjectAltNames;
  /** Read only for cfssl's signer, which honours a requested CA; Go's parser never reads it. */
  basicConstraints?: BasicConstraints;
  /** Why a requested basicConstraints could not be read (cfssl's signer refuses such a request). */
  basicConstraintsError?: string;
  /** Every requested extension in order, from every extensionRequest attribute (first value only). */
  extensions: Extension[];
}

const fail = (what: string): never => {
  throw new PkiError("csr-parse-failed", what);
};

/** A field of a Go struct: the next TLV must have this universal tag (and form). */
function field(node: Der | undefined, tag: number, what: string): Der {
  if (!node) return fail(`asn1: syntax error: sequence truncated (${what})`);
  if (!node.is(tag)) return fail(`asn1: structure error: tags don't match (${what})`);
  return node;
}

/** pkix.AlgorithmIdentifier: an OID and optional parameters of any type. */
function algorithmIdentifier(node: Der | undefined, what: string): { oid: string; params?: Buffer } {
  const seq = field(node, TAG.SEQUENCE, what);
  const [id, params] = readFields(seq, 2);
  return { oid: field(id, TAG.OID, `${what} algorithm`).toOid(), params: params ? Buffer.from(params.raw) : undefined };
}

/** pkix.Extension: Id, an optional DER BOOLEAN Critical, Value; anything after Value is not read. */
function extension(node: Der): Extension {
  const r = new FieldReader(node);
  const oid = field(r.next(), TAG.OID, "extension id").toOid();
  let critical = false;
  let value = r.next();
  if (value?.is(TAG.BOOLEAN)) {
    critical = value.toBoolean();
    value = r.next();
  }
  return { oid, critical, value: Buffer.from(field(value, TAG.OCTET_STRING, "extension value").content) };
}

/**
 * Go's parseCSRExtensions: an attribute that does not parse, has no values or
 * is not extensionRequest is skipped; of an extensionRequest only the FIRST
 * value is read (a SEQUENCE OF Extension); the same extension twice, even
 * across attributes, fails the request.
 */
function requestedExtensions(attrs: Der[]): Extension[] {
  const out: Extension[] = [];
  const seen = new Set<string>();
  for (const raw of attrs) {
    let first: Der | undefined;
    try {
      if (!raw.is(TAG.SEQUENCE)) continue;
      const [id, values] = readFields(raw, 2);
      if (!id?.is(TAG.OID) || !values?.is(TAG.SET)) continue;
      const type = id.toOid();
      const all = values.children(true);
      if (all.length === 0 || type !== OID.extensionRequest) continue;
      first = all[0];
    } catch {
      continue;
    }
    const list = field(first, TAG.SEQUENCE, "extensions");
    const items = list.children(true);
    for (const e of items) if (!e.is(TAG.SEQUENCE)) fail("asn1: structure error: sequence tag mismatch");
    for (const e of items) {
      const ext = extension(e);
      if (seen.has(ext.oid)) fail("x509: certificate request contains duplicate requested extensions");
      seen.add(ext.oid);
      out.push(ext);
    }
  }
  return out;
}

/**
 * A requested basicConstraints as cfssl's signer reads it (encoding/asn1 into
 * {IsCA bool optional; MaxPathLen int optional default -1}, nothing after the
 * SEQUENCE): unlike a certificate's, a negative pathLen is read as written.
 */
function requestedBasicConstraints(value: Buffer): BasicConstraints {
  const seq = decodeDer(value, "csr-parse-failed", true);
  if (!seq.is(TAG.SEQUENCE)) fail("asn1: structure error: tags don't match (basicConstraints)");
  const r = new FieldReader(seq);
  let next = r.next();
  let isCa = false;
  if (next?.is(TAG.BOOLEAN)) {
    isCa = next.toBoolean();
    next = r.next();
  }
  let maxPathLen = -1;
  if (next?.is(TAG.INTEGER)) {
    const v = next.toInt64();
    // A JavaScript number holds it exactly only up to 2^53; beyond, refuse rather than round.
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) fail("basicConstraints: pathLen too large");
    maxPathLen = Number(v);
  }
  return { isCa, maxPathLen, maxPathLenZero: maxPathLen === 0 };
}

/** Parses DER; `verify` also checks the self-signature as Go's CheckSignature does (cfssl's 9300 on failure). */
export function parseCsrDer(der: Uint8Array, verify = true): ParsedCsr {
  let parsed: ParsedCsr;
  try {
    parsed = parseStructure(der);
  } catch (e) {
    if (e instanceof PkiError) throw e.code === "csr-parse-failed" ? e : new PkiError("csr-parse-failed", e.message, { cause: e });
    throw new PkiError("csr-parse-failed", e instanceof Error ? e.message : String(e), { cause: e });
  }
  if (verify) {
    const why = goCheckSignature(parsed.goSignatureAlgorithm, parsed.tbs, parsed.signature, parsed.publicKey, true);
    if (why !== undefined) throw new PkiError("csr-bad-request", why);
  }
  return parsed;
}

function parseStructure(der: Uint8Array): ParsedCsr {
  const root = decodeDer(der, "csr-parse-failed", true);
  field(root, TAG.SEQUENCE, "certificate request");
  const [info, alg, sig] = readFields(root, 3);
  field(info, TAG.SEQUENCE, "certification request info");
  const signatureAlgorithm = algorithmIdentifier(alg, "signature algorithm");
  const signatureBits = field(sig, TAG.BIT_STRING, "signature");
  const signature = signatureBits.toRightAlignedBits();

  const [version, subject, spki, attrs] = readFields(info!, 4);
  const versionNumber = field(version, TAG.INTEGER, "version").toInt64();
  if (!subject) fail("asn1: syntax error: sequence truncated (subject)");
  field(spki, TAG.SEQUENCE, "subject public key info");
  const [keyAlg, keyBits] = readFields(spki!, 2);
  const keyAlgorithm = algorithmIdentifier(keyAlg, "public key algorithm");
  const bits = field(keyBits, TAG.BIT_STRING, "public key").toBitString();
  // RawAttributes: an IMPLICIT [0] SET OF, required, whose elements may be any TLV.
  if (!attrs) fail("asn1: syntax error: sequence truncated (attributes)");
  if (attrs!.tag !== 0xa0 || attrs!.num !== 0) fail("asn1: structure error: tags don't match (attributes)");
  const attributes = attrs!.children(true);

  let publicKey: GoPublicKey = { algo: "unknown" };
  if (goPublicKeyAlgorithm(keyAlgorithm.oid) !== "unknown") {
    const k = parseGoPublicKey(keyAlgorithm.oid, keyAlgorithm.params ?? Buffer.alloc(0), { bytes: bits.bytes, bitLength: bits.bytes.length * 8 - bits.unusedBits });
    if (typeof k === "string") fail(k);
    publicKey = k as GoPublicKey;
  }
  const name = parseCsrName(subject!);
  const extensions = requestedExtensions(attributes);

  let sans = emptySans();
  let basicConstraints: BasicConstraints | undefined;
  let basicConstraintsError: string | undefined;
  for (const e of extensions) {
    if (e.oid === OID.subjectAltName) sans = parseSans(e.value, "csr-parse-failed");
    else if (e.oid === OID.basicConstraints) {
      try {
        basicConstraints = requestedBasicConstraints(e.value);
      } catch (err) {
        basicConstraintsError = err instanceof Error ? err.message : String(err);
      }
    }
  }
  return {
    raw: Buffer.from(root.raw),
    tbs: Buffer.from(info!.raw),
    version: versionNumber,
    subject: name,
    spki: Buffer.from(spki!.raw),
    publicKeyAlgorithm: keyAlgorithm.oid,
    publicKey,
    signatureAlgorithm: signatureAlgorithm.oid,
    signatureAlgorithmParams: signatureAlgorithm.params,
    goSignatureAlgorithm: goSignatureAlgorithm(signatureAlgorithm.oid, signatureAlgorithm.params),
    signature,
    sans,
    basicConstraints,
    basicConstraintsError,
    extensions,
  };
}

/** Parses a PEM request with cfssl's error codes: 9002 not PEM, 9300 not a CSR or bad signature, 9003 bad DER. */
export function parseCsrPem(input: string | Uint8Array, verify = true): ParsedCsr {
  const decoded = decodePem(input);
  if (!decoded) throw new PkiError("csr-decode-failed");
  const block = decoded.block;
  if (block.type !== "CERTIFICATE REQUEST" && block.type !== "NEW CERTIFICATE REQUEST") {
    throw new PkiError("csr-bad-request", "not a csr");
  }
  return parseCsrDer(block.bytes, verify);
}
