// Certificate: a parsed X.509 certificate (RFC 5280 4.1), read call for call
// as Go's crypto/x509 parseCertificate reads it, so that every tool reading
// untrusted certificates (certinfo, sign, certs check) accepts exactly what
// Go accepts and reads the same values from it.
import { Cbs, rightAlign } from "../asn1/cryptobyte.js";
import { decodeDer } from "../asn1/der.js";
import { isPkiError, PkiError } from "../errors.js";
import { goSignatureAlgorithm } from "../keys/signature.js";
import { decodePemBlocks } from "../pem.js";
import { parseExtension, type Extension } from "./extensions.js";
import { goPublicKeyAlgorithm, parseGoPublicKey, type GoPublicKey } from "./go-public-key.js";
import { parseCertificateName, type ParsedName } from "./name.js";
import { processExtensions, type ProcessedExtensions } from "./process-extensions.js";

/** A certificate: its fields, and what Go's processExtensions reads from its extensions. */
export interface Certificate extends ProcessedExtensions {
  raw: Buffer;
  tbs: Buffer;
  /** 1, 2 or 3. */
  version: number;
  /** Never negative (Go refuses negative serials by default since Go 1.23). */
  serialNumber: bigint;
  /** Dotted OID of the signature algorithm. */
  signatureAlgorithm: string;
  /** The AlgorithmIdentifier's parameters element; empty when absent. */
  signatureAlgorithmParams: Buffer;
  /** Go's x509.SignatureAlgorithm for it (see GoSignatureAlgorithm); 0 when Go does not know it. */
  goSignatureAlgorithm: number;
  issuer: ParsedName;
  subject: ParsedName;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  /** Dotted OID of the key algorithm. */
  publicKeyAlgorithm: string;
  /** The key as Go parsed it ("unknown" for algorithms Go leaves unparsed). */
  publicKey: GoPublicKey;
  /** Extensions of a v3 certificate; Go ignores any in v1 and v2 certificates. */
  extensions: Extension[];
  signature: Buffer;
}

const refuse = (message: string): never => {
  throw new PkiError("certificate-parse-failed", message);
};

interface AlgorithmIdentifier {
  oid: string;
  params: Buffer;
}

/** Go's parseAI: an OID, then any one element as parameters; anything after is ignored. */
function parseAi(der: Cbs): AlgorithmIdentifier {
  const id = der.readOid();
  if (id === undefined) return refuse("x509: malformed OID");
  if (der.empty) return { oid: id, params: Buffer.alloc(0) };
  const p = der.readAny();
  if (!p) return refuse("x509: malformed parameters");
  return { oid: id, params: p.element };
}

function parseTime(der: Cbs): Date {
  if (der.peek(0x17)) return der.readUtcTime() ?? refuse("x509: malformed UTCTime");
  if (der.peek(0x18)) return der.readGeneralizedTime() ?? refuse("x509: malformed GeneralizedTime");
  return refuse("x509: unsupported time format");
}

/** cryptobyte parseName over the element already read (name.ts holds Go's string rules). */
function parseCertName(element: Buffer): ParsedName {
  return parseCertificateName(decodeDer(element, "certificate-parse-failed"));
}

function parse(der: Uint8Array): Certificate {
  const whole = Cbs.of(der);
  const raw = whole.readElement(0x30);
  if (!raw) return refuse("x509: malformed certificate");
  const input = Cbs.of(raw).read(0x30)!;
  const tbsRaw = input.readElement(0x30);
  if (!tbsRaw) return refuse("x509: malformed tbs certificate");
  const tbs = Cbs.of(tbsRaw).read(0x30)!;

  let v = 0n;
  if (tbs.peek(0xa0)) {
    const wrapped = tbs.read(0xa0);
    const n = wrapped?.readInt64();
    if (n === undefined || !wrapped!.empty) return refuse("x509: malformed version");
    v = n;
  }
  if (v < 0n) refuse("x509: malformed version");
  if (v > 2n) refuse("x509: invalid version");
  const version = Number(v) + 1;

  const serialNumber = tbs.readBigInt();
  if (serialNumber === undefined) return refuse("x509: malformed serial number");
  // Go's x509negativeserial=0 default.
  if (serialNumber < 0n) refuse("x509: negative serial number");

  const sigAi = tbs.read(0x30);
  if (!sigAi) return refuse("x509: malformed signature algorithm identifier");
  const outerSigAi = input.read(0x30);
  if (!outerSigAi) return refuse("x509: malformed algorithm identifier");
  if (!sigAi.bytes().equals(outerSigAi.bytes())) refuse("x509: inner and outer signature algorithm identifiers don't match");
  const sigAlg = parseAi(sigAi);

  const issuerRaw = tbs.readElement(0x30);
  if (!issuerRaw) return refuse("x509: malformed issuer");
  const issuer = parseCertName(issuerRaw);

  const validity = tbs.read(0x30);
  if (!validity) return refuse("x509: malformed validity");
  const notBefore = parseTime(validity);
  const notAfter = parseTime(validity);

  const subjectRaw = tbs.readElement(0x30);
  if (!subjectRaw) return refuse("x509: malformed issuer");
  const subject = parseCertName(subjectRaw);

  const spki = tbs.readElement(0x30);
  if (!spki) return refuse("x509: malformed spki");
  const spkiBody = Cbs.of(spki).read(0x30)!;
  const pkAi = spkiBody.read(0x30);
  if (!pkAi) return refuse("x509: malformed public key algorithm identifier");
  const keyAlg = parseAi(pkAi);
  const bits = spkiBody.readBitString();
  if (!bits) return refuse("x509: malformed subjectPublicKey");
  let publicKey: GoPublicKey = { algo: "unknown" };
  if (goPublicKeyAlgorithm(keyAlg.oid) !== "unknown") {
    const k = parseGoPublicKey(keyAlg.oid, keyAlg.params, bits);
    if (typeof k === "string") return refuse(k);
    publicKey = k;
  }

  const extensions: Extension[] = [];
  // Go reads the unique IDs and extensions only from v2/v3 and v3 certificates; what follows is ignored.
  if (version > 1) {
    if (!tbs.skipOptional(0x81)) refuse("x509: malformed issuerUniqueID");
    if (!tbs.skipOptional(0x82)) refuse("x509: malformed subjectUniqueID");
    if (version === 3) {
      const wrapped = tbs.readOptional(0xa3);
      if (wrapped === undefined) return refuse("x509: malformed extensions");
      if (wrapped !== null) {
        const list = wrapped.read(0x30);
        if (!list) return refuse("x509: malformed extensions");
        const seen = new Set<string>();
        while (!list.empty) {
          const one = list.read(0x30);
          if (!one) return refuse("x509: malformed extension");
          const ext = parseExtension(one);
          if (seen.has(ext.oid)) refuse(`x509: certificate contains duplicate extension with OID ${JSON.stringify(ext.oid)}`);
          seen.add(ext.oid);
          extensions.push(ext);
        }
      }
    }
  }
  const processed = processExtensions(extensions);

  const sig = input.readBitString();
  if (!sig) return refuse("x509: malformed signature");
  if (raw.length !== der.length) refuse("x509: trailing data");

  return {
    raw: Buffer.from(raw),
    tbs: Buffer.from(tbsRaw),
    version,
    serialNumber,
    signatureAlgorithm: sigAlg.oid,
    signatureAlgorithmParams: Buffer.from(sigAlg.params),
    goSignatureAlgorithm: goSignatureAlgorithm(sigAlg.oid, sigAlg.params),
    issuer,
    subject,
    notBefore,
    notAfter,
    spki: Buffer.from(spki),
    publicKeyAlgorithm: keyAlg.oid,
    publicKey,
    extensions,
    ...processed,
    signature: Buffer.from(rightAlign(sig)),
  };
}

/**
 * Parses one DER certificate as Go's x509.ParseCertificate does. Anything Go
 * refuses throws a PkiError "certificate-parse-failed" naming what is wrong,
 * and nothing else is ever thrown.
 */
export function parseCertificateDer(der: Uint8Array): Certificate {
  try {
    return parse(der);
  } catch (e) {
    if (isPkiError(e) && e.code === "certificate-parse-failed") throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new PkiError("certificate-parse-failed", message, { cause: e });
  }
}

/** Parses the first CERTIFICATE in PEM text; cfssl's 1002 when there is none, 1003 when it does not parse. */
export function parseCertificatePem(input: string | Uint8Array, field?: string): Certificate {
  const blocks = decodePemBlocks(input);
  const block = blocks.find((b) => b.type === "CERTIFICATE") ?? blocks[0];
  if (!block) throw new PkiError("certificate-decode-failed", undefined, { field });
  try {
    return parseCertificateDer(block.bytes);
  } catch (e) {
    throw new PkiError("certificate-parse-failed", e instanceof Error ? e.message : undefined, { field, cause: e });
  }
}

/** True when the certificate is a CA (basicConstraints cA). */
export const isCaCertificate = (c: Certificate): boolean => c.basicConstraints?.isCa === true;
