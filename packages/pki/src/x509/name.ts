// DistinguishedName: Go's pkix.Name, encoded in Go's canonical order and
// string types, and decoded the way Go's FillFromRDNSequence fills it.
import { type Der, oid, seq, setOf, tlv, TAG, printableString, utf8String } from "../asn1/der.js";
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

/** A decoded name: Go's fields plus every attribute in DER order (certinfo's `names`). */
export interface ParsedName extends DistinguishedName {
  /** Every attribute in encoding order, standard ones included. */
  all: AttributeValue[];
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
 * Decodes a Name like Go's FillFromRDNSequence: repeated CN/serialNumber keep
 * the last value; attributes Go has no field for are kept as extras so a
 * re-encode does not drop them (cfssl keeps them when it signs).
 */
export function parseName(node: Der): ParsedName {
  node.expect(TAG.SEQUENCE, "name");
  const out: ParsedName = { ...emptyName(), all: [], raw: node.raw };
  for (const rdn of node.children()) {
    rdn.expect(TAG.SET, "relative distinguished name");
    for (const a of rdn.children()) {
      const [t, v] = a.expect(TAG.SEQUENCE, "attribute").children();
      if (!t || !v) throw a.error("attribute: missing type or value");
      const type = t.toOid();
      const value = v.toText();
      out.all.push({ type, value });
      const field = STANDARD[type];
      if (field) (out[field] as string[]).push(value);
      else if (type === OID.commonName) out.commonName = value;
      else if (type === OID.serialNumber) out.serialNumber = value;
      else out.extraNames.push({ type, value });
    }
  }
  return out;
}

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
export function formatName(attrs: AttributeValue[]): string {
  return attrs.map((a) => `${SHORT[a.type] ?? a.type}=${a.value}`).join(", ");
}
