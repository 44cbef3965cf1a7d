// decodePem is Go 1.26's pem.Decode step for step. The expectations below are
// what Go returns for each text (checked against Go's own pem.Decode when they
// were written; test/pki/go-differential.test.ts checks thousands more in CI).
import { describe, expect, it } from "vitest";
import { decodePem, decodePemBlocks, encodePem } from "@k8s/pki";
import { encodePemBlock } from "../../packages/pki/src/pem.js";

const B = "-----BEGIN X-----\n";
const E = "-----END X-----\n";
const body = "AQID\n"; // the bytes 01 02 03

type Want = null | { type?: string; headers?: Record<string, string>; bytes: string; rest?: string };

const CASES: [string, string, Want][] = [
  ["a plain block", B + body + E, { bytes: "010203" }],
  ["text before BEGIN on the same line", "note: " + B + body + E, null],
  ["a byte-order mark before BEGIN", "\ufeff" + B + body + E, null],
  ["BEGIN with a trailing space and tab (trimmed)", "-----BEGIN X----- \t\n" + body + E, { bytes: "010203" }],
  ["CRLF line ends", "-----BEGIN X-----\r\nAQID\r\n-----END X-----\r\n", { bytes: "010203" }],
  ["a form feed in the base64", B + "AQ\fID\n" + E, null],
  ["a vertical tab in the base64", B + "AQ\vID\n" + E, null],
  ["a no-break space in the base64", B + "AQ\u00a0ID\n" + E, null],
  ["spaces and tabs in the base64 (skipped)", B + "A Q\tI D\n" + E, { bytes: "010203" }],
  ["base64 without padding", B + "AQI\n" + E, null],
  ["text after END on its line", B + body + "-----END X----- trailing\n", null],
  ["END on the last base64 line", B + "AQID-----END X-----\n", null],
  ["an END of another type", B + body + "-----END Y-----\n", null],
  ["headers and a blank line", B + "Proc-Type: 4,ENCRYPTED\nDEK-Info: x\n\n" + body + E, { headers: { "Proc-Type": "4,ENCRYPTED", "DEK-Info": "x" }, bytes: "010203" }],
  ["a header without a blank line", B + "Proc-Type: 4,ENCRYPTED\n" + body + E, { headers: { "Proc-Type": "4,ENCRYPTED" }, bytes: "010203" }],
  ["a header key with an underscore and a digit", B + "X_a9: v\n\n" + body + E, { headers: { X_a9: "v" }, bytes: "010203" }],
  ["header key and value trimmed", B + "  K  :   v v  \n\n" + body + E, { headers: { K: "v v" }, bytes: "010203" }],
  ["header value trimmed of U+00A0 and U+0085 (unicode.IsSpace)", B + "K: \u00a0v\u0085\n\n" + body + E, { headers: { K: "v" }, bytes: "010203" }],
  ["header key trimmed of U+3000", B + "\u3000K\u3000: v\n\n" + body + E, { headers: { K: "v" }, bytes: "010203" }],
  ["header value trimmed of vertical tab and form feed", B + "K:\v v \f\n\n" + body + E, { headers: { K: "v" }, bytes: "010203" }],
  ["a bad block, then a good one", B + "!!!!\n" + E + B + body + E, { bytes: "010203" }],
  ["two BEGINs: the last one before END", B + B + body + E, { bytes: "010203" }],
  ["an empty block", B + E, { bytes: "" }],
  ["no final newline", B + body + "-----END X-----", { bytes: "010203" }],
  ["text after the block is the rest", B + body + E + "tail\n", { bytes: "010203", rest: "tail\n" }],
];

describe("decodePem (Go's pem.Decode)", () => {
  it.each(CASES)("%s", (_what, text, want) => {
    const got = decodePem(text);
    if (want === null) return expect(got).toBeUndefined();
    expect(got).toBeDefined();
    expect(got!.block.type).toBe(want.type ?? "X");
    expect(got!.block.headers).toEqual(want.headers ?? {});
    expect(got!.block.bytes.toString("hex")).toBe(want.bytes);
    expect(got!.rest.toString("utf8")).toBe(want.rest ?? "");
  });

  it("takes bytes as they are: invalid UTF-8 around a block changes nothing", () => {
    const text = Buffer.concat([Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from(B + body + E)]);
    expect(decodePem(text)?.block.bytes.toString("hex")).toBe("010203");
  });

  it("a lone 0xA0 byte (not UTF-8) is no space to Go: the header keeps it", () => {
    const text = Buffer.concat([Buffer.from(B + "K: "), Buffer.from([0xa0, 0x76, 0xa0]), Buffer.from("\n\n" + body + E)]);
    expect(decodePem(text)?.block.headers).toEqual({ K: "\u00a0v\u00a0" });
  });

  it("decodePemBlocks finds each block on the rest, in order", () => {
    const two = encodePem("A", Buffer.from([1])) + "junk\n" + encodePem("B", Buffer.from([2]));
    expect(decodePemBlocks(two).map((b) => b.type)).toEqual(["A", "B"]);
  });

  it("encodePemBlock writes what Go's pem.Encode writes (Proc-Type first, then sorted headers)", () => {
    const text = encodePemBlock({ type: "X", headers: { b: "2", "Proc-Type": "4,ENCRYPTED", a: "1" }, bytes: Buffer.from([1, 2, 3]) }).toString();
    expect(text).toBe("-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\na: 1\nb: 2\n\nAQID\n-----END X-----\n");
    expect(decodePem(text)?.block.headers).toEqual({ "Proc-Type": "4,ENCRYPTED", a: "1", b: "2" });
  });
});
