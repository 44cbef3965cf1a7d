// Tests for Go's encoding/json string reading (go/json/string.ts): where a string ends and what Go stores for it.

import { describe, it, expect } from "vitest";
import { readGoJsonString } from "../../../../packages/pki/src/go/json/string.js";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("readGoJsonString", () => {
  it.each<[string, number, string, number]>([
    ['"abc"', 0, "abc", 5],
    ['{"CN":"x"}', 1, "CN", 5],
    ['{"CN":"x"}', 6, "x", 9],
    ['"a\\"b" tail', 0, 'a"b', 6],
    ['"\\u00e9\\/"', 0, "é/", 10],
    ['"\\ud83d\\ude00"', 0, "\u{1f600}", 14],
    ['"\\ud800\\u0041"', 0, "\ufffdA", 14],
  ])("reads %j from %i as Go's unquote does", (text, start, value, end) => {
    expect(readGoJsonString(bytes(text), start)).toEqual({ value, end });
  });

  it("turns each byte of invalid UTF-8 into U+FFFD, as Go's utf8.DecodeRune does", () => {
    expect(readGoJsonString(Uint8Array.from([0x22, 0xe2, 0x82, 0x78, 0x22]), 0)).toEqual({ value: "\ufffd\ufffdx", end: 5 });
  });
});
