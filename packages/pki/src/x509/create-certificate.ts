// Encodes and signs an X.509 v3 certificate from a template, reproducing the
// choices of Go's x509.CreateCertificate that cfssl's output depends on:
// extension order and criticality, AKI rules, time encoding.
import { bitString, ctx, integer, seq, time, unsignedInteger } from "../asn1/der.js";
import { OID } from "../asn1/oids.js";
import type { PrivateKey } from "../keys/private-key.js";
import { signatureAlgorithmFor, signData } from "../keys/signature.js";
import {
  encodeAia,
  encodeAki,
  encodeBasicConstraints,
  encodeCrlDp,
  encodeExtension,
  encodeExtKeyUsage,
  encodeKeyUsage,
  encodeSki,
  type Extension,
} from "./extensions.js";
import { checkIssuableSans, encodeSans, hasSans, type SubjectAltNames } from "./general-names.js";
import { encodeName, type DistinguishedName } from "./name.js";

/** Everything that goes into a certificate, as Go's x509.Certificate template holds it. */
export interface CertificateTemplate {
  /** Positive serial: a bigint, or an unsigned big-endian magnitude. */
  serialNumber: bigint | Uint8Array;
  subject: DistinguishedName;
  /** DER SubjectPublicKeyInfo of the subject key. */
  spki: Buffer;
  notBefore: Date;
  notAfter: Date;
  keyUsage: number;
  extKeyUsage: string[];
  basicConstraintsValid: boolean;
  isCa: boolean;
  maxPathLen: number;
  maxPathLenZero: boolean;
  subjectKeyId?: Buffer;
  ocspServers: string[];
  issuingCertificateUrls: string[];
  crlDistributionPoints: string[];
  sans: SubjectAltNames;
  /** Appended after the built-in extensions; one with a built-in's OID replaces that built-in. */
  extraExtensions: Extension[];
}

/** The issuing side: its exact subject bytes and key identifier. Omit for a self-signed certificate. */
export interface Issuer {
  subjectRaw: Buffer;
  subjectKeyId?: Buffer;
}

const EMPTY_NAME = Buffer.from([0x30, 0x00]);

/** Builds the extensions in Go's order (buildCertExtensions). */
function buildExtensions(t: CertificateTemplate, subjectDer: Buffer, authorityKeyId: Buffer | undefined): Buffer[] {
  const extra = new Set(t.extraExtensions.map((e) => e.oid));
  const out: Buffer[] = [];
  const add = (oid: string, critical: boolean, value: Buffer): void => {
    if (!extra.has(oid)) out.push(encodeExtension({ oid, critical, value }));
  };
  if (t.keyUsage !== 0) add(OID.keyUsage, true, encodeKeyUsage(t.keyUsage));
  if (t.extKeyUsage.length > 0) add(OID.extKeyUsage, false, encodeExtKeyUsage(t.extKeyUsage));
  if (t.basicConstraintsValid) add(OID.basicConstraints, true, encodeBasicConstraints(t.isCa, t.maxPathLen, t.maxPathLenZero));
  if (t.subjectKeyId && t.subjectKeyId.length > 0) add(OID.subjectKeyIdentifier, false, encodeSki(t.subjectKeyId));
  if (authorityKeyId && authorityKeyId.length > 0) add(OID.authorityKeyIdentifier, false, encodeAki(authorityKeyId));
  if (t.ocspServers.length > 0 || t.issuingCertificateUrls.length > 0) {
    add(OID.authorityInfoAccess, false, encodeAia(t.ocspServers, t.issuingCertificateUrls));
  }
  // Go skips building the SAN (and checking its names) when ExtraExtensions carries one.
  if (hasSans(t.sans) && !extra.has(OID.subjectAltName)) {
    checkIssuableSans(t.sans);
    // RFC 5280 4.2.1.6: the SAN must be critical when the subject is empty.
    add(OID.subjectAltName, subjectDer.equals(EMPTY_NAME), encodeSans(t.sans));
  }
  if (t.crlDistributionPoints.length > 0) add(OID.crlDistributionPoints, false, encodeCrlDp(t.crlDistributionPoints));
  for (const e of t.extraExtensions) out.push(encodeExtension(e));
  return out;
}

/** Encodes and signs a certificate; returns DER. */
export function createCertificateDer(t: CertificateTemplate, signerKey: PrivateKey, issuer?: Issuer): Buffer {
  const subjectDer = encodeName(t.subject);
  const issuerDer = issuer?.subjectRaw ?? subjectDer;
  // Go sets the AKI from the parent only when issuer and subject differ, so self-signed roots carry none.
  const aki = issuer && !issuerDer.equals(subjectDer) ? issuer.subjectKeyId : undefined;
  const alg = signatureAlgorithmFor(signerKey);
  const exts = buildExtensions(t, subjectDer, aki);
  const serial = typeof t.serialNumber === "bigint" ? integer(t.serialNumber) : unsignedInteger(t.serialNumber);
  const tbs = seq(
    ctx(0, integer(2)),
    serial,
    alg.der,
    issuerDer,
    seq(time(t.notBefore), time(t.notAfter)),
    subjectDer,
    t.spki,
    ...(exts.length > 0 ? [ctx(3, seq(...exts))] : []),
  );
  return seq(tbs, alg.der, bitString(signData(signerKey, alg, tbs)));
}
