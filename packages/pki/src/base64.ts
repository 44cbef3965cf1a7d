// Base64 as Go's encoding/base64 StdEncoding decodes it, for the error
// offsets cfssl and cfssljson print ("illegal base64 data at input byte N").

const B64 = /[A-Za-z0-9+/]/;

/**
 * Where Go's base64.StdEncoding.DecodeString fails on `s` (its CorruptInputError
 * offset), or undefined when it decodes. Go skips \r and \n, requires padding,
 * and does not check the unused trailing bits.
 */
export function goBase64ErrorOffset(s: string): number | undefined {
  let si = 0;
  for (;;) {
    let j = 0;
    for (; j < 4; j++) {
      if (si === s.length) {
        if (j === 0) return undefined;
        return si - j;
      }
      const c = s[si++]!;
      if (B64.test(c)) continue;
      if (c === "\n" || c === "\r") {
        j--;
        continue;
      }
      if (c !== "=") return si - 1;
      if (j < 2) return si - 1;
      if (j === 2) {
        while (si < s.length && (s[si] === "\n" || s[si] === "\r")) si++;
        if (si === s.length) return s.length;
        if (s[si] !== "=") return si - 1;
        si++;
      }
      while (si < s.length && (s[si] === "\n" || s[si] === "\r")) si++;
      return si < s.length ? si : undefined;
    }
  }
}
