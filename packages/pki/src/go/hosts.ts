// cfssl's `hosts` → SAN classification: ports of Go's net.ParseIP, net/mail.ParseAddress and url.ParseRequestURI.
//
// cfssl (csr.Generate, local.OverrideHosts) tries, per host: IP, then e-mail,
// then URI, else DNS name. Each Go parser is ported closely (from Go 1.26
// sources) because the classification decides what kind of SAN a string
// becomes, so "nearly the same" parser would silently change certificates.

// ---------------------------------------------------------------------------
// IP addresses: net/netip ParseAddr, which current net.ParseIP delegates to.
// ---------------------------------------------------------------------------

interface NetAddr {
  /** 4 bytes for an IPv4 address, 16 for IPv6 (including v4-mapped). */
  bytes: Uint8Array;
  zone: string;
}

function isDigitCode(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** netip.parseIPv4Fields; since Go 1.17 an octet may not have a leading zero. */
function parseIPv4Fields(s: string, out: Uint8Array, at: number): boolean {
  let val = 0;
  let pos = 0;
  let digLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigitCode(c)) {
      if (digLen === 1 && val === 0) return false; // leading zero
      val = val * 10 + (c - 0x30);
      digLen++;
      if (val > 255) return false;
    } else if (c === 0x2e) {
      if (i === 0 || i === s.length - 1 || s[i - 1] === ".") return false; // empty field
      if (pos === 3) return false; // too long
      out[at + pos] = val;
      pos++;
      val = 0;
      digLen = 0;
    } else {
      return false;
    }
  }
  if (pos < 3) return false;
  out[at + 3] = val;
  return true;
}

function parseIPv6(input: string): NetAddr | undefined {
  let s = input;
  let zone = "";
  const pct = s.indexOf("%");
  if (pct !== -1) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === "") return undefined;
  }

  const ip = new Uint8Array(16);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ":" && s[1] === ":") {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return { bytes: ip, zone };
  }

  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const c = s.charCodeAt(off);
      let v: number;
      if (isDigitCode(c)) v = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) v = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) v = c - 0x37;
      else break;
      acc = acc * 16 + v;
      if (off > 3) return undefined; // more than 4 hex digits
      if (acc > 0xffff) return undefined;
    }
    if (off === 0) return undefined;

    if (off < s.length && s[off] === ".") {
      // Embedded IPv4 must be the last 32 bits.
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      if (!parseIPv4Fields(s, ip, i)) return undefined;
      s = "";
      i += 4;
      break;
    }

    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;

    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ":" || s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) return undefined; // second ::
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return undefined;

  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    return undefined; // "::" must stand for at least one group
  }
  return { bytes: ip, zone };
}

/** netip.ParseAddr: the first '.', ':' or '%' decides the family. */
function parseNetipAddr(s: string): NetAddr | undefined {
  for (let i = 0; i < s.length; i++) {
    switch (s[i]) {
      case ".": {
        const ip = new Uint8Array(4);
        return parseIPv4Fields(s, ip, 0) ? { bytes: ip, zone: "" } : undefined;
      }
      case ":":
        return parseIPv6(s);
      case "%":
        return undefined;
    }
  }
  return undefined;
}

/**
 * Go's `net.ParseIP`: dotted IPv4 with exactly four decimal octets 0-255 and
 * no leading zeros, or IPv6 (with `::`, an embedded IPv4 tail, no zone).
 *
 * Go always returns 16 bytes; this returns 4 for dotted IPv4 and 16 for IPv6,
 * so `::ffff:1.2.3.4` (16) and `1.2.3.4` (4) stay distinguishable. Both end up
 * as the same 4-byte SAN, see {@link ipForSan}.
 *
 * @returns the address bytes, or undefined where Go returns nil.
 */
export function parseGoIp(s: string): Uint8Array | undefined {
  const addr = parseNetipAddr(s);
  if (addr === undefined || addr.zone !== "") return undefined;
  return addr.bytes;
}

/** Go's net.IP.To4: the IPv4 form of a 4-byte or v4-mapped 16-byte address. */
function to4(ip: Uint8Array): Uint8Array | undefined {
  if (ip.length === 4) return ip;
  if (ip.length === 16 && ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) {
    return ip.slice(12, 16);
  }
  return undefined;
}

/**
 * The bytes Go's crypto/x509 writes into an iPAddress SAN (marshalSANs uses
 * `ip.To4()` when it is non-nil): 4 bytes for IPv4 and IPv4-mapped IPv6,
 * otherwise the address unchanged.
 */
export function ipForSan(bytes: Uint8Array): Uint8Array {
  return to4(bytes) ?? bytes;
}

/**
 * Go's `net.IP.String()`: dotted IPv4 (also for IPv4-mapped IPv6), RFC 5952
 * IPv6 (lower-case hex, longest run of two or more zero groups as `::`, the
 * first run on a tie), `<nil>` for no bytes and `?` plus hex for other lengths.
 */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 0) return "<nil>";
  if (bytes.length !== 4 && bytes.length !== 16) {
    return "?" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  const v4 = to4(bytes);
  if (v4 !== undefined) return Array.from(v4).join(".");

  const group = (k: number): number => (bytes[2 * k]! << 8) | bytes[2 * k + 1]!;
  let zeroStart = 255;
  let zeroEnd = 255;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && group(j) === 0) j++;
    const l = j - i;
    if (l >= 2 && l > zeroEnd - zeroStart) {
      zeroStart = i;
      zeroEnd = j;
    }
  }
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === zeroStart) {
      out += "::";
      i = zeroEnd;
      if (i >= 8) break;
    } else if (i > 0) {
      out += ":";
    }
    out += group(i).toString(16);
  }
  return out;
}

// ---------------------------------------------------------------------------
// E-mail addresses: net/mail addrParser, enough of it to accept and reject
// exactly what ParseAddress does (display names are parsed, then dropped).
// ---------------------------------------------------------------------------

/** A Go parse error; caught at the API boundary and turned into undefined. */
class GoParseError extends Error {}

function mailFail(): never {
  throw new GoParseError();
}

/** Lone surrogates cannot come from Go's side: its JSON decoder turns them into U+FFFD. */
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

function isVchar(r: number): boolean {
  return (r >= 0x21 && r <= 0x7e) || r >= 0x80;
}

function isWSP(r: number): boolean {
  return r === 0x20 || r === 0x09;
}

function isAtext(r: number, dot: boolean): boolean {
  if (r === 0x2e) return dot;
  // RFC 5322 specials: ( ) < > [ ] : ; @ \ , "
  if (r < 0x80 && "()<>[]:;@\\,\"".includes(String.fromCharCode(r))) return false;
  return isVchar(r);
}

function isQtext(r: number): boolean {
  return r !== 0x5c && r !== 0x22 && isVchar(r);
}

function isDtext(r: number): boolean {
  return r !== 0x5b && r !== 0x5d && r !== 0x5c && isVchar(r);
}

const utf8 = new TextEncoder();

/** strings.EqualFold against an ASCII lower-case name; only U+017F and U+212A fold into ASCII. */
function equalFoldAscii(s: string, lower: string): boolean {
  return s.replace(/\u017f/g, "s").replace(/\u212a/g, "k").replace(/[A-Z]/g, (c) => c.toLowerCase()) === lower;
}

/**
 * How mime.WordDecoder (with net/mail's CharsetReader that rejects every
 * charset it is asked about) treats a word: not an encoded-word, an
 * encoded-word, or one whose charset is unsupported, which is the only
 * decoding failure net/mail does not ignore.
 */
function rfc2047(word: string): { kind: "plain" } | { kind: "encoded"; empty: boolean } | { kind: "charset" } {
  const plain = { kind: "plain" } as const;
  if (utf8.encode(word).length < 8 || !word.startsWith("=?") || !word.endsWith("?=")) return plain;
  if (word.split("?").length - 1 !== 4) return plain;
  const inner = word.slice(2, -2);
  const q1 = inner.indexOf("?");
  const charset = inner.slice(0, q1);
  if (charset === "") return plain;
  const rest = inner.slice(q1 + 1);
  const q2 = rest.indexOf("?");
  const encoding = rest.slice(0, q2);
  const text = rest.slice(q2 + 1);
  if (utf8.encode(encoding).length !== 1) return plain;

  let empty: boolean;
  if (encoding === "B" || encoding === "b") {
    // base64.StdEncoding skips CR and LF anywhere; otherwise padding is mandatory.
    const b64 = text.replace(/[\r\n]/g, "");
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) return plain;
    empty = b64 === "";
  } else if (encoding === "Q" || encoding === "q") {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x3d) {
        if (i + 2 >= text.length || !/^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) return plain;
        i += 2;
      } else if (!((c >= 0x20 && c <= 0x7e) || c === 0x0a || c === 0x0d || c === 0x09)) {
        return plain;
      }
    }
    empty = text === "";
  } else {
    return plain;
  }
  if (equalFoldAscii(charset, "utf-8") || equalFoldAscii(charset, "iso-8859-1") || equalFoldAscii(charset, "us-ascii")) {
    return { kind: "encoded", empty };
  }
  return { kind: "charset" };
}

class AddrParser {
  constructor(public s: string) {}

  private cp(i: number): number | undefined {
    return this.s.codePointAt(i);
  }

  empty(): boolean {
    return this.s.length === 0;
  }

  peek(): string {
    return this.s[0]!;
  }

  consume(c: string): boolean {
    if (this.empty() || this.s[0] !== c) return false;
    this.s = this.s.slice(1);
    return true;
  }

  skipSpace(): void {
    this.s = this.s.replace(/^[ \t]+/, "");
  }

  /** Skips CFWS; false on a malformed comment. */
  skipCFWS(): boolean {
    this.skipSpace();
    while (this.consume("(")) {
      if (this.consumeComment() === undefined) return false;
      this.skipSpace();
    }
    return true;
  }

  /** After '(': the comment text, or undefined if it never closes. */
  consumeComment(): string | undefined {
    let depth = 1;
    let comment = "";
    while (!this.empty() && depth !== 0) {
      if (this.s[0] === "\\" && this.s.length > 1) this.s = this.s.slice(1);
      else if (this.s[0] === "(") depth++;
      else if (this.s[0] === ")") depth--;
      if (depth > 0) comment += this.s[0];
      this.s = this.s.slice(1);
    }
    return depth === 0 ? comment : undefined;
  }

  consumeAtom(dot: boolean, permissive: boolean): string {
    let i = 0;
    for (;;) {
      const r = this.cp(i);
      if (r === undefined || !isAtext(r, dot)) break;
      i += r > 0xffff ? 2 : 1;
    }
    if (i === 0) mailFail();
    const atom = this.s.slice(0, i);
    this.s = this.s.slice(i);
    if (!permissive && (atom.startsWith(".") || atom.includes("..") || atom.endsWith("."))) mailFail();
    return atom;
  }

  consumeQuotedString(): string {
    let i = 1;
    let qs = "";
    let escaped = false;
    for (;;) {
      const r = this.cp(i);
      if (r === undefined) mailFail(); // unclosed
      const ch = String.fromCodePoint(r);
      if (escaped) {
        if (!isVchar(r) && !isWSP(r)) mailFail();
        qs += ch;
        escaped = false;
      } else if (isQtext(r) || isWSP(r)) {
        qs += ch;
      } else if (r === 0x22) {
        break;
      } else if (r === 0x5c) {
        escaped = true;
      } else {
        mailFail();
      }
      i += ch.length;
    }
    this.s = this.s.slice(i + 1);
    return qs;
  }

  consumeDomainLiteral(): string {
    if (!this.consume("[")) mailFail();
    let dtext = "";
    for (;;) {
      if (this.empty()) mailFail();
      if (this.s[0] === "]") break;
      const r = this.cp(0)!;
      if (!isDtext(r)) mailFail();
      const ch = String.fromCodePoint(r);
      dtext += ch;
      this.s = this.s.slice(ch.length);
    }
    this.consume("]");
    // Go accepts a domain literal only if it holds an IP address.
    if (parseGoIp(dtext) === undefined) mailFail();
    return `[${dtext}]`;
  }

  /** Go restores the parser position when an addr-spec fails, so callers can retry. */
  consumeAddrSpec(): string | undefined {
    const orig = this.s;
    try {
      this.skipSpace();
      if (this.empty()) mailFail();
      let localPart: string;
      if (this.peek() === '"') {
        localPart = this.consumeQuotedString();
        if (localPart === "") mailFail();
      } else {
        localPart = this.consumeAtom(true, false);
      }
      if (!this.consume("@")) mailFail();
      this.skipSpace();
      if (this.empty()) mailFail();
      const domain = this.peek() === "[" ? this.consumeDomainLiteral() : this.consumeAtom(true, false);
      return `${localPart}@${domain}`;
    } catch (e) {
      if (!(e instanceof GoParseError)) throw e;
      this.s = orig;
      return undefined;
    }
  }

  consumePhrase(): void {
    let words = 0;
    let encodedPending = false; // Go's strings.Builder of adjacent encoded words is non-empty
    let failed = false;
    for (;;) {
      if (words > 0 && !this.skipCFWS()) mailFail();
      this.skipSpace();
      if (this.empty()) break;
      if (this.peek() === '"') {
        try {
          this.consumeQuotedString();
        } catch (e) {
          if (!(e instanceof GoParseError)) throw e;
          failed = true;
          break;
        }
        if (encodedPending) words++;
        encodedPending = false;
        words++;
      } else {
        let word: string;
        try {
          word = this.consumeAtom(true, true);
        } catch (e) {
          if (!(e instanceof GoParseError)) throw e;
          failed = true;
          break;
        }
        const dec = rfc2047(word);
        if (dec.kind === "charset") {
          failed = true;
          break;
        }
        if (dec.kind === "encoded") {
          if (!dec.empty) encodedPending = true;
        } else {
          if (encodedPending) words++;
          encodedPending = false;
          words++;
        }
      }
    }
    if (encodedPending) words++;
    // Go ignores the error that ended the phrase if it already has a word.
    if (failed && words === 0) mailFail();
  }

  consumeDisplayNameComment(): void {
    if (!this.consume("(")) mailFail();
    const comment = this.consumeComment();
    if (comment === undefined) mailFail();
    for (const word of comment.split(/[ \t]/)) {
      if (word !== "" && rfc2047(word).kind === "charset") mailFail();
    }
  }

  /** Go's parseAddress: the addresses (a group may hold several). */
  parseAddress(handleGroup: boolean): string[] {
    this.skipSpace();
    if (this.empty()) mailFail();

    // Go tries the stricter addr-spec first and falls back to name-addr.
    const spec = this.consumeAddrSpec();
    if (spec !== undefined) {
      this.skipSpace();
      if (!this.empty() && this.peek() === "(") this.consumeDisplayNameComment();
      return [spec];
    }

    if (this.peek() !== "<") this.consumePhrase();
    this.skipSpace();
    if (handleGroup && this.consume(":")) return this.consumeGroupList();
    if (!this.consume("<")) mailFail();
    const inner = this.consumeAddrSpec();
    if (inner === undefined) mailFail();
    if (!this.consume(">")) mailFail();
    return [inner];
  }

  consumeGroupList(): string[] {
    const group: string[] = [];
    this.skipSpace();
    if (this.consume(";")) {
      if (!this.skipCFWS()) mailFail();
      return group;
    }
    for (;;) {
      this.skipSpace();
      group.push(...this.parseAddress(false));
      if (!this.skipCFWS()) mailFail();
      if (this.consume(";")) {
        if (!this.skipCFWS()) mailFail();
        return group;
      }
      if (!this.consume(",")) mailFail();
    }
  }

  parseSingleAddress(): string {
    const addrs = this.parseAddress(true);
    if (!this.skipCFWS()) mailFail();
    if (!this.empty()) mailFail();
    if (addrs.length !== 1) mailFail(); // empty group, or a group of several
    return addrs[0]!;
  }
}

/**
 * Go's `net/mail.ParseAddress(s).Address`: the bare addr-spec of one RFC 5322
 * address, e.g. `b@x.com` for `Bob <b@x.com>` or `"Bob" <b@x.com>`. A quoted
 * local part comes back unquoted, as Go stores it (`"a b"@x.com` → `a b@x.com`).
 * Groups with exactly one member and parenthesised comments are accepted as in
 * Go; RFC 2047 encoded words matter only in that an unsupported charset fails.
 *
 * @returns the address, or undefined where Go returns an error.
 */
export function parseGoMailAddress(s: string): string | undefined {
  try {
    return new AddrParser(wellFormed(s)).parseSingleAddress();
  } catch (e) {
    if (e instanceof GoParseError) return undefined;
    throw e;
  }
}

// ---------------------------------------------------------------------------
// URIs: net/url parse(rawURL, viaRequest=true) and URL.String(). Go works on
// bytes and percent-decoding can produce any byte, so this part runs on
// "byte strings" (one char per UTF-8 byte).
// ---------------------------------------------------------------------------

const enum Enc {
  Path,
  Host,
  Zone,
  UserPassword,
  Fragment,
}

function toByteString(s: string): string {
  let out = "";
  for (const b of utf8.encode(s)) out += String.fromCharCode(b);
  return out;
}

const utf8Decoder = new TextDecoder();

function fromByteString(s: string): string {
  // Most URLs are ASCII, where bytes and characters are the same thing.
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  return utf8Decoder.decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
}

/** net/url shouldEscape (gen_encoding_table.go) for the modes parsing and String() use. */
function shouldEscape(c: number, mode: Enc): boolean {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigitCode(c)) return false;
  const ch = String.fromCharCode(c);
  if ((mode === Enc.Host || mode === Enc.Zone) && c < 0x80 && "!$&'()*+,;=:[]<>\"".includes(ch)) return false;
  if (c < 0x80 && "-_.~".includes(ch)) return false;
  if (c < 0x80 && "$&+,/:;=?@".includes(ch)) {
    switch (mode) {
      case Enc.Path:
        return ch === "?";
      case Enc.UserPassword:
        return ch === "@" || ch === "/" || ch === "?" || ch === ":";
      case Enc.Fragment:
        return false;
      default:
        break; // host and zone fall through to "escape everything else"
    }
  }
  // The fragment leaves these sub-delims alone (Go issue 19917).
  if (mode === Enc.Fragment && c < 0x80 && "!()*".includes(ch)) return false;
  return true;
}

function isHexCode(c: number): boolean {
  return isDigitCode(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function unhex(c: number): number {
  return isDigitCode(c) ? c - 0x30 : (c | 0x20) - 0x57;
}

/** net/url unescape; undefined where Go returns an EscapeError or InvalidHostError. */
function unescape(s: string, mode: Enc): string | undefined {
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= s.length || !isHexCode(s.charCodeAt(i + 1)) || !isHexCode(s.charCodeAt(i + 2))) return undefined;
      const triple = s.slice(i, i + 3);
      // A host may only %-encode non-ASCII bytes, plus %25 for an IPv6 zone.
      if (mode === Enc.Host && unhex(s.charCodeAt(i + 1)) < 8 && triple !== "%25") return undefined;
      if (mode === Enc.Zone) {
        const v = (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2));
        if (triple !== "%25" && v !== 0x20 && shouldEscape(v, Enc.Host)) return undefined;
      }
      i += 3;
    } else {
      if ((mode === Enc.Host || mode === Enc.Zone) && c < 0x80 && shouldEscape(c, mode)) return undefined;
      i++;
    }
  }
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function escape(s: string, mode: Enc): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += shouldEscape(c, mode) ? "%" + c.toString(16).toUpperCase().padStart(2, "0") : s[i];
  }
  return out;
}

function validOptionalPort(port: string): boolean {
  return port === "" || /^:[0-9]*$/.test(port);
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

/** net/url validEncoded, for the path and the fragment. */
function validEncoded(s: string, mode: Enc): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80 && "!$&'()*+,;=:@[]%".includes(s[i]!)) continue;
    if (shouldEscape(c, mode)) return false;
  }
  return true;
}

interface GoUrl {
  scheme: string;
  opaque: string;
  user: { username: string; password: string | undefined } | undefined;
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
  forceQuery: boolean;
  omitHost: boolean;
  fragment: string;
  rawFragment: string;
}

/** getScheme: [scheme, rest], or undefined for Go's "missing protocol scheme". */
function getScheme(raw: string): [string, string] | undefined {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if (isDigitCode(c) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ["", raw];
      continue;
    }
    if (c === 0x3a) return i === 0 ? undefined : [raw.slice(0, i), raw.slice(i + 1)];
    return ["", raw];
  }
  return ["", raw];
}

/** Go 1.26's colon rule for hosts: see parseHost. */
interface ColonRule {
  /** GODEBUG urlstrictcolons=1 (Go 1.26's default): for http and https, the first colon starts the port. */
  strictColons: boolean;
}

function parseHost(host: string, scheme = "", rule: ColonRule = { strictColons: false }): string | undefined {
  const open = host.lastIndexOf("[");
  if (open > 0) return undefined;
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close < 0) return undefined;
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) return undefined;
    const port = unescape(colonPort, Enc.Host);
    if (port === undefined) return undefined;
    const hostname = host.slice(1, close);
    let unescaped: string | undefined;
    const zoneIdx = hostname.indexOf("%25");
    if (zoneIdx >= 0) {
      const h = unescape(hostname.slice(0, zoneIdx), Enc.Host);
      const z = unescape(hostname.slice(zoneIdx), Enc.Zone);
      unescaped = h === undefined || z === undefined ? undefined : h + z;
    } else {
      unescaped = unescape(hostname, Enc.Host);
    }
    if (unescaped === undefined) return undefined;
    // Only IPv6 (v4-mapped included) may be bracketed.
    const addr = parseNetipAddr(unescaped);
    if (addr === undefined || addr.bytes.length === 4) return undefined;
    return `[${unescaped}]${port}`;
  }
  const firstColon = host.indexOf(":");
  if (firstColon >= 0) {
    // Go 1.26 checks the FIRST colon for http/https unless GODEBUG
    // urlstrictcolons=0, which is the default for cfssl (its go.mod says go
    // 1.18); other schemes and older Go use the last colon.
    const strict = rule.strictColons && (scheme === "http" || scheme === "https");
    const colonPort = host.slice(strict ? firstColon : host.lastIndexOf(":"));
    if (!validOptionalPort(colonPort)) return undefined;
  }
  return unescape(host, Enc.Host);
}

function parseAuthority(authority: string, scheme: string, rule: ColonRule): Pick<GoUrl, "user" | "host"> | undefined {
  const at = authority.lastIndexOf("@");
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1), scheme, rule);
  if (host === undefined) return undefined;
  if (at < 0) return { user: undefined, host };
  const userinfo = authority.slice(0, at);
  if (!validUserinfo(userinfo)) return undefined;
  const colon = userinfo.indexOf(":");
  const username = unescape(colon < 0 ? userinfo : userinfo.slice(0, colon), Enc.UserPassword);
  const password = colon < 0 ? undefined : unescape(userinfo.slice(colon + 1), Enc.UserPassword);
  if (username === undefined || (colon >= 0 && password === undefined)) return undefined;
  return { user: { username, password }, host };
}

/** net/url parse(rawURL, viaRequest), over a byte string. */
function parseUrlPart(raw: string, viaRequest: boolean, rule: ColonRule): GoUrl | undefined {
  if (/[\x00-\x1f\x7f]/.test(raw)) return undefined; // "invalid control character in URL"
  if (raw === "" && viaRequest) return undefined;
  const url: GoUrl = {
    scheme: "",
    opaque: "",
    user: undefined,
    host: "",
    path: "",
    rawPath: "",
    rawQuery: "",
    forceQuery: false,
    omitHost: false,
    fragment: "",
    rawFragment: "",
  };
  // OPTIONS * HTTP/1.1: Go lets the bare asterisk through as a path.
  if (raw === "*") {
    url.path = "*";
    return url;
  }
  const schemeRest = getScheme(raw);
  if (schemeRest === undefined) return undefined;
  let rest: string;
  [url.scheme, rest] = schemeRest;
  url.scheme = url.scheme.toLowerCase();

  if (rest.endsWith("?") && rest.indexOf("?") === rest.length - 1) {
    url.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) {
      url.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }

  if (!rest.startsWith("/")) {
    // A rootless rest after a scheme is opaque and never validated ("localhost:8080").
    if (url.scheme !== "") {
      url.opaque = rest;
      return url;
    }
    if (viaRequest) return undefined; // "invalid URI for request"
    // "first path segment in URL cannot contain colon"
    if (rest.split("/")[0]!.includes(":")) return undefined;
  }

  if ((url.scheme !== "" || (!viaRequest && !rest.startsWith("///"))) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const auth = parseAuthority(authority, url.scheme, rule);
    if (auth === undefined) return undefined;
    url.user = auth.user;
    url.host = auth.host;
  } else if (url.scheme !== "" && rest.startsWith("/")) {
    url.omitHost = true;
  }

  const path = unescape(rest, Enc.Path);
  if (path === undefined) return undefined;
  url.path = path;
  url.rawPath = escape(path, Enc.Path) === rest ? "" : rest;
  return url;
}

function escapedPath(u: GoUrl): string {
  if (u.rawPath !== "" && validEncoded(u.rawPath, Enc.Path) && unescape(u.rawPath, Enc.Path) === u.path) return u.rawPath;
  if (u.path === "*") return "*";
  return escape(u.path, Enc.Path);
}

/** net/url URL.String(). */
function urlString(u: GoUrl): string {
  let buf = "";
  if (u.scheme !== "") buf += u.scheme + ":";
  if (u.opaque !== "") {
    buf += u.opaque;
  } else {
    if (u.scheme !== "" || u.host !== "" || u.user !== undefined) {
      if (!(u.omitHost && u.host === "" && u.user === undefined)) {
        if (u.host !== "" || u.path !== "" || u.user !== undefined) buf += "//";
        if (u.user !== undefined) {
          buf += escape(u.user.username, Enc.UserPassword);
          if (u.user.password !== undefined) buf += ":" + escape(u.user.password, Enc.UserPassword);
          buf += "@";
        }
        if (u.host !== "") buf += escape(u.host, Enc.Host);
      }
    }
    const path = escapedPath(u);
    if (path !== "" && path[0] !== "/" && u.host !== "") buf += "/";
    // RFC 3986 §4.2: a colon in the first segment would read as a scheme.
    if (buf === "" && path.split("/")[0]!.includes(":")) buf += "./";
    buf += path;
  }
  if (u.forceQuery || u.rawQuery !== "") buf += "?" + u.rawQuery;
  if (u.fragment !== "") {
    const raw = u.rawFragment;
    buf += "#" + (raw !== "" && validEncoded(raw, Enc.Fragment) && unescape(raw, Enc.Fragment) === u.fragment ? raw : escape(u.fragment, Enc.Fragment));
  }
  return buf;
}

/** net/url Parse: the fragment is cut at the first "#", the rest parsed as a reference. */
function parseUrl(raw: string, rule: ColonRule): GoUrl | undefined {
  const hash = raw.indexOf("#");
  const u = parseUrlPart(hash < 0 ? raw : raw.slice(0, hash), false, rule);
  if (u === undefined || hash < 0) return u;
  const frag = raw.slice(hash + 1);
  if (frag === "") return u;
  const f = unescape(frag, Enc.Fragment);
  if (f === undefined) return undefined;
  u.fragment = f;
  u.rawFragment = escape(f, Enc.Fragment) === frag ? "" : frag;
  return u;
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
export function parseGoSanUri(bytes: string): { uri: string } | { error: string } {
  const u = parseUrl(bytes, { strictColons: true });
  if (u === undefined) return { error: `parse ${JSON.stringify(bytes)}: not a URL Go's url.Parse accepts` };
  if (u.host !== "" && !validReverseLabels(u.host)) return { error: "invalid domain" };
  return { uri: fromByteString(urlString(u)) };
}

// x509's domainToReverseLabels: no empty label (so no leading, trailing or
// doubled dot) and only the bytes 33..126.
function validReverseLabels(host: string): boolean {
  if (!/^[\x21-\x7e]+$/.test(host)) return false;
  return !host.split(".").some((l) => l === "");
}

/**
 * Go's `url.ParseRequestURI(s)` followed by `URL.String()`, which is what
 * cfssl puts into a URI SAN. Accepts `scheme:anything` (so `localhost:8080`
 * is scheme `localhost` with opaque `8080`), absolute paths (`/foo`) and the
 * lone `*`; a `#` is not a fragment separator here and ends up escaped as
 * `%23` in a path. The scheme is lower-cased; paths and hosts are re-escaped.
 * Bracketed hosts follow Go 1.26 (must be IPv6); colons in a host follow
 * cfssl's effective GODEBUG urlstrictcolons=0 (the last colon starts the port).
 *
 * @returns the re-serialised URI, or undefined where Go returns an error.
 */
export function parseGoRequestUri(s: string): string | undefined {
  const u = parseUrlPart(toByteString(s), true, { strictColons: false });
  return u === undefined ? undefined : fromByteString(urlString(u));
}

// ---------------------------------------------------------------------------
// cfssl's classification.
// ---------------------------------------------------------------------------

/** What one `hosts` entry becomes in the certificate. */
export type HostSan =
  | { type: "ip"; ip: Uint8Array }
  | { type: "email"; email: string }
  | { type: "uri"; uri: string }
  | { type: "dns"; dns: string };

/**
 * Classifies one `hosts` entry in cfssl's order: IP (`ip` as from
 * {@link parseGoIp}; pass it through {@link ipForSan} for the SAN bytes), then
 * e-mail (the bare address), then URI (re-serialised), else the DNS name verbatim.
 */
export function classifyHost(h: string): HostSan {
  const ip = parseGoIp(h);
  if (ip !== undefined) return { type: "ip", ip };
  const email = parseGoMailAddress(h);
  if (email !== undefined) return { type: "email", email };
  const uri = parseGoRequestUri(h);
  if (uri !== undefined) return { type: "uri", uri };
  return { type: "dns", dns: h };
}

/**
 * cfssl's `signer.SplitHosts`: `""` gives no hosts, anything else is split on
 * "," with no trimming and no dropping of empty entries (`"a, b"` → `["a", " b"]`).
 */
export function splitHosts(s: string): string[] {
  return s === "" ? [] : s.split(",");
}
