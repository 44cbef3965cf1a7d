// DistinguishedName: Go's pkix.Name, encoded in Go's canonical order and
// string types, and decoded the way Go's FillFromRDNSequence fills it.
import { isUtf8 } from "node:buffer";
import { type Der, oid, readTlv, seq, setOf, tlv, TAG, printableString, utf8String } from "../asn1/der.js";
import { parseGoGeneralizedTime, parseGoUtcTime } from "../asn1/go-time.js";
import { OID } from "../asn1/oids.js";

export interface AttributeValue {
  /** Dotted OID. */
  type: string;
  value: string;
}

/** A subject or issuer name, field for field as Go's pkix.Name holds it. */
export interface DistinguishedName {
  country: string[];
  province: string[];
  locality: string[];
  streetAddress: string[];
  postalCode: string[];
  organization: string[];
  organizationalUnit: string[];
  commonName: string;
  serialNumber: string;
  /** Attributes outside the standard set (emailAddress, custom OIDs): one RDN each, after the standard ones. */
  extraNames: AttributeValue[];
}

export const emptyName = (): DistinguishedName => ({
  country: [],
  province: [],
  locality: [],
  streetAddress: [],
  postalCode: [],
  organization: [],
  organizationalUnit: [],
  commonName: "",
  serialNumber: "",
  extraNames: [],
});

/** Go's encoding/asn1 PrintableString test (it also refuses '*' and '&' when marshalling). */
export function isPrintable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
      c === 0x20 || c === 0x27 || c === 0x28 || c === 0x29 || c === 0x2b || c === 0x2c ||
      c === 0x2d || c === 0x2e || c === 0x2f || c === 0x3a || c === 0x3d || c === 0x3f;
    if (!ok) return false;
  }
  return true;
}

/** A string the way Go marshals a Go string: PrintableString when it can, else UTF8String. */
export const goString = (s: string): Buffer => (isPrintable(s) ? printableString(s) : utf8String(s));

function atv(type: string, value: string): Buffer {
  return seq(oid(type), goString(value));
}

/** Encodes a name in Go's ToRDNSequence order: C, ST, L, street, postalCode, O, OU, CN, serialNumber, extras. */
export function encodeName(n: DistinguishedName): Buffer {
  const rdns: Buffer[] = [];
  const extraTypes = new Set(n.extraNames.map((e) => e.type));
  const multi = (type: string, values: string[]): void => {
    if (values.length === 0 || extraTypes.has(type)) return;
    rdns.push(setOf(values.map((v) => atv(type, v))));
  };
  multi(OID.countryName, n.country);
  multi(OID.stateOrProvinceName, n.province);
  multi(OID.localityName, n.locality);
  multi(OID.streetAddress, n.streetAddress);
  multi(OID.postalCode, n.postalCode);
  multi(OID.organizationName, n.organization);
  multi(OID.organizationalUnitName, n.organizationalUnit);
  if (n.commonName) multi(OID.commonName, [n.commonName]);
  if (n.serialNumber) multi(OID.serialNumber, [n.serialNumber]);
  for (const e of n.extraNames) rdns.push(tlv(TAG.SET, atv(e.type, e.value)));
  return seq(...rdns);
}

/** One attribute as Go's pkix.Name.Names holds it: a string, or null for a value Go does not read as a string. */
export interface NameAttribute {
  type: string;
  value: string | null;
}

/** A decoded name: Go's fields plus every attribute in DER order (certinfo's `names`). */
export interface ParsedName extends DistinguishedName {
  /** Every attribute in encoding order, standard ones included (Go's Names). */
  all: NameAttribute[];
  /** The exact DER, for issuer fields that must be copied byte for byte. */
  raw: Buffer;
}

const STANDARD: Record<string, keyof DistinguishedName> = {
  [OID.countryName]: "country",
  [OID.stateOrProvinceName]: "province",
  [OID.localityName]: "locality",
  [OID.streetAddress]: "streetAddress",
  [OID.postalCode]: "postalCode",
  [OID.organizationName]: "organization",
  [OID.organizationalUnitName]: "organizationalUnit",
};

/**
 * Go's FillFromRDNSequence: only string values fill fields; a repeated CN or
 * serialNumber keeps the last value; attributes Go has no field for are kept
 * as extras so a re-encode does not drop them (cfssl keeps them when it signs).
 */
function fillName(raw: Buffer, attrs: NameAttribute[]): ParsedName {
  const out: ParsedName = { ...emptyName(), all: attrs, raw };
  for (const { type, value } of attrs) {
    if (value === null) continue;
    const field = STANDARD[type];
    if (field) (out[field] as string[]).push(value);
    else if (type === OID.commonName) out.commonName = value;
    else if (type === OID.serialNumber) out.serialNumber = value;
    else out.extraNames.push({ type, value });
  }
  return out;
}

// PrintableString as Go reads it: '*' and '&' are let through (both readers allow them).
const isPrintableByte = (b: number): boolean =>
  (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || (b >= 0x27 && b <= 0x29) || (b >= 0x2b && b <= 0x2f) ||
  b === 0x20 || b === 0x3a || b === 0x3d || b === 0x3f || b === 0x2a || b === 0x26;

/** BMPString: UCS-2 with a trailing NUL dropped; surrogates and non-characters refused. */
function bmpString(c: Buffer): string | undefined {
  if (c.length % 2 !== 0) return undefined;
  let end = c.length;
  if (end >= 2 && c[end - 1] === 0 && c[end - 2] === 0) end -= 2;
  let s = "";
  for (let i = 0; i < end; i += 2) {
    const p = (c[i]! << 8) | c[i + 1]!;
    if (p === 0xfffe || p === 0xffff || (p >= 0xfdd0 && p <= 0xfdef) || (p >= 0xd800 && p <= 0xdfff)) return undefined;
    s += String.fromCharCode(p);
  }
  return s;
}

/**
 * The string types both Go readers decode, or an error text. `undefined`
 * means "not a string type" (the caller decides: encoding/asn1 leaves the
 * value nil, cryptobyte refuses the name).
 */
function goStringValue(tag: number, c: Buffer): { value: string } | { error: string } | undefined {
  switch (tag) {
    case TAG.PRINTABLE_STRING:
      for (const b of c) if (!isPrintableByte(b)) return { error: "invalid PrintableString" };
      return { value: c.toString("latin1") };
    case TAG.UTF8_STRING:
      if (!isUtf8(c)) return { error: "invalid UTF-8 string" };
      return { value: c.toString("utf8") };
    case TAG.IA5_STRING:
      for (const b of c) if (b >= 0x80) return { error: "invalid IA5String" };
      return { value: c.toString("latin1") };
    case TAG.T61_STRING:
      // Go reads T.61 as Latin-1 (as BoringSSL does).
      return { value: c.toString("latin1") };
    case 0x12: // NumericString
      for (const b of c) if (!((b >= 0x30 && b <= 0x39) || b === 0x20)) return { error: "invalid NumericString" };
      return { value: c.toString("latin1") };
    case TAG.BMP_STRING: {
      const v = bmpString(c);
      return v === undefined ? { error: "invalid BMPString" } : { value: v };
    }
    default:
      return undefined;
  }
}

/**
 * The value of a subject attribute as encoding/asn1 fills an `any` (the CSR
 * path): strings become strings; BOOLEAN, INTEGER, BIT STRING, OID, times
 * and OCTET STRING are decoded (and may fail the whole parse) but are not strings; any
 * other tag, and every constructed or non-universal value, is left nil.
 */
function csrAttributeValue(v: Der): string | null {
  if (v.constructed || v.cls !== 0 || v.num !== (v.tag & 0x1f) || v.num === 0x1f) return null;
  const c = v.content;
  const s = goStringValue(v.tag, c);
  if (s) {
    if ("error" in s) throw v.error(s.error);
    return s.value;
  }
  switch (v.tag) {
    case TAG.BOOLEAN:
      v.toBoolean();
      return null;
    case TAG.INTEGER:
      v.toInt64();
      return null;
    case TAG.BIT_STRING:
      v.toBitString();
      return null;
    case TAG.OID:
      v.toOid();
      return null;
    case TAG.UTC_TIME:
      if (!parseGoUtcTime(c.toString("latin1"))) throw v.error("invalid UTCTime");
      return null;
    case TAG.GENERALIZED_TIME:
      if (!parseGoGeneralizedTime(c.toString("latin1"))) throw v.error("invalid GeneralizedTime");
      return null;
    default:
      return null;
  }
}

/**
 * Reads a SEQUENCE's elements one at a time, the way encoding/asn1 fills a
 * struct: each field is the next TLV, and whatever follows the last field
 * read is never looked at (Go allows extra elements, even malformed ones).
 */
export class FieldReader {
  private off: number;
  constructor(private readonly node: Der) {
    this.off = node.contentStart;
  }
  /** The next element, or undefined at the end. */
  next(): Der | undefined {
    if (this.off >= this.node.end) return undefined;
    const f = readTlv(this.node.buf, this.off, this.node.end, this.node.errorCodeOf(), true);
    this.off = f.end;
    return f;
  }
}

/** The first `count` fields of a SEQUENCE (see {@link FieldReader}); missing ones are undefined. */
export function readFields(node: Der, count: number): (Der | undefined)[] {
  const r = new FieldReader(node);
  const out: (Der | undefined)[] = [];
  for (let i = 0; i < count; i++) out.push(r.next());
  return out;
}

/**
 * A Name as x509.ParseCertificateRequest reads it: encoding/asn1 into a
 * pkix.RDNSequence (a SEQUENCE of SETs of SEQUENCEs; each attribute's type
 * and value are its first two elements, anything after them is ignored;
 * values that are not strings stay nil), then FillFromRDNSequence.
 */
export function parseCsrName(node: Der): ParsedName {
  if (!node.is(TAG.SEQUENCE)) throw node.error("name: expected a SEQUENCE");
  const attrs: NameAttribute[] = [];
  const rdns = node.children(true);
  for (const rdn of rdns) if (!rdn.is(TAG.SET)) throw rdn.error("sequence tag mismatch");
  for (const rdn of rdns) {
    const atvs = rdn.children(true);
    for (const a of atvs) if (!a.is(TAG.SEQUENCE)) throw a.error("sequence tag mismatch");
    for (const a of atvs) {
      const [t, v] = readFields(a, 2);
      if (!t || !v) throw a.error("sequence truncated");
      if (!t.is(TAG.OID)) throw t.error("attribute type: tags don't match");
      attrs.push({ type: t.toOid(), value: csrAttributeValue(v) });
    }
  }
  return fillName(node.raw, attrs);
}

/**
 * A Name as x509.ParseCertificate reads it (cryptobyte parseName): the same
 * shape, but every value must be one of the string types Go decodes.
 */
export function parseCertificateName(node: Der): ParsedName {
  if (!node.is(TAG.SEQUENCE)) throw node.error("x509: invalid RDNSequence");
  const attrs: NameAttribute[] = [];
  for (const rdn of node.children()) {
    if (!rdn.is(TAG.SET)) throw rdn.error("x509: invalid RDNSequence");
    for (const a of rdn.children()) {
      if (!a.is(TAG.SEQUENCE)) throw a.error("x509: invalid RDNSequence: invalid attribute");
      let off = a.contentStart;
      if (off >= a.end) throw a.error("x509: invalid RDNSequence: invalid attribute type");
      const t = readTlv(a.buf, off, a.end, a.errorCodeOf());
      if (!t.is(TAG.OID)) throw a.error("x509: invalid RDNSequence: invalid attribute type");
      const type = t.toOid();
      off = t.end;
      if (off >= a.end) throw a.error("x509: invalid RDNSequence: invalid attribute value");
      const v = readTlv(a.buf, off, a.end, a.errorCodeOf());
      const s = goStringValue(v.tag, v.content);
      if (!s) throw v.error(`x509: invalid RDNSequence: invalid attribute value: unsupported string type: ${v.tag}`);
      if ("error" in s) throw v.error(`x509: invalid RDNSequence: invalid attribute value: ${s.error}`);
      attrs.push({ type, value: s.value });
    }
  }
  return fillName(node.raw, attrs);
}

/** @deprecated name kept for callers that parse a certificate's names; see {@link parseCertificateName}. */
export const parseName = parseCertificateName;

const SHORT: Record<string, string> = {
  [OID.countryName]: "C",
  [OID.stateOrProvinceName]: "ST",
  [OID.localityName]: "L",
  [OID.streetAddress]: "STREET",
  [OID.postalCode]: "POSTALCODE",
  [OID.organizationName]: "O",
  [OID.organizationalUnitName]: "OU",
  [OID.commonName]: "CN",
  [OID.serialNumber]: "SERIALNUMBER",
  [OID.emailAddress]: "emailAddress",
};

/** A one-line rendering for humans, e.g. `C=US, O=system:nodes, CN=system:node:n1`. */
export function formatName(attrs: readonly { type: string; value: string | null }[]): string {
  return attrs.map((a) => `${SHORT[a.type] ?? a.type}=${a.value ?? ""}`).join(", ");
}
