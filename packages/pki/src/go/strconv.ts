// Go's strconv (Go 1.26): strconv.Quote (fmt's %q for a string), for error
// texts that quote user input as cfssl prints them.

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const HEX = "0123456789abcdef";

/**
 * strconv.Quote: `"` and `\` escaped, printable runes (unicode.IsPrint:
 * letters, marks, numbers, punctuation, symbols, ASCII space) kept, the C
 * escapes for \a \b \f \n \r \t \v, `\xHH` below U+0080, `\uHHHH` and
 * `\UHHHHHHHH` above; a lone surrogate (Go's invalid UTF-8 once decoded)
 * becomes U+FFFD. Printability follows the JS engine's Unicode tables, which
 * can be a version apart from Go's for newly assigned characters.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    let cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;
    const c = String.fromCodePoint(cp);
    if (c === '"' || c === "\\") out += "\\" + c;
    else if (cp === 0x20 || (cp >= 0x21 && cp < 0x7f) || (cp >= 0x80 && PRINTABLE.test(c))) out += c;
    else if (cp === 0x07) out += "\\a";
    else if (cp === 0x08) out += "\\b";
    else if (cp === 0x0c) out += "\\f";
    else if (cp === 0x0a) out += "\\n";
    else if (cp === 0x0d) out += "\\r";
    else if (cp === 0x09) out += "\\t";
    else if (cp === 0x0b) out += "\\v";
    else if (cp < 0x80) out += "\\x" + HEX[cp >> 4]! + HEX[cp & 0xf]!;
    else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += "\\U" + cp.toString(16).padStart(8, "0");
  }
  return out + '"';
}
