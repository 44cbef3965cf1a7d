// Go's processExtensions (crypto/x509/parser.go) for a certificate: every
// extension Go understands is read with Go's rules, and a certificate is
// refused exactly where Go refuses it (a malformed nameConstraints or CRL
// distribution point refuses the whole certificate in Go, so it does here).
import { goBytesToString } from "../pem.js";
import { Cbs } from "../asn1/cryptobyte.js";
import { OID } from "../asn1/oids.js";
import { PkiError } from "../errors.js";
import { parseAki, parseBasicConstraints, parseExtKeyUsage, parseKeyUsage, parseSki, GO_KNOWN_EXT_KEY_USAGES, type BasicConstraints, type Extension } from "./extensions.js";
import { emptySans, parseSans, type SubjectAltNames } from "./general-names.js";

/** What Go's processExtensions fills in on a Certificate. */
export interface ProcessedExtensions {
  basicConstraints?: BasicConstraints;
  keyUsage: number;
  /** Extended key usages Go has a constant for, in order. */
  extKeyUsage: string[];
  /** Go's UnknownExtKeyUsage. */
  unknownExtKeyUsage: string[];
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
  sans: SubjectAltNames;
  crlDistributionPoints: string[];
  ocspServers: string[];
  issuingCertificateUrls: string[];
  /**
   * Go's Policies: each policy OID's content octets (arcs of any size, as
   * Go's x509.OID holds them; a dotted form of a 64 KB arc would cost more
   * than the rest of the parse).
   */
  policies: Buffer[];
  /** Go's UnhandledCriticalExtensions. */
  unhandledCriticalExtensions: string[];
}

const refuse = (message: string): never => {
  throw new PkiError("certificate-parse-failed", message);
};

const isIa5 = (b: Uint8Array): boolean => b.every((c) => c < 0x80);
const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

/** Go's domainNameValid (the checks Go 1.26 enforces; its TODO(#75835) checks are off). */
export function domainNameValid(name: string, constraint: boolean): boolean {
  if (name.length === 0) return true;
  if (name.endsWith(".")) return false;
  const s = constraint && name[0] === "." ? name.slice(1) : name;
  let lastDot = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : -1;
    if (i < s.length && (c < 33 || c > 126)) return false;
    if (i === s.length || c === 0x2e) {
      const labelLen = lastDot >= 0 ? i - lastDot - 1 : i;
      if (labelLen === 0) return false;
      lastDot = i;
    }
  }
  return true;
}

function domainToReverseLabelsOk(domain: string): boolean {
  if (domain.length === 0) return true;
  const labels = domain.split(".");
  if (labels[labels.length - 1] === "") return false;
  return labels.every((l) => l.length > 0 && [...l].every((ch) => ch.charCodeAt(0) >= 33 && ch.charCodeAt(0) <= 126));
}

/** Go's parseRFC2821Mailbox, acceptance only. */
export function rfc2821MailboxOk(input: string): boolean {
  if (input.length === 0) return false;
  let i = 0;
  const code = (k: number): number => input.charCodeAt(k);
  if (input[0] === '"') {
    i = 1;
    for (;;) {
      if (i >= input.length) return false;
      const c = code(i++);
      if (c === 0x22) break;
      if (c === 0x5c) {
        if (i >= input.length) return false;
        const n = code(i);
        if (n === 11 || n === 12 || (n >= 1 && n <= 9) || (n >= 14 && n <= 127)) i++;
        else return false;
      } else if (!(c === 11 || c === 12 || c === 32 || c === 33 || c === 127 || (c >= 1 && c <= 8) || (c >= 14 && c <= 31) || (c >= 35 && c <= 91) || (c >= 93 && c <= 126))) {
        return false;
      }
    }
  } else {
    let local = "";
    while (i < input.length) {
      let c = input[i]!;
      if (c === "\\") {
        i++;
        if (i >= input.length) return false;
        c = input[i]!;
        local += c;
        i++;
        continue;
      }
      if (/[0-9A-Za-z!#$%&'*+\-/=?^_`{|}~.]/.test(c)) {
        local += c;
        i++;
      } else break;
    }
    if (local.length === 0 || local.startsWith(".") || local.endsWith(".") || local.includes("..")) return false;
  }
  if (i >= input.length || input[i] !== "@") return false;
  return domainToReverseLabelsOk(input.slice(i + 1));
}

const ipv4Ok = (t: string): boolean => {
  const parts = t.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && !(p.length > 1 && p[0] === "0"));
};

/** Go's net.ParseIP (netip.ParseAddr without a zone): whether the text is an IP address. */
export function goParseIpOk(text: string): boolean {
  const first = /[.:%]/.exec(text)?.[0];
  if (first === ".") return ipv4Ok(text);
  if (first !== ":") return false;
  if (text.includes("%")) return false;
  let s = text;
  let ellipsis = -1;
  if (s.startsWith("::")) {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return true;
  }
  let i = 0;
  while (i < 16) {
    const m = /^[0-9a-fA-F]*/.exec(s)![0];
    if (m.length > 4) return false;
    if (m.length === 0) return false;
    if (s[m.length] === ".") {
      if (ellipsis < 0 && i !== 12) return false;
      if (i + 4 > 16) return false;
      if (!ipv4Ok(s)) return false;
      s = "";
      i += 4;
      break;
    }
    i += 2;
    s = s.slice(m.length);
    if (s.length === 0) break;
    if (s[0] !== ":" || s.length === 1) return false;
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) return false;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return false;
  return i < 16 ? ellipsis >= 0 : ellipsis < 0;
}

function isValidIpMask(mask: Uint8Array): boolean {
  let seenZero = false;
  for (const b of mask) {
    if (seenZero) {
      if (b !== 0) return false;
      continue;
    }
    if ([0x00, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe].includes(b)) seenZero = true;
    else if (b !== 0xff) return false;
  }
  return true;
}

/** Go's parseNameConstraintsExtension, acceptance and the "unhandled" flag. */
function checkNameConstraints(value: Buffer): boolean {
  const outer = Cbs.of(value);
  const top = outer.read(0x30);
  if (!top || !outer.empty) return refuse("x509: invalid NameConstraints extension");
  const permitted = top.readOptional(0xa0);
  const excluded = permitted === undefined ? undefined : top.readOptional(0xa1);
  if (permitted === undefined || excluded === undefined || !top.empty) return refuse("x509: invalid NameConstraints extension");
  if ((permitted === null && excluded === null) || ((permitted?.length ?? 0) === 0 && (excluded?.length ?? 0) === 0)) {
    return refuse("x509: empty name constraints extension");
  }
  let unhandled = false;
  for (const subtrees of [permitted, excluded]) {
    while (subtrees && !subtrees.empty) {
      const seqc = subtrees.read(0x30);
      const v = seqc?.readAny();
      if (!v) return refuse("x509: invalid NameConstraints extension");
      const bytes = v.content.bytes();
      const text = latin1(bytes);
      switch (v.tag) {
        case 0x82:
          if (!isIa5(bytes)) refuse("x509: invalid constraint value");
          if (!domainNameValid(text, true)) refuse(`x509: failed to parse dnsName constraint ${JSON.stringify(text)}`);
          break;
        case 0x87:
          if (bytes.length !== 8 && bytes.length !== 32) refuse(`x509: IP constraint contained value of length ${bytes.length}`);
          if (!isValidIpMask(bytes.subarray(bytes.length / 2))) refuse("x509: IP constraint contained invalid mask");
          break;
        case 0x81:
          if (!isIa5(bytes)) refuse("x509: invalid constraint value");
          if (text.includes("@") ? !rfc2821MailboxOk(text) : !domainNameValid(text, true)) refuse(`x509: failed to parse rfc822Name constraint ${JSON.stringify(text)}`);
          break;
        case 0x86:
          if (!isIa5(bytes)) refuse("x509: invalid constraint value");
          if (goParseIpOk(text)) refuse(`x509: failed to parse URI constraint ${JSON.stringify(text)}: cannot be IP address`);
          if (!domainNameValid(text, true)) refuse(`x509: failed to parse URI constraint ${JSON.stringify(text)}`);
          break;
        default:
          unhandled = true;
      }
    }
  }
  return unhandled;
}

/** Go's parseCertificatePoliciesExtension: policy OIDs (any arc size, minimal), no repeats. */
function parsePolicies(value: Buffer): Buffer[] {
  const der = Cbs.of(value).read(0x30);
  if (!der) return refuse("x509: invalid certificate policies");
  const seen = new Set<string>();
  const out: Buffer[] = [];
  while (!der.empty) {
    const cp = der.read(0x30);
    const id = cp?.read(0x06);
    if (!id) return refuse("x509: invalid certificate policies");
    const b = id.bytes();
    const key = b.toString("hex");
    if (seen.has(key)) refuse("x509: invalid certificate policies");
    seen.add(key);
    if (b.length === 0 || (b[b.length - 1]! & 0x80) !== 0) refuse("x509: invalid certificate policies");
    let start = 0;
    for (let i = 0; i < b.length; i++) {
      if (i === start && b[i] === 0x80) refuse("x509: invalid certificate policies");
      if ((b[i]! & 0x80) === 0) start = i + 1;
    }
    out.push(Buffer.from(b));
  }
  return out;
}

/** Runs Go's processExtensions over a v3 certificate's extensions (already checked for duplicates). */
export function processExtensions(extensions: Extension[]): ProcessedExtensions {
  const out: ProcessedExtensions = {
    keyUsage: 0,
    extKeyUsage: [],
    unknownExtKeyUsage: [],
    sans: emptySans(),
    crlDistributionPoints: [],
    ocspServers: [],
    issuingCertificateUrls: [],
    policies: [],
    unhandledCriticalExtensions: [],
  };
  for (const e of extensions) {
    let unhandled = false;
    const m = /^2\.5\.29\.(\d+)$/.exec(e.oid);
    if (m) {
      switch (Number(m[1])) {
        case 15:
          out.keyUsage = parseKeyUsage(e.value);
          break;
        case 19:
          out.basicConstraints = parseBasicConstraints(e.value);
          break;
        case 17:
          out.sans = parseSans(e.value, "certificate-parse-failed");
          if (out.sans.dns.length + out.sans.email.length + out.sans.ip.length + out.sans.uri.length === 0) unhandled = true;
          break;
        case 30:
          unhandled = checkNameConstraints(e.value);
          break;
        case 31:
          out.crlDistributionPoints = parseCrlDistributionPoints(e.value);
          break;
        case 35:
          out.authorityKeyId = parseAki(e.value, e.critical);
          break;
        case 36:
          checkPolicyConstraints(e.value);
          break;
        case 37:
          for (const id of parseExtKeyUsage(e.value)) (GO_KNOWN_EXT_KEY_USAGES.has(id) ? out.extKeyUsage : out.unknownExtKeyUsage).push(id);
          break;
        case 14:
          out.subjectKeyId = parseSki(e.value, e.critical);
          break;
        case 32:
          out.policies = parsePolicies(e.value);
          break;
        case 33:
          checkPolicyMappings(e.value);
          break;
        case 54:
          if (Cbs.of(e.value).readInt64() === undefined) refuse("x509: invalid inhibit any policy extension");
          break;
        default:
          unhandled = true;
      }
    } else if (e.oid === OID.authorityInfoAccess) {
      parseAia(e, out);
    } else {
      unhandled = true;
    }
    if (e.critical && unhandled) out.unhandledCriticalExtensions.push(e.oid);
  }
  return out;
}

function parseCrlDistributionPoints(value: Buffer): string[] {
  const val = Cbs.of(value).read(0x30);
  if (!val) return refuse("x509: invalid CRL distribution points");
  const out: string[] = [];
  while (!val.empty) {
    const dp = val.read(0x30);
    if (!dp) return refuse("x509: invalid CRL distribution point");
    const name = dp.readOptional(0xa0);
    if (name === undefined) return refuse("x509: invalid CRL distribution point");
    if (name === null) continue;
    const full = name.read(0xa0);
    if (!full) return refuse("x509: invalid CRL distribution point");
    while (!full.empty) {
      if (!full.peek(0x86)) break;
      const uri = full.read(0x86);
      if (!uri) return refuse("x509: invalid CRL distribution point");
      // Go keeps the bytes as they are: UTF-8 reads as UTF-8.
      out.push(goBytesToString(uri.bytes()));
    }
  }
  return out;
}

function checkPolicyConstraints(value: Buffer): void {
  const val = Cbs.of(value).read(0x30);
  if (!val) return refuse("x509: invalid policy constraints extension");
  for (const tag of [0x80, 0x81]) {
    if (val.peek(tag) && val.readInt64(tag) === undefined) refuse("x509: invalid policy constraints extension");
  }
}

function checkPolicyMappings(value: Buffer): void {
  const val = Cbs.of(value).read(0x30);
  if (!val) return refuse("x509: invalid policy mappings extension");
  while (!val.empty) {
    const s = val.read(0x30);
    if (!s || !s.read(0x06) || !s.read(0x06)) refuse("x509: invalid policy mappings extension");
  }
}

function parseAia(e: Extension, out: ProcessedExtensions): void {
  if (e.critical) refuse("x509: authority info access incorrectly marked critical");
  const val = Cbs.of(e.value).read(0x30);
  if (!val) return refuse("x509: invalid authority info access");
  while (!val.empty) {
    const aia = val.read(0x30);
    if (!aia) return refuse("x509: invalid authority info access");
    const method = aia.readOid();
    if (method === undefined) return refuse("x509: invalid authority info access");
    if (!aia.peek(0x86)) continue;
    const uri = aia.read(0x86);
    if (!uri) return refuse("x509: invalid authority info access");
    if (method === OID.accessOcsp) out.ocspServers.push(goBytesToString(uri.bytes()));
    else if (method === OID.accessCaIssuers) out.issuingCertificateUrls.push(goBytesToString(uri.bytes()));
  }
}
