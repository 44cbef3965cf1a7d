// Unit tests of packages/pki/src/x509/name.ts: Go's pkix.Name.ToRDNSequence
// order and encoding/asn1's string types, read back with an independent DER
// walker (test/helpers/der-walk.ts).
import { describe, expect, it } from "vitest";
import { emptyName, encodeName, formatName, type DistinguishedName } from "@k8s/pki";
import { isPrintable } from "../../../packages/pki/src/x509/name.js";
import { decodeDer, oid, printableString, seq, set } from "../../../packages/pki/src/asn1/der.js";
import { parseName } from "../../../packages/pki/src/x509/name.js";
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
