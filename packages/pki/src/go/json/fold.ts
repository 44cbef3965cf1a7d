// Go's encoding/json key folding (Go 1.26, fold.go foldName): which JSON object
// key lands in which struct field when no key matches a field exactly.

/**
 * Go's foldName for one code point: ASCII folds to upper case; other runes to
 * the smallest rune of their case orbit. Only U+017F (long s) and U+212A
 * (Kelvin sign) fold into ASCII in Go's tables, so matching against an ASCII
 * field name is exact; for non-ASCII names the orbit is approximated from the
 * JS case mappings (Go's own tables differ between Unicode versions anyway).
 */
function foldRune(cp: number): number {
  if (cp < 0x80) return cp >= 0x61 && cp <= 0x7a ? cp - 0x20 : cp;
  if (cp === 0x17f) return 0x53;
  if (cp === 0x212a) return 0x4b;
  const c = String.fromCodePoint(cp);
  const candidates = [c.toUpperCase(), c.toLowerCase()];
  for (const x of [...candidates]) candidates.push(x.toUpperCase(), x.toLowerCase());
  let best = cp;
  for (const x of candidates) {
    const y = x.codePointAt(0)!;
    if (x.length === String.fromCodePoint(y).length && y >= 0x80 && y < best) best = y;
  }
  return best;
}

/** Go's foldName: the key under which a JSON object key matches a struct field case-insensitively. */
export function foldName(s: string): string {
  let out = "";
  // Lone surrogates reach Go as U+FFFD.
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += String.fromCodePoint(cp >= 0xd800 && cp < 0xe000 ? 0xfffd : foldRune(cp));
  }
  return out;
}
