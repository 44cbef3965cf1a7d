// UTCTime and GeneralizedTime as Go reads them: one spelling per instant.
import { describe, expect, it } from "vitest";
import { parseGoGeneralizedTime, parseGoUtcTime } from "../../../packages/pki/src/asn1/go-time.js";

describe("parseGoUtcTime", () => {
  it.each([
    ["491231235959Z", "2049-12-31T23:59:59.000Z"],
    ["500101000000Z", "1950-01-01T00:00:00.000Z"],
    ["690101000000Z", "1969-01-01T00:00:00.000Z"],
    ["000229000000Z", "2000-02-29T00:00:00.000Z"],
    ["5202290000Z", "1952-02-29T00:00:00.000Z"],
    ["200101000000+0100", "2019-12-31T23:00:00.000Z"],
    ["200101000000-2400", "2020-01-02T00:00:00.000Z"],
    ["written 2049 in a zone west of UTC stays 2049", "491231230000-0100", "2050-01-01T00:00:00.000Z"],
    ["written 1950 in a zone east of UTC stays 1950", "500101000000+0100", "1949-12-31T23:00:00.000Z"],
  ])("reads %s", (...c: string[]) => {
    const [s, iso] = c.length === 3 ? [c[1]!, c[2]!] : [c[0]!, c[1]!];
    expect(parseGoUtcTime(s)?.toISOString()).toBe(iso);
  });

  it.each([
    ["month 13", "201301000000Z"],
    ["February 30", "200230000000Z"],
    ["February 29 of a common year", "210229000000Z"],
    ["hour 24", "200101240000Z"],
    ["second 60", "200101000060Z"],
    ["a zero offset written as +0000 (Go prints Z)", "200101000000+0000"],
    ["offset minute 60", "200101000000+0060"],
    ["offset hour 25", "200101000000+2500"],
    ["no zone", "200101000000"],
    ["a fraction", "200101000000.5Z"],
    ["a sign in the year", "+50101000000Z"],
  ])("refuses %s", (_what, s) => {
    expect(parseGoUtcTime(s)).toBeUndefined();
  });
});

describe("parseGoGeneralizedTime", () => {
  it.each([
    ["20500101000000Z", "2050-01-01T00:00:00.000Z"],
    ["00010101000000Z", "0001-01-01T00:00:00.000Z"],
    ["20200101000000.5Z", "2020-01-01T00:00:00.500Z"],
    ["20200101000000.57Z", "2020-01-01T00:00:00.570Z"],
    ["20240229120000+0130", "2024-02-29T10:30:00.000Z"],
  ])("reads %s", (s, iso) => {
    expect(parseGoGeneralizedTime(s)?.toISOString()).toBe(iso);
  });

  it.each([
    ["a fraction with a trailing zero", "20200101000000.50Z"],
    ["an empty fraction", "20200101000000.Z"],
    ["a comma for the fraction", "20200101000000,5Z"],
    ["ten fraction digits", "20200101000000.1234567891Z"],
    ["month 00", "20200001000000Z"],
    ["February 29 of 1900", "19000229000000Z"],
    ["two-digit year", "200101000000Z"],
  ])("refuses %s", (_what, s) => {
    expect(parseGoGeneralizedTime(s)).toBeUndefined();
  });
});

describe("the certificate reader's GeneralizedTime (cryptobyte: no fraction)", () => {
  it.each([
    ["20200101000000Z", "2020-01-01T00:00:00.000Z"],
    ["20200101000000.5Z", undefined],
  ])("%s", (s, iso) => {
    expect(parseGoGeneralizedTime(s, { fraction: false })?.toISOString()).toBe(iso);
  });
});
