// GeneralNames for subjectAltName (RFC 5280 4.2.1.6), encoded in Go's
// marshalSANs order (DNS, email, IP, URI) and decoded without dropping any type.
import { Der, ctxPrim, readTlv, seq, TAG } from "../asn1/der.js";
import { PkiError, type PkiErrorCode } from "../errors.js";
import { formatIp, ipForSan } from "../go/net.js";
import { formatGoUrl, fromByteString, parseGoUrl } from "../go/url.js";

/** The SANs of a certificate or request, grouped as Go's x509 groups them. */
export interface SubjectAltNames {
  dns: string[];
  email: string[];
  /** 4- or 16-byte addresses. */
  ip: Uint8Array[];
  uri: string[];
  /** Names Go has no field for (otherName, x400, directoryName, ediParty, registeredID, constructed forms), by identifier octet. */
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

/**
 * How Go's x509 reads a URI SAN: `url.Parse` (Go 1.26 defaults, so the first
 * colon of an http(s) host starts the port), refused when the host is not a
 * plain domain (domainToReverseLabels), then `URL.String()`.
 *
 * @param bytes the IA5String's bytes, one character per byte.
 * @returns the URI as Go prints it, or the reason Go refuses the SAN
 *   (`invalid domain` as Go says it; a parse failure in our own words).
 */
function parseGoSanUri(bytes: string): { uri: string } | { error: string } {
  const u = parseGoUrl(bytes, { strictColons: true });
  if (u === undefined) return { error: `parse ${JSON.stringify(bytes)}: not a URL Go's url.Parse accepts` };
  if (u.host !== "" && !validReverseLabels(u.host)) return { error: "invalid domain" };
  return { uri: fromByteString(formatGoUrl(u)) };
}

// x509's domainToReverseLabels: no empty label (so no leading, trailing or
// doubled dot) and only the bytes 33..126.
function validReverseLabels(host: string): boolean {
  if (!/^[\x21-\x7e]+$/.test(host)) return false;
  return !host.split(".").some((l) => l === "");
}

/**
 * Refuses SANs Go's x509.ParseCertificate would refuse, so no certificate is
 * issued that kube-apiserver, the kubelet and every Go client then cannot
 * load (cfssl's `sign -hostname` issues such a certificate; its `gencert`
 * refuses with this same message when it reads back its own CSR).
 */
export function checkIssuableSans(s: SubjectAltNames): void {
  for (const u of s.uri) {
    const r = parseGoSanUri(u);
    if ("error" in r) throw new PkiError("csr-parse-failed", `x509: cannot parse URI ${JSON.stringify(u)}: ${r.error}`, { field: "hosts" });
  }
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

/**
 * Decodes a SubjectAltName extension value as Go's parseSANExtension does:
 * the first SEQUENCE only (bytes after it are not read), each name by its
 * tag with the constructed bit kept (so a constructed [2] is no DNS name and
 * is ignored), DNS/email/URI checked as IA5String, URIs through url.Parse
 * and printed back as Go prints them, IPs of 4 or 16 bytes.
 */
export function parseSans(value: Uint8Array | Der, errorCode: PkiErrorCode = "certificate-parse-failed"): SubjectAltNames {
  const buf = value instanceof Der ? value.raw : Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const out = emptySans();
  let seq: Der;
  try {
    seq = readTlv(buf, 0, buf.length, errorCode);
  } catch {
    throw new PkiError(errorCode, "x509: invalid subject alternative names");
  }
  if (!seq.is(TAG.SEQUENCE)) throw new PkiError(errorCode, "x509: invalid subject alternative names");
  let off = seq.contentStart;
  while (off < seq.end) {
    let gn: Der;
    try {
      gn = readTlv(buf, off, seq.end, errorCode);
    } catch {
      throw new PkiError(errorCode, "x509: invalid subject alternative name");
    }
    off = gn.end;
    const c = gn.content;
    switch (gn.tag) {
      case 0x81:
        out.email.push(ia5Name(c, "rfc822Name", errorCode));
        break;
      case 0x82:
        out.dns.push(ia5Name(c, "dNSName", errorCode));
        break;
      case 0x86: {
        const text = ia5Name(c, "uniformResourceIdentifier", errorCode);
        const uri = parseGoSanUri(text);
        if ("error" in uri) throw new PkiError(errorCode, `x509: cannot parse URI ${JSON.stringify(text)}: ${uri.error}`);
        out.uri.push(uri.uri);
        break;
      }
      case 0x87:
        if (c.length !== 4 && c.length !== 16) throw new PkiError(errorCode, `x509: cannot parse IP address of length ${c.length}`);
        out.ip.push(Buffer.from(c));
        break;
      default:
        // Go has no field for these (otherName, x400Address, directoryName,
        // ediPartyName, registeredID, and any constructed or non-context tag).
        out.other.push({ tag: gn.tag, raw: Buffer.from(gn.raw) });
    }
  }
  return out;
}

/** An IA5String name: bytes below 0x80 only, as Go's isIA5String checks. */
function ia5Name(c: Buffer, what: string, errorCode: PkiErrorCode): string {
  for (let i = 0; i < c.length; i++) if (c[i]! >= 0x80) throw new PkiError(errorCode, `x509: SAN ${what} is malformed`);
  return c.toString("latin1");
}

/** Renders SANs for humans and JSON: DNS, then email, IP and URI. */
export function sanStrings(s: SubjectAltNames): string[] {
  return [...s.dns, ...s.email, ...s.ip.map(formatIp), ...s.uri];
}

