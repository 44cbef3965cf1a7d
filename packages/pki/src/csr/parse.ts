// Parses PKCS#10 requests the way cfssl's signer reads them: first PEM block,
// type checked, DER parsed, signature verified, every extension kept.
import { decodeDer, TAG, type Der } from "../asn1/der.js";
import { OID } from "../asn1/oids.js";
import { PkiError } from "../errors.js";
import { verifySignature } from "../keys/signature.js";
import { decodePemBlocks } from "../pem.js";
import { parseBasicConstraints, parseExtension, type BasicConstraints, type Extension } from "../x509/extensions.js";
import { emptySans, parseSans, type SubjectAltNames } from "../x509/general-names.js";
import { parseName, type ParsedName } from "../x509/name.js";

/** A decoded and signature-checked certification request. */
export interface ParsedCsr {
  raw: Buffer;
  subject: ParsedName;
  /** DER SubjectPublicKeyInfo, exactly as in the request. */
  spki: Buffer;
  publicKeyAlgorithm: string;
  signatureAlgorithm: string;
  sans: SubjectAltNames;
  basicConstraints?: BasicConstraints;
  /** Every requested extension in order (from the extensionRequest attribute). */
  extensions: Extension[];
}

function parseAttributes(node: Der | undefined): Extension[] {
  if (!node || node.contextTag !== 0) return [];
  const exts: Extension[] = [];
  for (const attr of node.children()) {
    const [type, values] = attr.expect(TAG.SEQUENCE, "attribute").children();
    if (!type || !values) throw attr.error("attribute: missing type or values");
    if (type.toOid() !== OID.extensionRequest) continue;
    for (const v of values.expect(TAG.SET, "attribute values").children()) {
      for (const e of v.expect(TAG.SEQUENCE, "extensions").children()) exts.push(parseExtension(e));
    }
  }
  return exts;
}

/** Parses DER; `verify` checks the self-signature (cfssl's CheckSignature, 9300 on failure). */
export function parseCsrDer(der: Uint8Array, verify = true): ParsedCsr {
  const root = decodeDer(der, "csr-parse-failed").expect(TAG.SEQUENCE, "certificate request");
  const [info, alg, sig] = root.children();
  if (!info || !alg || !sig) throw root.error("certificate request: missing fields");
  const [version, subject, spki, attrs] = info.expect(TAG.SEQUENCE, "certification request info").children();
  if (!version || !subject || !spki) throw info.error("certification request info: missing fields");
  const algOid = alg.expect(TAG.SEQUENCE, "signature algorithm").children()[0]?.toOid() ?? "";
  const spkiAlg = spki.expect(TAG.SEQUENCE, "subject public key info").children()[0]?.children()[0]?.toOid() ?? "";
  const extensions = parseAttributes(attrs);
  let sans = emptySans();
  let basicConstraints: BasicConstraints | undefined;
  for (const e of extensions) {
    if (e.oid === OID.subjectAltName) sans = parseSans(decodeDer(e.value, "csr-parse-failed"));
    else if (e.oid === OID.basicConstraints) basicConstraints = parseBasicConstraints(e.value);
  }
  const parsed: ParsedCsr = {
    raw: Buffer.from(root.raw),
    subject: parseName(subject),
    spki: Buffer.from(spki.raw),
    publicKeyAlgorithm: spkiAlg,
    signatureAlgorithm: algOid,
    sans,
    basicConstraints,
    extensions,
  };
  if (verify && !verifySignature(algOid, spki.raw, info.raw, sig.toBitStringBytes())) {
    // Go's CheckSignature text, which depends on the key type.
    const why =
      spkiAlg === OID.ecPublicKey ? "x509: ECDSA verification failure" : spkiAlg === OID.ed25519 ? "x509: Ed25519 verification failure" : spkiAlg === OID.rsaEncryption ? "crypto/rsa: verification error" : "x509: signature verification failure";
    throw new PkiError("csr-bad-request", why);
  }
  return parsed;
}

/** Parses a PEM request with cfssl's error codes: 9002 not PEM, 9300 not a CSR or bad signature, 9003 bad DER. */
export function parseCsrPem(input: string | Uint8Array, verify = true): ParsedCsr {
  const block = decodePemBlocks(input)[0];
  if (!block) throw new PkiError("csr-decode-failed");
  if (block.type !== "CERTIFICATE REQUEST" && block.type !== "NEW CERTIFICATE REQUEST") {
    throw new PkiError("csr-bad-request", "not a csr");
  }
  return parseCsrDer(block.bytes, verify);
}
