// Unit tests of packages/pki/src/x509/name.ts: Go's pkix.Name.ToRDNSequence
// order and encoding/asn1's string types, read back with an independent DER
// walker (test/helpers/der-walk.ts).
import { describe, expect, it } from "vitest";
import { emptyName, type DistinguishedName } from "@k8s/pki";
import { encodeName, formatName, isPrintable } from "../../../packages/pki/src/x509/name.js";
import { decodeDer, oid, printableString, seq, set } from "../../../packages/pki/src/asn1/der.js";
import { parseCertificateName, parseCsrName, parseName } from "../../../packages/pki/src/x509/name.js";
import { tlv } from "../../../packages/pki/src/asn1/der.js";
import { nameRdns, walk } from "../../helpers/der-walk.js";

const PRINTABLE = 0x13;
const UTF8 = 0x0c;

const name = (n: Partial<DistinguishedName>): DistinguishedName => ({ ...emptyName(), ...n });

describe("encodeName: Go's RDN order", () => {
  it("C, ST, L, street, postalCode, O, OU, CN, serialNumber, then extra names one RDN each in order", () => {
    const dn = name({
      commonName: "cn",
      serialNumber: "sn",
      organizationalUnit: ["ou"],
      organization: ["o"],
      postalCode: ["pc"],
      streetAddress: ["st"],
      locality: ["l"],
      province: ["p"],
      country: ["US"],
      extraNames: [
        { type: "1.2.840.113549.1.9.1", value: "e@x" },
        { type: "1.2.3.4", value: "custom" },
      ],
    });
    const rdns = nameRdns(walk(encodeName(dn)));
    expect(rdns.map((r) => r.map((a) => a.type))).toEqual([
      ["2.5.4.6"], ["2.5.4.8"], ["2.5.4.7"], ["2.5.4.9"], ["2.5.4.17"], ["2.5.4.10"], ["2.5.4.11"], ["2.5.4.3"], ["2.5.4.5"],
      ["1.2.840.113549.1.9.1"], ["1.2.3.4"],
    ]);
  });

  it("several values of one type form one multi-valued RDN, its members in DER (SET OF) order", () => {
    const rdns = nameRdns(walk(encodeName(name({ organization: ["system:masters", "b", "aa"] }))));
    expect(rdns).toHaveLength(1);
    expect(rdns[0]!.map((a) => a.value)).toEqual(["b", "aa", "system:masters"]); // shorter encodings sort first
  });

  it("an empty name is an empty SEQUENCE", () => {
    expect(encodeName(emptyName()).toString("hex")).toBe("3000");
  });
});

describe("string types: PrintableString when Go can, else UTF8String", () => {
  it.each([
    ["Example Inc", PRINTABLE],
    ["O'Reilly (UK), Ltd. +/-=:?", PRINTABLE],
    ["A&B", UTF8],
    ["x*y", UTF8],
    ["ops@example.com", UTF8],
    ["under_score", UTF8],
    ["semi;colon", UTF8],
    ["ünïcödé", UTF8],
    ['"quoted"', UTF8],
    ["tab\there", UTF8],
  ])("%j -> tag 0x%s", (value, tag) => {
    expect(isPrintable(value)).toBe(tag === PRINTABLE);
    const rdns = nameRdns(walk(encodeName(name({ commonName: value }))));
    expect(rdns[0]![0]).toEqual({ type: "2.5.4.3", tag, value });
  });
});

describe("an extra name of a standard type replaces that field (Go's appendRDNs)", () => {
  it("a CN in extraNames suppresses the commonName field", () => {
    const rdns = nameRdns(walk(encodeName(name({ country: ["US"], commonName: "field", extraNames: [{ type: "2.5.4.3", value: "extra" }] }))));
    expect(rdns.flat().map((a) => [a.type, a.value])).toEqual([["2.5.4.6", "US"], ["2.5.4.3", "extra"]]);
  });
});

describe("parseName (Go's FillFromRDNSequence)", () => {
  it("keeps every attribute in order, the last CN wins, unknown types become extra names", () => {
    const atv = (t: string, v: string) => seq(oid(t), printableString(v));
    const encoded = seq(set(atv("2.5.4.6", "US")), set(atv("2.5.4.3", "first")), set(atv("2.5.4.3", "second")), set(atv("1.2.3", "x")));
    const parsed = parseName(decodeDer(encoded, "certificate-parse-failed"));
    expect(parsed.all.map((a) => a.value)).toEqual(["US", "first", "second", "x"]);
    expect(parsed.commonName).toBe("second");
    expect(parsed.country).toEqual(["US"]);
    expect(parsed.extraNames).toEqual([{ type: "1.2.3", value: "x" }]);
    expect(parsed.raw.equals(encoded)).toBe(true);
    expect(formatName(parsed.all)).toBe("C=US, CN=first, CN=second, 1.2.3=x");
  });
});

// One attribute value of each kind, as a CSR's subject (encoding/asn1 into an
// `any`) and as a certificate's (cryptobyte parseName) read it.
describe("subject values: the CSR reader and the certificate reader differ as Go's do", () => {
  const value = (tag: number, hex: string) => tlv(tag, Buffer.from(hex, "hex"));
  const read = (parse: typeof parseCsrName, v: Buffer): string | null | "refused" => {
    const n = seq(set(seq(oid("2.5.4.3"), v)));
    try {
      return parse(decodeDer(n, "csr-parse-failed", true)).all[0]!.value;
    } catch {
      return "refused";
    }
  };
  it.each([
    // [what, tag, content hex, CSR reading, certificate reading]
    ["PrintableString", 0x13, "6e31", "n1", "n1"],
    ["PrintableString with '*' and '&' (Go lets them through)", 0x13, "2a26", "*&", "*&"],
    ["PrintableString with '@'", 0x13, "40", "refused", "refused"],
    ["UTF8String", 0x0c, "c3bc", "ü", "ü"],
    ["invalid UTF8String", 0x0c, "c3", "refused", "refused"],
    ["T61String, read as Latin-1", 0x14, "fc", "ü", "ü"],
    ["IA5String", 0x16, "6e", "n", "n"],
    ["IA5String with a high byte", 0x16, "80", "refused", "refused"],
    ["NumericString", 0x12, "3120", "1 ", "1 "],
    ["NumericString with a letter", 0x12, "61", "refused", "refused"],
    ["BMPString, a trailing NUL dropped", 0x1e, "006e00310000", "n1", "n1"],
    ["BMPString of odd length", 0x1e, "006e00", "refused", "refused"],
    ["BMPString with a surrogate", 0x1e, "d800", "refused", "refused"],
    ["VisibleString (a nil value in a CSR)", 0x1a, "6e31", null, "refused"],
    ["UniversalString (a nil value in a CSR)", 0x1c, "0000006e", null, "refused"],
    ["UniversalString above U+10FFFF", 0x1c, "00110000", null, "refused"],
    ["INTEGER (an int64, not a string)", 0x02, "01", null, "refused"],
    ["BOOLEAN TRUE (a bool, not a string)", 0x01, "ff", null, "refused"],
    ["BOOLEAN that is not DER", 0x01, "01", "refused", "refused"],
    ["INTEGER of nine octets", 0x02, "010000000000000000", "refused", "refused"],
    ["UTCTime that is not a time", 0x17, "41", "refused", "refused"],
    ["constructed UTF8String", 0x2c, "0c016e", null, "refused"],
    ["context tag", 0x80, "6e", null, "refused"],
  ])("%s", (_what, tag, hex, csr, cert) => {
    expect(read(parseCsrName, value(tag, hex))).toBe(csr);
    expect(read(parseCertificateName, value(tag, hex))).toBe(cert);
  });

  it("a nil value fills no field but stays in Names, as in Go", () => {
    const n = seq(set(seq(oid("2.5.4.3"), value(0x1a, "6576696c"))), set(seq(oid("2.5.4.10"), printableString("system:nodes"))));
    const parsed = parseCsrName(decodeDer(n, "csr-parse-failed", true));
    expect(parsed.commonName).toBe("");
    expect(parsed.organization).toEqual(["system:nodes"]);
    expect(parsed.all).toEqual([{ type: "2.5.4.3", value: null }, { type: "2.5.4.10", value: "system:nodes" }]);
  });

  it("a CSR attribute may carry elements after its value (encoding/asn1 never reads them); a certificate's too", () => {
    const n = seq(set(seq(oid("2.5.4.3"), printableString("n1"), Buffer.from([0xff, 0xff]))));
    expect(parseCsrName(decodeDer(n, "csr-parse-failed", true)).commonName).toBe("n1");
    expect(parseCertificateName(decodeDer(n, "certificate-parse-failed")).commonName).toBe("n1");
  });
});
