// Tests for the Go time.Duration port: parse and format tables from Go's own tests, plus properties.

import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { parseGoDuration, formatGoDuration } from "../../../packages/pki/src/go/time.js";
import { PkiError } from "../../../packages/pki/src/errors.js";

const NS = 1n;
const US = 1_000n;
const MS = 1_000_000n;
const S = 1_000_000_000n;
const M = 60n * S;
const H = 60n * M;
const MAX = (1n << 63n) - 1n;
const MIN = -(1n << 63n);

/** Go's message for a failed parse, or undefined if it parsed. */
function parseError(s: string): PkiError | undefined {
  try {
    parseGoDuration(s);
    return undefined;
  } catch (e) {
    if (e instanceof PkiError) return e;
    throw e;
  }
}

describe("parseGoDuration", () => {
  // Cases from Go's src/time/time_test.go, parseDurationTests.
  it.each<[string, bigint]>([
    ["0", 0n],
    ["5s", 5n * S],
    ["30s", 30n * S],
    ["1478s", 1478n * S],
    ["-5s", -5n * S],
    ["+5s", 5n * S],
    ["-0", 0n],
    ["+0", 0n],
    ["5.0s", 5n * S],
    ["5.6s", 5n * S + 600n * MS],
    ["5.s", 5n * S],
    [".5s", 500n * MS],
    ["1.0s", S],
    ["1.00s", S],
    ["1.004s", S + 4n * MS],
    ["1.0040s", S + 4n * MS],
    ["100.00100s", 100n * S + MS],
    ["10ns", 10n * NS],
    ["11us", 11n * US],
    ["12\u00b5s", 12n * US],
    ["12\u03bcs", 12n * US],
    ["13ms", 13n * MS],
    ["14s", 14n * S],
    ["15m", 15n * M],
    ["16h", 16n * H],
    ["3h30m", 3n * H + 30n * M],
    ["10.5s4m", 4n * M + 10n * S + 500n * MS],
    ["-2m3.4s", -(2n * M + 3n * S + 400n * MS)],
    ["1h2m3s4ms5us6ns", H + 2n * M + 3n * S + 4n * MS + 5n * US + 6n * NS],
    ["39h9m14.425s", 39n * H + 9n * M + 14n * S + 425n * MS],
    ["52763797000ns", 52763797000n],
    ["0.3333333333333333333h", 20n * M],
    ["9007199254740993ns", (1n << 53n) + 1n],
    ["9223372036854775807ns", MAX],
    ["9223372036854775.807us", MAX],
    ["9223372036s854ms775us807ns", MAX],
    ["-9223372036854775808ns", MIN],
    ["-9223372036854775.808us", MIN],
    ["-9223372036s854ms775us808ns", MIN],
    ["-2562047h47m16.854775808s", MIN],
    ["0.100000000000000000000h", 6n * M],
    ["0.830103483285477580700h", 49n * M + 48n * S + 372539827n],
  ])("parses %j", (s, want) => {
    expect(parseGoDuration(s)).toBe(want);
  });

  // cfssl config values (reference §6.3).
  it.each<[string, bigint]>([
    ["8760h", 8760n * H],
    ["43800h", 43800n * H],
    ["87600h", 87600n * H],
    ["1.5h", 90n * M],
    ["1h30m", 90n * M],
    ["168h", 168n * H],
  ])("parses the cfssl expiry %j", (s, want) => {
    expect(parseGoDuration(s)).toBe(want);
  });

  // Go's src/time/time_test.go parseDurationErrorTests (the cases a JS string can
  // hold) and cfssl's config_test.go invalid expiries; messages checked against Go 1.26.
  it.each<[string, string]>([
    ["", 'time: invalid duration ""'],
    ["3", 'time: missing unit in duration "3"'],
    ["-", 'time: invalid duration "-"'],
    ["s", 'time: invalid duration "s"'],
    [".", 'time: invalid duration "."'],
    ["-.", 'time: invalid duration "-."'],
    [".s", 'time: invalid duration ".s"'],
    ["+.s", 'time: invalid duration "+.s"'],
    ["1d", 'time: unknown unit "d" in duration "1d"'],
    ["\ufffd", 'time: invalid duration "\\xef\\xbf\\xbd"'],
    ["\ufffd hello \ufffd world", 'time: invalid duration "\\xef\\xbf\\xbd hello \\xef\\xbf\\xbd world"'],
    ["9223372036854775810ns", 'time: invalid duration "9223372036854775810ns"'],
    ["9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'],
    ["-9223372036854775809ns", 'time: invalid duration "-9223372036854775809ns"'],
    ["9223372036854776us", 'time: invalid duration "9223372036854776us"'],
    ["3000000h", 'time: invalid duration "3000000h"'],
    ["9223372036854775.808us", 'time: invalid duration "9223372036854775.808us"'],
    ["9223372036854ms775us808ns", 'time: invalid duration "9223372036854ms775us808ns"'],
    ["365d", 'time: unknown unit "d" in duration "365d"'],
    ["1y", 'time: unknown unit "y" in duration "1y"'],
    ["one year", 'time: invalid duration "one year"'],
    ["1h 30m", 'time: unknown unit "h " in duration "1h 30m"'],
    ['1"x', 'time: unknown unit "\\"x" in duration "1\\"x"'],
    ["1\\x", 'time: unknown unit "\\\\x" in duration "1\\\\x"'],
    ["1\u0001", 'time: unknown unit "\\x01" in duration "1\\x01"'],
    ["5\u00b5", 'time: unknown unit "\\xc2\\xb5" in duration "5\\xc2\\xb5"'],
    ["\u007f", 'time: invalid duration "\u007f"'],
    ["1.5", 'time: missing unit in duration "1.5"'],
    ["1hour", 'time: unknown unit "hour" in duration "1hour"'],
    ["1e3s", 'time: unknown unit "e" in duration "1e3s"'],
    [" 1s", 'time: invalid duration " 1s"'],
    ["--1s", 'time: invalid duration "--1s"'],
    ["1constructor", 'time: unknown unit "constructor" in duration "1constructor"'],
  ])("rejects %j with Go's message", (s, message) => {
    const err = parseError(s);
    expect(err).toBeInstanceOf(PkiError);
    expect(err?.code).toBe("policy-invalid");
    expect(err?.message).toBe(message);
  });

  it("treats a lone surrogate as the U+FFFD Go would have decoded", () => {
    expect(parseError("\ud800")?.message).toBe('time: invalid duration "\\xef\\xbf\\xbd"');
  });
});

describe("formatGoDuration", () => {
  // Go's src/time/time_test.go durationTests, plus cfssl's common expiries.
  it.each<[bigint, string]>([
    [0n, "0s"],
    [1n, "1ns"],
    [1100n, "1.1\u00b5s"],
    [2200n * US, "2.2ms"],
    [3300n * MS, "3.3s"],
    [4n * M + 5n * S, "4m5s"],
    [4n * M + 5001n * MS, "4m5.001s"],
    [5n * H + 6n * M + 7001n * MS, "5h6m7.001s"],
    [8n * M + 1n, "8m0.000000001s"],
    [MAX, "2562047h47m16.854775807s"],
    [MIN, "-2562047h47m16.854775808s"],
    [8760n * H, "8760h0m0s"],
    [90n * M, "1h30m0s"],
    [5n * M, "5m0s"],
    [1500n * MS, "1.5s"],
    [300n * MS, "300ms"],
    [999n, "999ns"],
    [1000n, "1\u00b5s"],
    [S, "1s"],
    [M, "1m0s"],
    [H, "1h0m0s"],
  ])("formats %s ns as %j", (ns, want) => {
    expect(formatGoDuration(ns)).toBe(want);
    if (ns > 0n && ns !== MAX) expect(formatGoDuration(-ns)).toBe("-" + want);
  });

  it.each([MAX + 1n, MIN - 1n])("rejects %s, outside int64", (ns) => {
    expect(() => formatGoDuration(ns)).toThrow(PkiError);
  });
});

describe("duration properties", () => {
  it("round-trips every int64 through format and parse", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: MIN, max: MAX }), (ns) => {
        expect(parseGoDuration(formatGoDuration(ns))).toBe(ns);
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips small and unit-aligned values too", () => {
    const units = fc.constantFrom(NS, US, MS, S, M, H);
    const aligned = fc.tuple(fc.integer({ min: -100_000, max: 100_000 }), units).map(([k, u]) => BigInt(k) * u);
    fc.assert(
      fc.property(aligned, (ns) => {
        expect(parseGoDuration(formatGoDuration(ns))).toBe(ns);
      }),
    );
  });

  it("only ever throws PkiError, on any string", () => {
    const durationish = fc.string({
      unit: fc.oneof(fc.constantFrom(..."0123456789.+-hmsunµμd \ud800"), fc.string({ unit: "binary", maxLength: 1 })),
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), durationish), (s) => {
        try {
          const d = parseGoDuration(s);
          expect(d >= MIN && d <= MAX).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(PkiError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
