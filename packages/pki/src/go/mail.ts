// Go's net/mail address parsing (Go 1.26), as much of addrParser as decides
// what ParseAddress accepts and which bare address it returns: cfssl's host
// classification makes an e-mail SAN of every host this accepts.

import { parseGoIp } from "./net.js";

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
