// Certificate extensions cfssl emits, encoded exactly as Go's crypto/x509
// encodes them (RFC 5280 4.2), and the decoders certinfo and the signer need.
import { createHash } from "node:crypto";
import { type Der, bool, bitString, ctx, ctxPrim, decodeDer, ia5String, integer, octetString, oid, seq, TAG, utf8String, NULL } from "../asn1/der.js";
import { Cbs } from "../asn1/cryptobyte.js";
import { OID } from "../asn1/oids.js";
import { PkiError } from "../errors.js";

/** One extension: OID, criticality and DER value. */
export interface Extension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

export function encodeExtension(e: Extension): Buffer {
  return e.critical ? seq(oid(e.oid), bool(true), octetString(e.value)) : seq(oid(e.oid), octetString(e.value));
}

const refuse = (message: string): never => {
  throw new PkiError("certificate-parse-failed", message);
};

/**
 * One Extension SEQUENCE as Go's parseExtension reads it: critical only as a
 * DER BOOLEAN (0x00 or 0xff; an explicit FALSE is accepted), and anything
 * after the OCTET STRING ignored. Accepts a DER node or the SEQUENCE's content.
 */
export function parseExtension(node: Der | Cbs): Extension {
  let der: Cbs;
  if (node instanceof Cbs) der = node;
  else {
    if (node.tag !== TAG.SEQUENCE) refuse("x509: malformed extension");
    der = new Cbs(node.buf, node.contentStart, node.end);
  }
  const id = der.readOid();
  if (id === undefined) return refuse("x509: malformed extension OID field");
  let critical = false;
  if (der.peek(TAG.BOOLEAN)) {
    const c = der.readBoolean();
    if (c === undefined) refuse("x509: malformed extension critical field");
    critical = c!;
  }
  const val = der.read(TAG.OCTET_STRING);
  if (!val) return refuse("x509: malformed extension value field");
  return { oid: id, critical, value: Buffer.from(val.bytes()) };
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

/** Go's parseKeyUsageExtension: a valid BIT STRING (zero padding bits); bytes after it are ignored. */
export function parseKeyUsage(value: Buffer): number {
  const bs = Cbs.of(value).readBitString();
  if (!bs) return refuse("x509: invalid key usage");
  let bits = 0;
  for (let i = 0; i < 9 && i < bs.bitLength; i++) if (bs.bytes[i >> 3]! & (0x80 >> (i & 7))) bits |= 1 << i;
  return bits;
}

export const encodeExtKeyUsage = (oids: string[]): Buffer => seq(...oids.map(oid));

/** The extended key usages Go has a constant for (x509.ExtKeyUsage); others are Go's UnknownExtKeyUsage. */
export const GO_KNOWN_EXT_KEY_USAGES: ReadonlySet<string> = new Set([
  "2.5.29.37.0",
  "1.3.6.1.5.5.7.3.1",
  "1.3.6.1.5.5.7.3.2",
  "1.3.6.1.5.5.7.3.3",
  "1.3.6.1.5.5.7.3.4",
  "1.3.6.1.5.5.7.3.5",
  "1.3.6.1.5.5.7.3.6",
  "1.3.6.1.5.5.7.3.7",
  "1.3.6.1.5.5.7.3.8",
  "1.3.6.1.5.5.7.3.9",
  "1.3.6.1.4.1.311.10.3.3",
  "2.16.840.1.113730.4.1",
  "1.3.6.1.4.1.311.2.1.22",
  "1.3.6.1.4.1.311.61.1.1",
]);

/** Go's parseExtKeyUsageExtension: every OID in order (known and unknown); bytes after the SEQUENCE are ignored. */
export function parseExtKeyUsage(value: Buffer): string[] {
  const der = Cbs.of(value).read(TAG.SEQUENCE);
  if (!der) return refuse("x509: invalid extended key usages");
  const out: string[] = [];
  while (!der.empty) {
    const id = der.readOid();
    if (id === undefined) return refuse("x509: invalid extended key usages");
    out.push(id);
  }
  return out;
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

/**
 * Go's parseBasicConstraintsExtension: an optional DER BOOLEAN, then an
 * optional non-negative INTEGER up to 2^63-1 (a larger or negative one is
 * refused; a pathLen above 2^53 is rounded in this number); anything else in
 * the SEQUENCE or after it is ignored.
 */
export function parseBasicConstraints(value: Buffer): BasicConstraints {
  const der = Cbs.of(value).read(TAG.SEQUENCE);
  if (!der) return refuse("x509: invalid basic constraints");
  let isCa = false;
  if (der.peek(TAG.BOOLEAN)) {
    const b = der.readBoolean();
    if (b === undefined) return refuse("x509: invalid basic constraints");
    isCa = b;
  }
  let maxPathLen = -1;
  if (der.peek(TAG.INTEGER)) {
    const v = der.readUint64();
    if (v === undefined || v > 0x7fffffffffffffffn) return refuse("x509: invalid basic constraints");
    maxPathLen = Number(v);
  }
  return { isCa, maxPathLen, maxPathLenZero: maxPathLen === 0 };
}

/** RFC 5280 4.2.1.2 method 1, as cfssl's signer.ComputeSKI: SHA-1 of the subjectPublicKey bits. */
export function computeSki(spki: Uint8Array): Buffer {
  const kids = decodeDer(spki, "certificate-parse-failed").expect(TAG.SEQUENCE, "subjectPublicKeyInfo").children();
  const bits = kids[1];
  if (!bits) throw new Error("unreachable: SPKI without key");
  return createHash("sha1").update(bits.toBitStringBytes()).digest();
}

export const encodeSki = (ski: Uint8Array): Buffer => octetString(ski);
/** Go's subjectKeyIdentifier: an OCTET STRING (bytes after it ignored); refused when marked critical. */
export function parseSki(value: Buffer, critical = false): Buffer {
  if (critical) refuse("x509: subject key identifier incorrectly marked critical");
  const v = Cbs.of(value).read(TAG.OCTET_STRING);
  if (!v) return refuse("x509: invalid subject key identifier");
  return Buffer.from(v.bytes());
}

/** authorityKeyIdentifier with the keyIdentifier only, as Go writes it. */
export const encodeAki = (keyId: Uint8Array): Buffer => seq(ctxPrim(0, keyId));

/** Go's parseAuthorityKeyIdentifier: the keyIdentifier [0] only when it comes first; refused when critical. */
export function parseAki(value: Buffer, critical = false): Buffer | undefined {
  if (critical) refuse("x509: authority key identifier incorrectly marked critical");
  const akid = Cbs.of(value).read(TAG.SEQUENCE);
  if (!akid) return refuse("x509: invalid authority key identifier");
  if (!akid.peek(0x80)) return undefined;
  const k = akid.read(0x80);
  if (!k) return refuse("x509: invalid authority key identifier");
  return Buffer.from(k.bytes());
}

/** authorityInfoAccess: OCSP entries first, then caIssuers (Go's order); each URL's UTF-8 bytes, as Go writes []byte(url). */
export function encodeAia(ocsp: string[], issuers: string[]): Buffer {
  return seq(
    ...ocsp.map((u) => seq(oid(OID.accessOcsp), ctxPrim(6, Buffer.from(u, "utf8")))),
    ...issuers.map((u) => seq(oid(OID.accessCaIssuers), ctxPrim(6, Buffer.from(u, "utf8")))),
  );
}

/** cRLDistributionPoints with one fullName URI per point, as Go writes them (UTF-8 bytes, unchecked). */
export function encodeCrlDp(urls: string[]): Buffer {
  return seq(...urls.map((u) => seq(ctx(0, ctx(0, ctxPrim(6, Buffer.from(u, "utf8")))))));
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
