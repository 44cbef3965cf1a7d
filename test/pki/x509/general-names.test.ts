// parseSans is Go's parseSANExtension: what it reads, what it skips, what it refuses.
import { describe, expect, it } from "vitest";
import { isPkiError, parseSans, type SubjectAltNames } from "@k8s/pki";

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");
const ascii = (s: string): string => Buffer.from(s, "latin1").toString("hex");
const gn = (tag: number, content: string): string => tag.toString(16) + (content.length / 2).toString(16).padStart(2, "0") + content;
const seq = (...parts: string[]): Buffer => {
  const c = parts.join("");
  return h("30" + (c.length / 2).toString(16).padStart(2, "0") + c);
};

function read(v: Buffer): Omit<SubjectAltNames, "ip" | "other"> & { ip: string[]; other: number[] } | string {
  try {
    const s = parseSans(v);
    return { dns: s.dns, email: s.email, uri: s.uri, ip: s.ip.map((b) => Buffer.from(b).toString("hex")), other: s.other.map((o) => o.tag) };
  } catch (e) {
    return isPkiError(e) ? `refused: ${e.message}` : `threw ${String(e)}`;
  }
}

describe("parseSans (Go's parseSANExtension)", () => {
  it("reads DNS, email, IP and URI names in order of type, keeping the others aside", () => {
    const v = seq(gn(0x82, ascii("n1")), gn(0x81, ascii("a@b")), gn(0x87, "0a000001"), gn(0x86, ascii("https://n1/x")), gn(0xa0, "0603 2a0304".replace(" ", "") + ""));
    expect(read(v)).toEqual({ dns: ["n1"], email: ["a@b"], ip: ["0a000001"], uri: ["https://n1/x"], other: [0xa0] });
  });

  it("skips a constructed [2] (tag 0xa2 is not a dNSName to Go)", () => {
    expect(read(seq(gn(0xa2, gn(0x16, ascii("evil")))))).toMatchObject({ dns: [], other: [0xa2] });
  });

  it("does not read past the first SEQUENCE (Go ignores trailing bytes there)", () => {
    expect(read(Buffer.concat([seq(gn(0x82, ascii("n1"))), h("ffff")]))).toMatchObject({ dns: ["n1"] });
  });

  it.each([
    ["a DNS name with a byte above 0x7f", seq(gn(0x82, "80")), /dNSName is malformed/],
    ["an email with a byte above 0x7f", seq(gn(0x81, "ff")), /rfc822Name is malformed/],
    ["an IP of 5 bytes", seq(gn(0x87, "0102030405")), /IP address of length 5/],
    ["a URI with a non-ASCII host", seq(gn(0x86, ascii("https://%C3%BC.example/"))), /cannot parse URI/],
    ["a URI with an empty label", seq(gn(0x86, ascii("https://a..b/"))), /cannot parse URI/],
    ["a URI with a control character", seq(gn(0x86, "0a")), /cannot parse URI/],
    ["an http URI whose host has two colons (Go 1.26 strict colons)", seq(gn(0x86, ascii("http://a:1:2/"))), /cannot parse URI/],
    ["no SEQUENCE", h("3102" + gn(0x82, "")), /invalid subject alternative names/],
    ["a truncated name", h("3003820501"), /invalid subject alternative name/],
  ])("refuses %s", (_what, v, want) => {
    expect(read(v)).toMatch(want);
  });

  it.each([
    ["HTTPS://N1/a%20b", "https://N1/a%20b"],
    ["spiffe://c/ns/x", "spiffe://c/ns/x"],
    ["urn:a:b", "urn:a:b"],
    ["/relative#frag ment", "/relative#frag%20ment"],
    ["mongodb://h1:1,h2:2/db", "mongodb://h1:1,h2:2/db"],
  ])("prints URI %s as Go's URL.String(): %s", (uri, want) => {
    expect(read(seq(gn(0x86, ascii(uri))))).toMatchObject({ uri: [want] });
  });
});
