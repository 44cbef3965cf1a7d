// Go's encoding/json string reading (Go 1.26, decode.go unquote): escapes,
// UTF-16 surrogate pairs and invalid UTF-8, each decoded to what Go stores, so
// a name read from cfssl's JSON is the name Go would have put in the certificate.

import { SIMPLE_ESCAPES } from "./scanner.js";

/** Go's utf8.DecodeRune: [rune, size]; invalid or truncated sequences give [0xFFFD, 1]. */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const b0 = b[i]!;
  if (b0 < 0x80) return [b0, 1];
  const cont = (k: number, lo = 0x80, hi = 0xbf): number | undefined => {
    const x = b[i + k];
    return x !== undefined && x >= lo && x <= hi ? x & 0x3f : undefined;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1);
    if (c1 !== undefined) return [((b0 & 0x1f) << 6) | c1, 2];
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    // E0 excludes overlongs, ED excludes the UTF-16 surrogates.
    const c1 = cont(1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf);
    const c2 = c1 === undefined ? undefined : cont(2);
    if (c1 !== undefined && c2 !== undefined) return [((b0 & 0x0f) << 12) | (c1 << 6) | c2, 3];
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf);
    const c2 = c1 === undefined ? undefined : cont(2);
    const c3 = c2 === undefined ? undefined : cont(3);
    if (c1 !== undefined && c2 !== undefined && c3 !== undefined) {
      return [((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, 4];
    }
  }
  return [0xfffd, 1];
}

function hex4(b: Uint8Array, i: number): number {
  if (b[i] !== 0x5c || b[i + 1] !== 0x75) return -1;
  let r = 0;
  for (let k = 2; k < 6; k++) {
    const c = b[i + k];
    if (c === undefined) return -1;
    let v: number;
    if (c >= 0x30 && c <= 0x39) v = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) v = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) v = c - 0x37;
    else return -1;
    r = r * 16 + v;
  }
  return r;
}

/**
 * Go's unquote of the JSON string that starts (at its opening quote) at
 * `start` in text already checked by checkGoJsonSyntax: the escapes decoded,
 * bad UTF-8 and unpaired surrogates turned into U+FFFD as Go stores them
 * (decode.go unquoteBytes).
 * @returns the string and the index just past its closing quote.
 */
export function readGoJsonString(b: Uint8Array, start: number): { value: string; end: number } {
  let i = start + 1; // opening quote
  const units: number[] = [];
  let out = "";
  const put = (cp: number): void => {
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      units.push(cp);
    }
    if (units.length > 8192) {
      out += String.fromCharCode(...units);
      units.length = 0;
    }
  };
  for (;;) {
    const c = b[i]!;
    if (c === 0x22) {
      i++;
      break;
    }
    if (c === 0x5c) {
      const e = b[i + 1]!;
      if (e === 0x75) {
        let r = hex4(b, i);
        i += 6;
        if (r >= 0xd800 && r < 0xe000) {
          const r1 = hex4(b, i);
          if (r < 0xdc00 && r1 >= 0xdc00 && r1 < 0xe000) {
            i += 6;
            put(0x10000 + ((r - 0xd800) << 10) + (r1 - 0xdc00));
            continue;
          }
          r = 0xfffd;
        }
        put(r);
        continue;
      }
      put(SIMPLE_ESCAPES.get(e)!);
      i += 2;
      continue;
    }
    const [r, size] = decodeRune(b, i);
    put(r);
    i += size;
  }
  return { value: out + String.fromCharCode(...units), end: i };
}
