// Certificate extensions cfssl emits, encoded exactly as Go's crypto/x509
// encodes them (RFC 5280 4.2), and the decoders certinfo and the signer need.
import { createHash } from "node:crypto";
import { type Der, bool, bitString, ctx, ctxPrim, decodeDer, ia5String, integer, octetString, oid, seq, TAG, utf8String, NULL } from "../asn1/der.js";
import { OID } from "../asn1/oids.js";

/** One extension: OID, criticality and DER value. */
export interface Extension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

export function encodeExtension(e: Extension): Buffer {
  return e.critical ? seq(oid(e.oid), bool(true), octetString(e.value)) : seq(oid(e.oid), octetString(e.value));
}

export function parseExtension(node: Der): Extension {
  const kids = node.expect(TAG.SEQUENCE, "extension").children();
  const id = kids[0];
  if (!id) throw node.error("extension: missing id");
  let i = 1;
  let critical = false;
  if (kids[i]?.tag === TAG.BOOLEAN) critical = kids[i++]!.toBoolean();
  const val = kids[i];
  if (!val) throw node.error("extension: missing value");
  return { oid: id.toOid(), critical, value: Buffer.from(val.expect(TAG.OCTET_STRING, "extension value").content) };
}

/** KeyUsage bits in Go's x509.KeyUsage numbering (bit 0 = digitalSignature). */
export const KeyUsageBit = {
  digitalSignature: 1 << 0,
  contentCommitment: 1 << 1,
  keyEncipherment: 1 << 2,
  dataEncipherment: 1 << 3,
  keyAgreement: 1 << 4,
  certSign: 1 << 5,
  crlSign: 1 << 6,
  encipherOnly: 1 << 7,
  decipherOnly: 1 << 8,
} as const;

/** keyUsage value: a BIT STRING with trailing zero bits trimmed, as Go writes it. */
export function encodeKeyUsage(bits: number): Buffer {
  const a = [0, 0];
  let len = 0;
  for (let i = 0; i < 9; i++) {
    if (bits & (1 << i)) {
      a[i >> 3]! |= 0x80 >> (i & 7);
      len = i + 1;
    }
  }
  const nbytes = Math.ceil(len / 8);
  return bitString(Uint8Array.from(a.slice(0, nbytes)), nbytes * 8 - len);
}

export function parseKeyUsage(value: Buffer): number {
  const bytes = decodeDer(value, "certificate-parse-failed").toBitStringBytes();
  let bits = 0;
  for (let i = 0; i < 9; i++) if ((bytes[i >> 3] ?? 0) & (0x80 >> (i & 7))) bits |= 1 << i;
  return bits;
}

export const encodeExtKeyUsage = (oids: string[]): Buffer => seq(...oids.map(oid));

export function parseExtKeyUsage(value: Buffer): string[] {
  return decodeDer(value, "certificate-parse-failed").expect(TAG.SEQUENCE, "extKeyUsage").children().map((c) => c.toOid());
}

/**
 * basicConstraints as Go marshals it: cA only when true (DER default), and a
 * pathLenConstraint unless maxPathLen is -1, or 0 without maxPathLenZero.
 */
export function encodeBasicConstraints(isCa: boolean, maxPathLen: number, maxPathLenZero: boolean): Buffer {
  let pl = maxPathLen;
  if (pl === 0 && !maxPathLenZero) pl = -1;
  const parts: Buffer[] = [];
  if (isCa) parts.push(bool(true));
  if (pl !== -1) parts.push(integer(pl));
  return seq(...parts);
}

export interface BasicConstraints {
  isCa: boolean;
  /** -1 when absent. */
  maxPathLen: number;
  /** True when a pathLenConstraint of 0 is present. */
  maxPathLenZero: boolean;
}

export function parseBasicConstraints(value: Buffer): BasicConstraints {
  const kids = decodeDer(value, "certificate-parse-failed").expect(TAG.SEQUENCE, "basicConstraints").children();
  let i = 0;
  let isCa = false;
  if (kids[i]?.tag === TAG.BOOLEAN) isCa = kids[i++]!.toBoolean();
  const pl = kids[i] ? kids[i]!.toNumber() : -1;
  return { isCa, maxPathLen: pl, maxPathLenZero: pl === 0 };
}

/** RFC 5280 4.2.1.2 method 1, as cfssl's signer.ComputeSKI: SHA-1 of the subjectPublicKey bits. */
export function computeSki(spki: Uint8Array): Buffer {
  const kids = decodeDer(spki, "certificate-parse-failed").expect(TAG.SEQUENCE, "subjectPublicKeyInfo").children();
  const bits = kids[1];
  if (!bits) throw new Error("unreachable: SPKI without key");
  return createHash("sha1").update(bits.toBitStringBytes()).digest();
}

export const encodeSki = (ski: Uint8Array): Buffer => octetString(ski);
export const parseSki = (value: Buffer): Buffer => Buffer.from(decodeDer(value, "certificate-parse-failed").expect(TAG.OCTET_STRING, "subjectKeyIdentifier").content);

/** authorityKeyIdentifier with the keyIdentifier only, as Go writes it. */
export const encodeAki = (keyId: Uint8Array): Buffer => seq(ctxPrim(0, keyId));

export function parseAki(value: Buffer): Buffer | undefined {
  const kids = decodeDer(value, "certificate-parse-failed").expect(TAG.SEQUENCE, "authorityKeyIdentifier").children();
  const k = kids.find((c) => c.contextTag === 0);
  return k ? Buffer.from(k.content) : undefined;
}

/** authorityInfoAccess: OCSP entries first, then caIssuers (Go's order). */
export function encodeAia(ocsp: string[], issuers: string[]): Buffer {
  return seq(
    ...ocsp.map((u) => seq(oid(OID.accessOcsp), ctxPrim(6, Buffer.from(u, "latin1")))),
    ...issuers.map((u) => seq(oid(OID.accessCaIssuers), ctxPrim(6, Buffer.from(u, "latin1")))),
  );
}

/** cRLDistributionPoints with one fullName URI per point, as Go writes them. */
export function encodeCrlDp(urls: string[]): Buffer {
  return seq(...urls.map((u) => seq(ctx(0, ctx(0, ctxPrim(6, Buffer.from(u, "latin1")))))));
}

export interface PolicyQualifier {
  type: "id-qt-cps" | "id-qt-unotice";
  value: string;
}
export interface CertificatePolicy {
  id: string;
  qualifiers: PolicyQualifier[];
}

/** certificatePolicies as cfssl's addPolicies builds it (CPS as IA5String, notice text as UTF8String). */
export function encodePolicies(policies: CertificatePolicy[]): Buffer {
  return seq(
    ...policies.map((p) => {
      const quals = p.qualifiers.map((q) =>
        q.type === "id-qt-cps"
          ? seq(oid(OID.cpsQualifier), ia5String(q.value))
          : seq(oid(OID.userNoticeQualifier), seq(utf8String(q.value))),
      );
      return quals.length > 0 ? seq(oid(p.id), seq(...quals)) : seq(oid(p.id));
    }),
  );
}

/** The body of ocsp-nocheck and delegationUsage: an ASN.1 NULL. */
export const NULL_EXTENSION_VALUE = NULL;
