// Go's time package (Go 1.26), the duration half: time.ParseDuration,
// Duration.String and time's own quote, ported byte for byte because cfssl's
// expiry strings ("8760h") and their error texts go through them.

import { PkiError } from "../errors.js";

/** 1<<63, the bound Go's uint64 accumulator checks against. */
const LIMIT = 1n << 63n;
const MIN_INT64 = -LIMIT;
const MAX_INT64 = LIMIT - 1n;

// A Map, not an object literal, so "constructor" or "__proto__" can never look like a unit.
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ["ns", 1n],
  ["us", 1_000n],
  ["\u00b5s", 1_000n], // micro sign
  ["\u03bcs", 1_000n], // Greek small letter mu
  ["ms", 1_000_000n],
  ["s", 1_000_000_000n],
  ["m", 60_000_000_000n],
  ["h", 3_600_000_000_000n],
]);

const utf8 = new TextEncoder();
const HEX = "0123456789abcdef";

/**
 * Go's unexported time.quote, which is NOT strconv.Quote: every byte of a
 * non-ASCII rune and every control byte below 0x20 is written as `\xHH`, only
 * `"` and `\` get a backslash, and DEL passes through. Error messages must
 * match cfssl's, so this is copied exactly.
 */
export function goTimeQuote(s: string): string {
  let out = '"';
  // TextEncoder turns a lone surrogate into EF BF BD, which is what Go would
  // have received from its JSON decoder (U+FFFD), so the escapes agree.
  for (const b of utf8.encode(s)) {
    if (b >= 0x80 || b < 0x20) {
      out += "\\x" + HEX[b >> 4]! + HEX[b & 0xf]!;
    } else {
      if (b === 0x22 || b === 0x5c) out += "\\";
      out += String.fromCharCode(b);
    }
  }
  return out + '"';
}

function fail(message: string, orig: string): never {
  throw new PkiError("policy-invalid", `time: ${message} ${goTimeQuote(orig)}`);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/**
 * Parses a duration exactly as Go's `time.ParseDuration` does, e.g. `"8760h"`,
 * `"1h30m"`, `"1.5h"`, `"-2m3.4s"`, `"0"`. There are no day or year units.
 *
 * @returns the duration in nanoseconds, within the int64 range.
 * @throws PkiError `policy-invalid` with Go's message, e.g.
 *   `time: unknown unit "d" in duration "365d"`.
 */
export function parseGoDuration(s: string): bigint {
  const orig = s;
  let d = 0n;
  let neg = false;

  if (s !== "") {
    const c = s[0];
    if (c === "-" || c === "+") {
      neg = c === "-";
      s = s.slice(1);
    }
  }
  if (s === "0") return 0n;
  if (s === "") fail("invalid duration", orig);

  while (s !== "") {
    let v = 0n;
    let f = 0n;
    let scale = 1; // a float64 in Go; the fraction maths below must round as Go's does

    if (!(s[0] === "." || isDigit(s[0]))) fail("invalid duration", orig);

    // leadingInt: overflow is an error here, unlike in the fraction.
    let i = 0;
    for (; i < s.length && isDigit(s[i]); i++) {
      if (v > LIMIT / 10n) fail("invalid duration", orig);
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > LIMIT) fail("invalid duration", orig);
    }
    const pre = i > 0;
    s = s.slice(i);

    let post = false;
    if (s[0] === ".") {
      s = s.slice(1);
      // leadingFraction: past 2^63 it silently stops accumulating precision.
      let overflow = false;
      let j = 0;
      for (; j < s.length && isDigit(s[j]); j++) {
        if (overflow) continue;
        if (f > (LIMIT - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
        if (y > LIMIT) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) fail("invalid duration", orig); // e.g. ".s"

    let k = 0;
    for (; k < s.length; k++) {
      if (s[k] === "." || isDigit(s[k])) break;
    }
    if (k === 0) fail("missing unit in duration", orig);
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = UNITS.get(u);
    if (unit === undefined) fail(`unknown unit ${goTimeQuote(u)} in duration`, orig);

    if (v > LIMIT / unit) fail("invalid duration", orig);
    v *= unit;
    if (f > 0n) {
      // Go computes this part in float64 (nanosecond-accurate for hours); Number(bigint)
      // and the multiply round to nearest-even just like Go's conversions, and the
      // product is below 3.6e12 so the truncation back to an integer is exact.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) fail("invalid duration", orig);
    }
    d += v;
    if (d > LIMIT) fail("invalid duration", orig);
  }
  if (neg) return -d;
  if (d > MAX_INT64) fail("invalid duration", orig);
  return d;
}

/** Go's fmtFrac: the fraction of v/10**prec without trailing zeros (and no "." if zero). */
function fmtFrac(v: bigint, prec: number): [frac: string, rest: bigint] {
  let digits = "";
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) digits = digit.toString() + digits;
    v /= 10n;
  }
  return [print ? "." + digits : "", v];
}

/**
 * Formats nanoseconds exactly as Go's `time.Duration.String()`: `8760h0m0s`,
 * `1h30m0s`, `1.5s`, `300ms`, `1.1µs` (micro sign U+00B5), `0s`.
 *
 * @throws PkiError `input-invalid` if `ns` is outside the int64 range Go's Duration has.
 */
export function formatGoDuration(ns: bigint): string {
  if (ns < MIN_INT64 || ns > MAX_INT64) {
    throw new PkiError("input-invalid", `duration ${ns}ns is outside the int64 range of a Go time.Duration`);
  }
  const sign = ns < 0n ? "-" : "";
  let u = ns < 0n ? -ns : ns;

  if (u < 1_000_000_000n) {
    // Below a second Go switches to the largest unit that keeps an integer part.
    if (u === 0n) return "0s";
    let prec: number;
    let unit: string;
    if (u < 1_000n) {
      prec = 0;
      unit = "ns";
    } else if (u < 1_000_000n) {
      prec = 3;
      unit = "\u00b5s";
    } else {
      prec = 6;
      unit = "ms";
    }
    const [frac, whole] = fmtFrac(u, prec);
    return `${sign}${whole}${frac}${unit}`;
  }

  const [frac, secs] = fmtFrac(u, 9);
  u = secs;
  let out = `${u % 60n}${frac}s`;
  u /= 60n;
  if (u > 0n) {
    out = `${u % 60n}m${out}`;
    u /= 60n;
    // Stops at hours: Go has no day unit because days vary in length.
    if (u > 0n) out = `${u}h${out}`;
  }
  return sign + out;
}
