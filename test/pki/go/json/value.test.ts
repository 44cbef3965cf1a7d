// Tests for Go's json.Unmarshal into interface{} (go/json/value.ts): values, U+FFFD, duplicate keys, checked against Go 1.26.

import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { parseGoJson } from "../../../../packages/pki/src/go/json/value.js";
import { PkiError } from "../../../../packages/pki/src/errors.js";

describe("parseGoJson", () => {
  it.each<[string, unknown]>([
    ['{"CN":"a","hosts":["x","y"],"key":{"algo":"rsa","size":2048}}', { CN: "a", hosts: ["x", "y"], key: { algo: "rsa", size: 2048 } }],
    ["  [1, -2.5e3, true, false, null]\n", [1, -2500, true, false, null]],
    ['"\\u00e9\\n\\/\\"\\\\"', 'é\n/"\\'],
    ['"\\ud83d\\ude00"', "\u{1f600}"],
    ['"\\ud800"', "\ufffd"],
    ['"\\ud800x"', "\ufffdx"],
    ['"\\udc00\\ud800"', "\ufffd\ufffd"],
    ['"\\ud800\\u0041"', "\ufffdA"],
    ["123456789012345678901234567890", 1.2345678901234568e29],
    ["1e400", Infinity],
  ])("decodes %j", (text, want) => {
    expect(parseGoJson(text)).toEqual(want);
  });

  it("replaces invalid UTF-8 byte by byte, as Go's utf8.DecodeRune does", () => {
    // E2 82 is a truncated 3-byte sequence: two U+FFFD in Go (WHATWG would give one).
    const bytes = Uint8Array.from([0x22, 0x61, 0xe2, 0x82, 0x78, 0xed, 0xa0, 0x80, 0xc3, 0xa9, 0x22]);
    expect(parseGoJson(bytes)).toBe("a\ufffd\ufffdx\ufffd\ufffd\ufffdé");
  });

  it("keeps the last of duplicate keys, ordered by their last occurrence", () => {
    const obj = parseGoJson('{"a":1,"b":2,"a":3}') as Record<string, unknown>;
    expect(obj).toEqual({ a: 3, b: 2 });
    expect(Object.keys(obj)).toEqual(["b", "a"]);
  });

  it("stores a __proto__ key as data", () => {
    const obj = parseGoJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.keys(obj)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("agrees with JSON.parse on generated JSON", () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(parseGoJson(text)).toEqual(JSON.parse(text));
      }),
    );
  });

  it("only ever throws PkiError, on any text or bytes", () => {
    const jsonish = fc.string({ unit: fc.constantFrom(..."{}[],:\"\\ 0123456789.eE+-tfnrulsa\u00e9\ud800\u0001") });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), jsonish, fc.uint8Array()), (text) => {
        try {
          parseGoJson(text);
        } catch (e) {
          expect(e).toBeInstanceOf(PkiError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
