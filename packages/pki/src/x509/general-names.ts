// GeneralNames for subjectAltName (RFC 5280 4.2.1.6), encoded in Go's
// marshalSANs order (DNS, email, IP, URI) and decoded without dropping any type.
import { type Der, ctxPrim, seq, TAG } from "../asn1/der.js";
import { PkiError } from "../errors.js";
import { formatIp, ipForSan } from "../go/hosts.js";

/** The SANs of a certificate or request, grouped as Go's x509 groups them. */
export interface SubjectAltNames {
  dns: string[];
  email: string[];
  /** 4- or 16-byte addresses. */
  ip: Uint8Array[];
  uri: string[];
  /** SAN types Go has no field for (otherName, x400, directoryName, ediParty, registeredID), by tag number. */
  other: { tag: number; raw: Buffer }[];
}

export const emptySans = (): SubjectAltNames => ({ dns: [], email: [], ip: [], uri: [], other: [] });

export const hasSans = (s: SubjectAltNames): boolean =>
  s.dns.length + s.email.length + s.ip.length + s.uri.length + s.other.length > 0;

function ia5(s: string, what: string): Buffer {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) throw new PkiError("csr-bad-request", `x509: ${JSON.stringify(s)} cannot be encoded as an IA5String`, { field: what });
  }
  return Buffer.from(s, "latin1");
}

/** The SubjectAltName extension value (GeneralNames), as Go marshals it. */
export function encodeSans(s: SubjectAltNames): Buffer {
  const parts: Buffer[] = [];
  for (const d of s.dns) parts.push(ctxPrim(2, ia5(d, "hosts")));
  for (const e of s.email) parts.push(ctxPrim(1, ia5(e, "hosts")));
  for (const ip of s.ip) parts.push(ctxPrim(7, ipForSan(ip)));
  for (const u of s.uri) parts.push(ctxPrim(6, ia5(u, "hosts")));
  for (const o of s.other) parts.push(o.raw);
  return seq(...parts);
}

/** Decodes a SubjectAltName extension value. */
export function parseSans(value: Der): SubjectAltNames {
  const out = emptySans();
  value.expect(TAG.SEQUENCE, "subjectAltName");
  for (const gn of value.children()) {
    const t = gn.contextTag;
    if (t === 2) out.dns.push(gn.content.toString("latin1"));
    else if (t === 1) out.email.push(gn.content.toString("latin1"));
    else if (t === 6) out.uri.push(gn.content.toString("latin1"));
    else if (t === 7) {
      if (gn.content.length !== 4 && gn.content.length !== 16) throw gn.error(`invalid IP address length ${gn.content.length}`);
      out.ip.push(Buffer.from(gn.content));
    } else out.other.push({ tag: t, raw: Buffer.from(gn.raw) });
  }
  return out;
}

/** Renders SANs for humans and JSON: DNS, then email, IP and URI. */
export function sanStrings(s: SubjectAltNames): string[] {
  return [...s.dns, ...s.email, ...s.ip.map(formatIp), ...s.uri];
}

