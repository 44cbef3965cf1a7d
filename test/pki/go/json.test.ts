// Tests for the Go encoding/json port: syntax errors, field routing and typed accessors, checked against Go 1.26.

import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { parseGoJson } from "../../../packages/pki/src/go/json.js";
import { unmarshalGoJson, type GoType } from "../../../packages/pki/src/go/json-decode.js";
import { PkiError } from "../../../packages/pki/src/errors.js";

function syntaxError(text: string | Uint8Array): PkiError | undefined {
  try {
    parseGoJson(text);
    return undefined;
  } catch (e) {
    if (e instanceof PkiError) return e;
    throw e;
  }
}

describe("parseGoJson", () => {
  // Each message was produced by Go's json.Unmarshal on the same input (the
  // scanner's error texts in src/encoding/json/scanner.go).
  it.each<[string, string]>([
    ["", "unexpected end of JSON input"],
    [" ", "unexpected end of JSON input"],
    ["{", "unexpected end of JSON input"],
    ['{"a"', "unexpected end of JSON input"],
    ['{"a":', "unexpected end of JSON input"],
    ['{"a":1', "unexpected end of JSON input"],
    ['{"a":1,', "unexpected end of JSON input"],
    ['"abc', "unexpected end of JSON input"],
    ["[", "unexpected end of JSON input"],
    ["\t", "unexpected end of JSON input"],
    ["x", "invalid character 'x' looking for beginning of value"],
    ["[1,]", "invalid character ']' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', "invalid character '\"' after object key:value pair"],
    ["{,}", "invalid character ',' looking for beginning of object key string"],
    ["{1:2}", "invalid character '1' looking for beginning of object key string"],
    ['"a\\x"', "invalid character 'x' in string escape code"],
    ['"a\u0001"', "invalid character '\\x01' in string literal"],
    ['"a\n"', "invalid character '\\n' in string literal"],
    ["01", "invalid character '1' after top-level value"],
    ["1.", "invalid character ' ' after decimal point in numeric literal"],
    ["1.e5", "invalid character 'e' after decimal point in numeric literal"],
    ["1e", "invalid character ' ' in exponent of numeric literal"],
    ["-", "invalid character ' ' in numeric literal"],
    ["-a", "invalid character 'a' in numeric literal"],
    ["1 2", "invalid character '2' after top-level value"],
    ["{} x", "invalid character 'x' after top-level value"],
    ['{"a":1}}', "invalid character '}' after top-level value"],
    ["tru", "invalid character ' ' in literal true (expecting 'e')"],
    ["trux", "invalid character 'x' in literal true (expecting 'e')"],
    ["fals", "invalid character ' ' in literal false (expecting 'e')"],
    ["nul", "invalid character ' ' in literal null (expecting 'l')"],
    ["[1 2]", "invalid character '2' after array element"],
    ['"\\u12"', "invalid character '\"' in \\u hexadecimal character escape"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['"\\', "invalid character ' ' in string escape code"],
    [".5", "invalid character '.' looking for beginning of value"],
    ["+1", "invalid character '+' looking for beginning of value"],
    ["NaN", "invalid character 'N' looking for beginning of value"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
    ["\\", "invalid character '\\\\' looking for beginning of value"],
    ["\u007f", "invalid character '\\x7f' looking for beginning of value"],
    ["\u00dc", "invalid character '\u00c3' looking for beginning of value"],
    ["\ufeff{}", "invalid character '\u00ef' looking for beginning of value"],
  ])("rejects %j like Go", (text, message) => {
    const err = syntaxError(text);
    expect(err?.code).toBe("input-invalid");
    expect(err?.message).toBe(message);
  });

  it.each<[number[], string]>([
    [[0xff], "invalid character '\u00ff' looking for beginning of value"],
    [[0x80], "invalid character '\\u0080' looking for beginning of value"],
    [[0xa0], "invalid character '\\u00a0' looking for beginning of value"],
    [[0xad], "invalid character '\\u00ad' looking for beginning of value"],
  ])("quotes the raw byte of %j as Go's quoteChar does", (bytes, message) => {
    expect(syntaxError(Uint8Array.from(bytes))?.message).toBe(message);
  });

  it("enforces Go's nesting limit of 10000", () => {
    expect(parseGoJson("[".repeat(10000) + "]".repeat(10000))).toBeInstanceOf(Array);
    expect(syntaxError("[".repeat(10001) + "]".repeat(10001))?.message).toBe(
      "invalid character '[' exceeded max depth",
    );
  });

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

describe("key routing (unmarshalGoJson into a struct)", () => {
  // Go routes every key in document order and assigns as it goes, so the last
  // routed key wins (src/encoding/json/decode.go, object()); outcomes checked
  // with Go 1.26 decoding into a struct with a CN field.
  const cnOf = (text: string, fields: string[] = ["CN"], name = "CN"): unknown => {
    const t: GoType = { kind: "struct", name: "pkg.T", fields: fields.map((json) => ({ json, type: { kind: "ptr", elem: { kind: "string", name: "string" } } })) };
    return (unmarshalGoJson(text, t) as Record<string, unknown>)[name];
  };
  it.each<[string, unknown]>([
    ['{"CN":"a"}', "a"],
    ['{"cn":"a"}', "a"],
    ['{"cN":"a"}', "a"],
    ['{"cn":"a","CN":"b","cn":"c"}', "c"],
    ['{"CN":"b","cn":"c"}', "c"],
    ['{"cN":"b","CN":"c"}', "c"],
    ['{"C N":"a"}', undefined],
    ['{"CN":"a","CN":null}', undefined],
    ["{}", undefined],
  ])("reads CN from %s", (text, want) => {
    expect(cnOf(text)).toBe(want);
  });

  it.each<[string, string, unknown]>([
    // Only the long s and the Kelvin sign fold into ASCII in Go.
    ['{"\u017f":"x"}', "S", "x"],
    ['{"\u212a":"x"}', "k", "x"],
    ['{"\u0131":"x"}', "i", undefined],
    ['{"\u00fc":"x"}', "\u00dc", "x"],
  ])("folds %s onto %j as Go does", (text, name, want) => {
    expect(cnOf(text, [name], name)).toBe(want);
  });

  it("leaves keys that belong to sibling fields alone", () => {
    const text = '{"name":"a","NAME":"b","Name":"c"}';
    // "Name" folds to both; Go gives it to the first field with that folding.
    expect(cnOf(text, ["name", "NAME"], "name")).toBe("c");
    expect(cnOf(text, ["name", "NAME"], "NAME")).toBe("b");
  });
});
