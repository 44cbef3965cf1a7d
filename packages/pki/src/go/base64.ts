// Go's encoding/base64 (Go 1.26): where StdEncoding's decoder fails, for the error
// offsets cfssl and cfssljson print ("illegal base64 data at input byte N").

const isB64 = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
const NL = 0x0a;
const CR = 0x0d;
const PAD = 0x3d;

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
      const c = s.charCodeAt(si++);
      if (isB64(c)) continue;
      if (c === NL || c === CR) {
        j--;
        continue;
      }
      if (c !== PAD) return si - 1;
      if (j < 2) return si - 1;
      if (j === 2) {
        while (si < s.length && (s.charCodeAt(si) === NL || s.charCodeAt(si) === CR)) si++;
        if (si === s.length) return s.length;
        if (s.charCodeAt(si) !== PAD) return si - 1;
        si++;
      }
      while (si < s.length && (s.charCodeAt(si) === NL || s.charCodeAt(si) === CR)) si++;
      return si < s.length ? si : undefined;
    }
  }
}
