// Unit tests of packages/pki/src/asn1/der.ts against X.690 encodings.
import { describe, expect, it } from "vitest";
import { isPkiError } from "@k8s/pki";
import { decodeDer, integer, oid, setOf, time, tlv, unsignedInteger, printableString, utf8String } from "../../../packages/pki/src/asn1/der.js";
import { parseGoGeneralizedTime, parseGoUtcTime } from "../../../packages/pki/src/asn1/go-time.js";

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
    for (const [h, read] of [["0200", "toBigInt"], ["06022a86", "toOid"], ["02020001", "toBigInt"], ["010101", "toBoolean"], ["030107", "toBitString"]] as const) {
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
    const t = der(want);
    const read = t.tag === 0x17 ? parseGoUtcTime(t.content.toString("latin1")) : parseGoGeneralizedTime(t.content.toString("latin1"));
    expect(read?.toISOString()).toBe(new Date(iso).toISOString());
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
    expect(der("0c02c3bc").content.toString("utf8")).toBe("ü");
  });
});

describe("Go's DER reading rules", () => {
  const code = (h: string, highTags = false): string => {
    try {
      decodeDer(Buffer.from(h, "hex"), "input-invalid", highTags);
      return "ok";
    } catch (e) {
      return isPkiError(e) ? e.message : `not a PkiError: ${String(e)}`;
    }
  };
  it.each([
    ["high tag number, refused as cryptobyte does", "1f2100", false, /high tag/],
    ["high tag number, read as encoding/asn1 does", "1f2100", true, /^ok$/],
    ["high tag number written in more octets than needed", "1f0100", true, /non-minimal tag/],
    ["high tag number with a leading 0x80", "1f802100", true, /not minimally encoded/],
    ["length with a leading zero octet", "0481000100", false, /leading zeros|non-minimal/],
    ["long form for a short length", "048101" + "00", false, /non-minimal length/],
    ["indefinite length", "3080", false, /indefinite/],
    ["length past the input", "0405000000", false, /truncated/],
  ])("%s", (_what, h, high, want) => {
    expect(code(h, high)).toMatch(want);
  });

  it.each([
    ["an arc of 2^31-1", "06062a87ffffff7f", "1.2.2147483647"],
    ["the first arc above 80", "06028837", "2.999"],
  ])("reads OID %s", (_what, h, dotted) => {
    expect(decodeDer(Buffer.from(h, "hex")).toOid()).toBe(dotted);
  });

  it.each([
    ["an arc of 2^31", "06062a8880808000"],
    ["an arc of six octets", "06072a818080808000"],
    ["an arc with a leading 0x80", "06032a807f"],
    ["a truncated arc", "06022a86"],
    ["no arcs", "0600"],
  ])("refuses OID %s", (_what, h) => {
    expect(() => decodeDer(Buffer.from(h, "hex")).toOid()).toThrow(expect.objectContaining({ name: "PkiError" }));
  });

  it("reads a 240 KB INTEGER in linear time, and refuses it where Go wants an int64", () => {
    const body = Buffer.alloc(240_000, 0x7f);
    const len = Buffer.from([0x83, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]);
    const node = decodeDer(Buffer.concat([Buffer.from([0x02]), len, body]));
    const t0 = performance.now();
    expect(node.toBigInt() > 0n).toBe(true);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(() => node.toInt64()).toThrow(/too large/);
    expect(() => node.toNumber()).toThrow(/too large/);
  });

  it("right-aligns a BIT STRING as Go's RightAlign", () => {
    // 0b1010_0000 0b1100_0000 with 6 unused bits -> 10 bits 1010000011 -> 0b10 0b1000_0011
    expect(decodeDer(Buffer.from("030306a0c0", "hex")).toRightAlignedBits().toString("hex")).toBe("0283");
  });
});
