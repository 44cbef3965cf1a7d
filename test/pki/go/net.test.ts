// Tests for the Go net.ParseIP / net.IP.String port (go/net.ts), checked against Go 1.26.

import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { parseGoIp, ipForSan, formatIp, parseGoCidr } from "../../../packages/pki/src/go/net.js";

describe("parseGoIp", () => {
  // The first 26 rows are Go's src/net/ip_test.go parseIPTests; the rest were
  // added here. Expected is Go's ParseIP(s).String(), or undefined for nil.
  it.each<[string, string | undefined]>([
    ["127.0.1.2", "127.0.1.2"],
    ["127.0.0.1", "127.0.0.1"],
    ["::ffff:127.1.2.3", "127.1.2.3"],
    ["::ffff:7f01:0203", "127.1.2.3"],
    ["0:0:0:0:0000:ffff:127.1.2.3", "127.1.2.3"],
    ["0:0:0:0::ffff:127.1.2.3", "127.1.2.3"],
    ["2001:4860:0:2001::68", "2001:4860:0:2001::68"],
    ["2001:4860:0000:2001:0000:0000:0000:0068", "2001:4860:0:2001::68"],
    ["-0.0.0.0", undefined],
    ["0.-1.0.0", undefined],
    ["0.0.-2.0", undefined],
    ["0.0.0.-3", undefined],
    ["127.0.0.256", undefined],
    ["abc", undefined],
    ["123:", undefined],
    ["fe80::1%lo0", undefined],
    ["fe80::1%911", undefined],
    ["", undefined],
    ["0:0:0:0:000000:ffff:127.1.2.3", undefined],
    ["0:0:0:0:00000:ffff:127.1.2.3", undefined],
    ["a1:a2:a3:a4::b1:b2:b3:b4", undefined],
    ["127.001.002.003", undefined],
    ["::ffff:127.001.002.003", undefined],
    ["123.000.000.000", undefined],
    ["1.2..4", undefined],
    ["0123.0.0.1", undefined],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    ["1.2.3", undefined],
    ["1.2.3.4.5", undefined],
    ["1.2.3.4 ", undefined],
    [" 1.2.3.4", undefined],
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    ["1:2:3:4:5:6:7:8:9", undefined],
    ["1::2::3", undefined],
    ["::1.2.3.4", "::102:304"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
    ["1:2:3:4:5:6:7:1.2.3.4", undefined],
    ["FE80::ABCD", "fe80::abcd"],
    ["2001:db8::1%", undefined],
    ["[::1]", undefined],
  ])("parses %j as Go does", (s, want) => {
    const ip = parseGoIp(s);
    expect(ip === undefined ? undefined : formatIp(ip)).toBe(want);
  });

  it("returns 4 bytes for dotted IPv4 and 16 for IPv6, v4-mapped included", () => {
    expect(parseGoIp("10.0.0.1")).toEqual(Uint8Array.from([10, 0, 0, 1]));
    expect(parseGoIp("::ffff:10.0.0.1")).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]));
    expect(parseGoIp("2001:db8::1")?.length).toBe(16);
  });
});

describe("ipForSan", () => {
  it.each<[string, number[]]>([
    ["10.0.0.1", [10, 0, 0, 1]],
    ["::ffff:10.0.0.1", [10, 0, 0, 1]],
    ["::1", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
    ["::10.0.0.1", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1]],
  ])("gives x509's To4 bytes for %s", (s, want) => {
    expect(ipForSan(parseGoIp(s)!)).toEqual(Uint8Array.from(want));
  });
});

describe("formatIp", () => {
  // Go's src/net/ip_test.go ipStringTests.
  it.each<[number[], string]>([
    [[192, 0, 2, 1], "192.0.2.1"],
    [[0, 0, 0, 0], "0.0.0.0"],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1], "192.0.2.1"],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0], "0.0.0.0"],
    [[0x20, 0x1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0x1, 0x23, 0, 0x12, 0, 0x1], "2001:db8::123:12:1"],
    [[0x20, 0x1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1], "2001:db8::1"],
    [[0x20, 0x1, 0xd, 0xb8, 0, 0, 0, 0x1, 0, 0, 0, 0x1, 0, 0, 0, 0x1], "2001:db8:0:1:0:1:0:1"],
    [[0x20, 0x1, 0xd, 0xb8, 0, 0x1, 0, 0, 0, 0x1, 0, 0, 0, 0x1, 0, 0], "2001:db8:1:0:1:0:1:0"],
    [[0x20, 0x1, 0, 0, 0, 0, 0, 0, 0, 0x1, 0, 0, 0, 0, 0, 0x1], "2001::1:0:0:1"],
    [[0x20, 0x1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0x1, 0, 0, 0, 0, 0, 0], "2001:db8:0:0:1::"],
    [[0x20, 0x1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0x1, 0, 0, 0, 0, 0, 0x1], "2001:db8::1:0:0:1"],
    [[0x20, 0x1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0xa, 0, 0xb, 0, 0xc, 0, 0xd], "2001:db8::a:b:c:d"],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "::"],
    [[], "<nil>"],
    [[1, 2, 3], "?010203"],
  ])("formats %j as %j", (bytes, want) => {
    expect(formatIp(Uint8Array.from(bytes))).toBe(want);
  });
});

describe("parseGoCidr", () => {
  // Expected is Go 1.26's net.ParseCIDR(s): the IP's String(), the mask's ones and bits; undefined for an error.
  // Go's dtoi takes leading zeros in the prefix length (netip.ParsePrefix would not).
  it.each<[string, [string, number, number] | undefined]>([
    ["10.0.0.0/8", ["10.0.0.0", 8, 32]],
    ["10.0.0.5/8", ["10.0.0.5", 8, 32]],
    ["10.0.0.0/08", ["10.0.0.0", 8, 32]],
    ["10.0.0.0/008", ["10.0.0.0", 8, 32]],
    ["0.0.0.0/0", ["0.0.0.0", 0, 32]],
    ["255.255.255.255/32", ["255.255.255.255", 32, 32]],
    ["fd00::/64", ["fd00::", 64, 128]],
    ["::ffff:10.0.0.0/104", ["10.0.0.0", 104, 128]],
    ["2001:db8::1/0128", ["2001:db8::1", 128, 128]],
    ["1.2.3.4/33", undefined],
    ["::ffff:10.0.0.0/129", undefined],
    ["1.2.3.4/+8", undefined],
    ["1.2.3.4/-1", undefined],
    ["1.2.3.4/ 8", undefined],
    ["1.2.3.4//8", undefined],
    ["1.2.3.4/", undefined],
    ["1.2.3.4", undefined],
    ["01.2.3.4/8", undefined],
    ["1.2.3.4/16777216", undefined],
    ["1.2.3.4%eth0/8", undefined],
    ["fe80::1%eth0/64", undefined],
    ["/8", undefined],
  ])("parses %j as Go does", (s, want) => {
    const c = parseGoCidr(s);
    expect(c === undefined ? undefined : [formatIp(c.ip), c.bits, c.ip.length * 8]).toEqual(want);
  });

  it("returns 4 bytes for dotted IPv4 and 16 for IPv6, as parseGoIp does", () => {
    expect(parseGoCidr("10.0.0.0/8")?.ip).toEqual(Uint8Array.from([10, 0, 0, 0]));
    expect(parseGoCidr("::ffff:10.0.0.0/104")?.ip.length).toBe(16);
  });
});

describe("host parser properties", () => {
  it("round-trips formatted addresses through the parser", () => {
    const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
    const ipv6 = fc.array(fc.constantFrom(0, 0, 0, 1, 0xff, 0xab), { minLength: 16, maxLength: 16 }).map((a) => Uint8Array.from(a));
    fc.assert(
      fc.property(fc.oneof(ipv4, ipv6), (bytes) => {
        const again = parseGoIp(formatIp(bytes));
        expect(again).toBeDefined();
        expect(ipForSan(again!)).toEqual(ipForSan(bytes));
      }),
    );
  });
});
