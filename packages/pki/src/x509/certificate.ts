// Certificate: a parsed X.509 certificate (RFC 5280 4.1) with the fields
// cfssl reads from a CA certificate and reports in certinfo.
import { decodeDer, TAG } from "../asn1/der.js";
import { OID } from "../asn1/oids.js";
import { PkiError } from "../errors.js";
import { decodePemBlocks } from "../pem.js";
import {
  parseAki,
  parseBasicConstraints,
  parseExtension,
  parseExtKeyUsage,
  parseKeyUsage,
  parseSki,
  type BasicConstraints,
  type Extension,
} from "./extensions.js";
import { emptySans, parseSans, type SubjectAltNames } from "./general-names.js";
import { parseName, type ParsedName } from "./name.js";

export interface Certificate {
  raw: Buffer;
  tbs: Buffer;
  version: number;
  serialNumber: bigint;
  signatureAlgorithm: string;
  issuer: ParsedName;
  subject: ParsedName;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  publicKeyAlgorithm: string;
  extensions: Extension[];
  basicConstraints?: BasicConstraints;
  /** Go's x509.KeyUsage bits; 0 when absent. */
  keyUsage: number;
  extKeyUsage: string[];
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
  sans: SubjectAltNames;
  signature: Buffer;
}

export function parseCertificateDer(der: Uint8Array): Certificate {
  const root = decodeDer(der, "certificate-parse-failed").expect(TAG.SEQUENCE, "certificate");
  const [tbs, alg, sig] = root.children();
  if (!tbs || !alg || !sig) throw root.error("certificate: missing fields");
  const f = tbs.expect(TAG.SEQUENCE, "tbsCertificate").children();
  let i = 0;
  let version = 1;
  if (f[0]?.contextTag === 0) version = f[i++]!.children()[0]!.toNumber() + 1;
  const serial = f[i++];
  const sigAlg = f[i++];
  const issuer = f[i++];
  const validity = f[i++];
  const subject = f[i++];
  const spki = f[i++];
  if (!serial || !sigAlg || !issuer || !validity || !subject || !spki) throw tbs.error("tbsCertificate: missing fields");
  const [nb, na] = validity.expect(TAG.SEQUENCE, "validity").children();
  if (!nb || !na) throw validity.error("validity: missing times");
  const extensions: Extension[] = [];
  for (; i < f.length; i++) {
    if (f[i]!.contextTag === 3) {
      for (const e of f[i]!.children()[0]!.expect(TAG.SEQUENCE, "extensions").children()) extensions.push(parseExtension(e));
    }
  }
  const cert: Certificate = {
    raw: Buffer.from(root.raw),
    tbs: Buffer.from(tbs.raw),
    version,
    serialNumber: serial.toBigInt(),
    signatureAlgorithm: alg.children()[0]?.toOid() ?? "",
    issuer: parseName(issuer),
    subject: parseName(subject),
    notBefore: nb.toDate(),
    notAfter: na.toDate(),
    spki: Buffer.from(spki.raw),
    publicKeyAlgorithm: spki.children()[0]?.children()[0]?.toOid() ?? "",
    extensions,
    keyUsage: 0,
    extKeyUsage: [],
    sans: emptySans(),
    signature: sig.toBitStringBytes(),
  };
  for (const e of extensions) {
    switch (e.oid) {
      case OID.basicConstraints:
        cert.basicConstraints = parseBasicConstraints(e.value);
        break;
      case OID.keyUsage:
        cert.keyUsage = parseKeyUsage(e.value);
        break;
      case OID.extKeyUsage:
        cert.extKeyUsage = parseExtKeyUsage(e.value);
        break;
      case OID.subjectKeyIdentifier:
        cert.subjectKeyId = parseSki(e.value);
        break;
      case OID.authorityKeyIdentifier:
        cert.authorityKeyId = parseAki(e.value);
        break;
      case OID.subjectAltName:
        cert.sans = parseSans(decodeDer(e.value, "certificate-parse-failed"));
        break;
    }
  }
  return cert;
}

/** Parses the first CERTIFICATE in PEM text; cfssl's 1002 when there is none, 1003 when it does not parse. */
export function parseCertificatePem(input: string | Uint8Array, field?: string): Certificate {
  const block = decodePemBlocks(input).find((b) => b.type === "CERTIFICATE") ?? decodePemBlocks(input)[0];
  if (!block) throw new PkiError("certificate-decode-failed", undefined, { field });
  try {
    return parseCertificateDer(block.bytes);
  } catch (e) {
    throw new PkiError("certificate-parse-failed", e instanceof Error ? e.message : undefined, { field, cause: e });
  }
}

/** True when the certificate is a CA (basicConstraints cA). */
export const isCaCertificate = (c: Certificate): boolean => c.basicConstraints?.isCa === true;
