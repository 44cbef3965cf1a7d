// Tests for Go's encoding/json key folding (go/json/fold.ts) as unmarshalGoJson routes keys, checked against Go 1.26.

import { describe, it, expect } from "vitest";
import { unmarshalGoJson, type GoType } from "../../../../packages/pki/src/go/json/decode.js";

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
