// Tests for the Go encoding/json syntax check (go/json/scanner.ts) through parseGoJson: Go 1.26's error texts.

import { describe, it, expect } from "vitest";
import { parseGoJson } from "../../../../packages/pki/src/go/json/value.js";
import { PkiError } from "../../../../packages/pki/src/errors.js";

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
});
