// Unit tests of packages/pki/src/asn1/der.ts against X.690 encodings.
import { describe, expect, it } from "vitest";
import { isPkiError } from "@k8s/pki";
import { decodeDer, integer, oid, setOf, time, tlv, unsignedInteger, printableString, utf8String } from "../../../packages/pki/src/asn1/der.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const der = (h: string) => decodeDer(Buffer.from(h, "hex"), "certificate-parse-failed");

describe("INTEGER (X.690 8.3: two's complement, minimal)", () => {
  it.each([
    [0, "020100"],
    [1, "020101"],
    [127, "02017f"],
    [128, "02020080"],
    [255, "020200ff"],
    [256, "02020100"],
    [-1, "0201ff"],
    [-128, "020180"],
    [-129, "0202ff7f"],
    [-256, "0202ff00"],
  ])("%d = %s", (n, want) => {
    expect(hex(integer(n))).toBe(want);
    expect(der(want).toNumber()).toBe(n);
  });

  it("big values and unsigned magnitudes (serial numbers)", () => {
    expect(hex(integer(2n ** 64n))).toBe("0209010000000000000000");
    expect(hex(unsignedInteger(Buffer.from("80", "hex")))).toBe("02020080");
    expect(hex(unsignedInteger(Buffer.from("00007f", "hex")))).toBe("02017f");
    expect(hex(unsignedInteger(Buffer.from("0000", "hex")))).toBe("020100");
    expect(der("0209010000000000000000").toBigInt()).toBe(2n ** 64n);
  });
});

describe("OBJECT IDENTIFIER (X.690 8.19)", () => {
  it.each([
    ["2.5.4.3", "0603550403"],
    ["1.2.840.113549", "06062a864886f70d"],
    ["1.2.840.113549.1.1.11", "06092a864886f70d01010b"],
    ["2.999.3", "0603883703"], // X.690 8.19.5's example: first arcs 2.999 give 1079
    ["1.3.6.1.4.1.44363.44", "06092b0601040182da4b2c"],
    ["0.0", "060100"],
  ])("%s = %s", (dotted, want) => {
    expect(hex(oid(dotted))).toBe(want);
    expect(der(want).toOid()).toBe(dotted);
  });

  it.each(["", "1", "1.x", "3.1", "1.40", "1..2", "-1.2"])("%j is refused with a PkiError", (bad) => {
    expect(() => oid(bad)).toThrow(expect.objectContaining({ name: "PkiError" }));
  });
});

describe("lengths (X.690 8.1.3: definite, minimal)", () => {
  it.each([
    [0, "0400"],
    [127, "047f"],
    [128, "048180"],
    [255, "0481ff"],
    [256, "04820100"],
    [65536, "0483010000"],
  ])("%d content octets", (n, prefix) => {
    const enc = tlv(0x04, Buffer.alloc(n));
    expect(hex(enc.subarray(0, prefix.length / 2))).toBe(prefix);
    expect(decodeDer(enc).content.length).toBe(n);
  });

  it.each([
    ["indefinite length", "3080"],
    ["non-minimal long form", "04810100"],
    ["leading zero in a long length", "0482000100"],
    ["content overrun", "0405aabb"],
    ["truncated header", "30"],
    ["trailing data", "0500ff"],
    ["high tag number", "1f0100"],
    ["empty", ""],
  ])("%s: a PkiError with the caller's code", (_name, h) => {
    try {
      der(h);
      expect.unreachable();
    } catch (e) {
      expect(isPkiError(e)).toBe(true);
      expect((e as { code: string }).code).toBe("certificate-parse-failed");
    }
  });

  it("decode errors in content: empty INTEGER, truncated OID, bad time", () => {
    for (const [h, read] of [["0200", "toBigInt"], ["06022a86", "toOid"], ["170548656c6c6f", "toDate"]] as const) {
      expect(() => (der(h) as unknown as Record<string, () => unknown>)[read]!()).toThrow(expect.objectContaining({ name: "PkiError" }));
    }
  });
});

describe("Time (RFC 5280 4.1.2.5)", () => {
  it.each([
    ["2049-12-31T23:59:59Z", "170d3439313233313233353935395a"],
    ["2050-01-01T00:00:00Z", "180f32303530303130313030303030305a"],
    ["1950-01-01T00:00:00Z", "170d3530303130313030303030305a"],
    ["1949-12-31T23:59:59Z", "180f31393439313233313233353935395a"],
  ])("%s: UTCTime through 2049, GeneralizedTime from 2050 and before 1950", (iso, want) => {
    expect(hex(time(new Date(iso)))).toBe(want);
    expect(der(want).toDate().toISOString()).toBe(new Date(iso).toISOString());
  });
});

describe("SET OF and strings", () => {
  it("SET OF members are sorted by their encodings (X.690 11.6)", () => {
    const a = printableString("b");
    const b = printableString("aa");
    expect(hex(setOf([b, a]))).toBe("3107" + hex(a) + hex(b)); // "b" is shorter, so its encoding sorts first
  });

  it("PrintableString is Latin-1 bytes; UTF8String is UTF-8", () => {
    expect(hex(printableString("Ab1"))).toBe("1303416231");
    expect(hex(utf8String("ü"))).toBe("0c02c3bc");
    expect(der("0c02c3bc").toText()).toBe("ü");
  });
});
