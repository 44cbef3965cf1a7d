// Tests for unmarshalGoJson: Go 1.26 encoding/json's Unmarshal rules (document order, saved type errors,
// UnmarshalJSON errors that end decoding, repeated keys merging, null per kind). Expected texts are Go's.
import { describe, expect, it } from "vitest";
import { goZero, unmarshalGoJson, type GoType } from "../../../../packages/pki/src/go/json/decode.js";
import { PkiError } from "../../../../packages/pki/src/errors.js";

const str: GoType = { kind: "string", name: "string" };
const int: GoType = { kind: "int", name: "int", bits: 64 };
const u8: GoType = { kind: "int", name: "uint8", bits: 8, unsigned: true };
const bool: GoType = { kind: "bool", name: "bool" };
const inner: GoType = { kind: "struct", name: "pkg.Inner", fields: [{ json: "a", type: str }, { json: "b", type: int }] };
const custom: GoType = {
  kind: "custom",
  name: "pkg.Custom",
  unmarshal: (raw, field) => {
    const text = new TextDecoder().decode(raw);
    if (text !== '"ok"') throw new PkiError("input-invalid", `custom refused ${text}`, { field });
    return "ok";
  },
};
const T: GoType = {
  kind: "struct",
  name: "pkg.Outer",
  fields: [
    { json: "s", type: str },
    { json: "n", type: int },
    { json: "small", type: u8 },
    { json: "flag", type: bool },
    { json: "list", type: { kind: "slice", name: "[]string", elem: str } },
    { json: "items", type: { kind: "slice", name: "[]pkg.Inner", elem: inner } },
    { json: "inner", type: inner },
    { json: "ptr", type: { kind: "ptr", elem: inner } },
    { json: "map", type: { kind: "map", name: "map[string]pkg.Inner", elem: inner } },
    { json: "raw", type: { kind: "bytes", name: "[]uint8" } },
    { json: "c", type: custom },
    { json: "iface", type: { kind: "interface", name: "pkg.Iface", empty: false } },
    { json: "any", type: { kind: "interface", name: "interface {}", empty: true } },
    { json: "Fold", type: str },
  ],
};

type Obj = Record<string, unknown>;
const decode = (text: string): Obj => unmarshalGoJson(text, T) as Obj;
function errorOf(text: string): string {
  try {
    decode(text);
  } catch (e) {
    if (e instanceof PkiError) return e.message;
    throw e;
  }
  return "no error";
}

describe("unmarshalGoJson: which error Go returns", () => {
  it.each([
    // The first type error in the text, not in field order.
    ['{"flag":"x","s":5}', "json: cannot unmarshal string into Go struct field Outer.flag of type bool"],
    ['{"items":[{"b":"x"}],"s":5}', "json: cannot unmarshal string into Go struct field Inner.items.b of type int"],
    // An UnmarshalJSON error ends decoding and wins over an earlier saved type error.
    ['{"s":5,"c":"bad"}', "custom refused \"bad\""],
    // A repeated key: its earlier value's type error counts.
    ['{"s":5,"s":"fine"}', "json: cannot unmarshal number into Go struct field Outer.s of type string"],
    // Ints: the literal's text, ParseInt's rules and the kind's range.
    ['{"n":1.0}', "json: cannot unmarshal number 1.0 into Go struct field Outer.n of type int"],
    ['{"n":1e2}', "json: cannot unmarshal number 1e2 into Go struct field Outer.n of type int"],
    ['{"n":9223372036854775808}', "json: cannot unmarshal number 9223372036854775808 into Go struct field Outer.n of type int"],
    ['{"small":256}', "json: cannot unmarshal number 256 into Go struct field Outer.small of type uint8"],
    ['{"small":-1}', "json: cannot unmarshal number -1 into Go struct field Outer.small of type uint8"],
    // A type error names the pointer's element type, the map's type, the slice's type.
    ['{"ptr":5}', "json: cannot unmarshal number into Go struct field Outer.ptr of type pkg.Inner"],
    ['{"map":[]}', "json: cannot unmarshal array into Go struct field Outer.map of type map[string]pkg.Inner"],
    ['{"list":{}}', "json: cannot unmarshal object into Go struct field Outer.list of type []string"],
    ['{"map":{"k":{"a":true}}}', "json: cannot unmarshal bool into Go struct field Inner.map.a of type string"],
    // An interface with methods takes only null.
    ['{"iface":"x"}', "json: cannot unmarshal string into Go struct field Outer.iface of type pkg.Iface"],
    ['{"iface":{}}', "json: cannot unmarshal object into Go struct field Outer.iface of type pkg.Iface"],
    // []byte: base64, Go's byte offsets.
    ['{"raw":"ab!="}', "illegal base64 data at input byte 2"],
    ['{"raw":"é!"}', "illegal base64 data at input byte 0"],
    ['{"raw":"abc"}', "illegal base64 data at input byte 0"],
    // Not an object at all: Go's "Go value" wording; syntax errors are Go's.
    ["[1]", "json: cannot unmarshal array into Go value of type pkg.Outer"],
    ['{"s":}', "invalid character '}' looking for beginning of value"],
  ])("%s → %s", (text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it("decodes every field after a saved type error, so a later custom error still wins", () => {
    expect(errorOf('{"n":"x","items":[{"b":"y"}],"c":1}')).toBe("custom refused 1");
  });
});

describe("unmarshalGoJson: values", () => {
  it("routes keys exactly first, else to the first field that folds the same", () => {
    expect(decode('{"FOLD":"x"}').Fold).toBe("x");
    expect(decode('{"S":"upper"}').s).toBe("upper");
  });

  it("merges a repeated struct key into the earlier value", () => {
    expect(decode('{"inner":{"a":"x"},"inner":{"b":2}}').inner).toEqual({ a: "x", b: 2n });
    expect(decode('{"ptr":{"a":"x"},"ptr":{"b":2}}').ptr).toEqual({ a: "x", b: 2n });
  });

  it("decodes a repeated slice into its existing elements, then cuts it to the new length", () => {
    const v = decode('{"items":[{"a":"x","b":1},{"a":"y"}],"items":[{"b":5}]}');
    expect(v.items).toEqual([{ a: "x", b: 5n }]);
  });

  it("gives each map value a fresh element, and keeps the map's other keys", () => {
    const v = decode('{"map":{"k":{"a":"x"}},"map":{"k":{"b":1},"j":{}}}');
    expect(v.map).toEqual({ k: { a: "", b: 1n }, j: { a: "", b: 0n } });
  });

  it("null zeroes pointers, maps, slices and interfaces and leaves other kinds alone", () => {
    const v = decode('{"s":"x","s":null,"list":["a"],"list":null,"ptr":{},"ptr":null,"n":3,"n":null,"flag":true,"flag":null}');
    expect([v.s, v.list, v.ptr, v.n, v.flag]).toEqual(["x", undefined, undefined, 3n, true]);
  });

  it("an empty array is an empty, non-nil slice; absent stays nil", () => {
    expect(decode('{"list":[]}').list).toEqual([]);
    expect(decode("{}").list).toBeUndefined();
  });

  it("[]byte takes base64 text or an array of uint8", () => {
    expect([...(decode('{"raw":"AQI="}').raw as Uint8Array)]).toEqual([1, 2]);
    expect([...(decode('{"raw":[3,4]}').raw as Uint8Array)]).toEqual([3, 4]);
  });

  it("interface{} takes anything; unknown keys are skipped at any depth", () => {
    expect(decode('{"any":{"x":[1,"y"]},"unknown":[[[{"deep":[]}]]]}').any).toEqual({ x: [1, "y"] });
  });

  it("starts from the value given (a pointer cfssl allocated beforehand) and decodes over it", () => {
    const start = goZero(T) as Obj;
    start.inner = { a: "preset", b: 7n };
    const v = unmarshalGoJson('{"inner":{"b":1}}', T, start) as Obj;
    expect(v.inner).toEqual({ a: "preset", b: 1n });
  });
});
