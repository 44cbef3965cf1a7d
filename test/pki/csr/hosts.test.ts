// Tests for cfssl's host classification and splitting (csr/hosts.ts) over Go's parsers (net.ParseIP, net/mail, net/url).

import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { classifyHost, splitHosts } from "../../../packages/pki/src/csr/hosts.js";
import type { HostSan } from "../../../packages/pki/src/csr/hosts.js";
import { parseGoMailAddress } from "../../../packages/pki/src/go/mail.js";
import { parseGoIp, ipForSan, formatIp } from "../../../packages/pki/src/go/net.js";
import { parseGoRequestUri } from "../../../packages/pki/src/go/url.js";

describe("classifyHost", () => {
  // cfssl's csr.Generate order: IP, e-mail, URI, else DNS (reference §5).
  it.each<[string, HostSan]>([
    ["10.0.0.1", { type: "ip", ip: Uint8Array.from([10, 0, 0, 1]) }],
    ["::1", { type: "ip", ip: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) }],
    ["user@example.net", { type: "email", email: "user@example.net" }],
    ["Bob <b@x.com>", { type: "email", email: "b@x.com" }],
    ["spiffe://x/y", { type: "uri", uri: "spiffe://x/y" }],
    ["localhost:8080", { type: "uri", uri: "localhost:8080" }],
    ["*", { type: "uri", uri: "*" }],
    ["/foo", { type: "uri", uri: "/foo" }],
    ["HTTP://Example.com", { type: "uri", uri: "http://Example.com" }],
    ["example.net", { type: "dns", dns: "example.net" }],
    ["*.example.net", { type: "dns", dns: "*.example.net" }],
    [" b", { type: "dns", dns: " b" }],
    ["", { type: "dns", dns: "" }],
    ["010.0.0.1", { type: "dns", dns: "010.0.0.1" }],
    ["bücher.de", { type: "dns", dns: "bücher.de" }],
  ])("classifies %j", (h, want) => {
    expect(classifyHost(h)).toEqual(want);
  });
});

describe("splitHosts", () => {
  // cfssl signer.SplitHosts: nil for "", else strings.Split(s, ",").
  it.each<[string, string[]]>([
    ["", []],
    ["a", ["a"]],
    ["a,b", ["a", "b"]],
    ["a, b", ["a", " b"]],
    [",", ["", ""]],
    ["a,,b,", ["a", "", "b", ""]],
  ])("splits %j", (s, want) => {
    expect(splitHosts(s)).toEqual(want);
  });
});

describe("host parser properties", () => {
  const hostish = fc.string({
    unit: fc.constantFrom(..."abAB09.:/@<>\"()[]%25?#*\\ ,;=-_~+!éü\ud800\u0001\t", "=?", "?=", "µ"),
  });
  const anyString = fc.oneof(fc.string({ unit: "binary" }), hostish);

  it("never throws, on any string", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const ip = parseGoIp(s);
        if (ip !== undefined) {
          expect([4, 16]).toContain(ip.length);
          expect([4, 16]).toContain(ipForSan(ip).length);
          expect(typeof formatIp(ip)).toBe("string");
        }
        const mail = parseGoMailAddress(s);
        if (mail !== undefined) expect(mail).toContain("@");
        parseGoRequestUri(s);
        expect(["ip", "email", "uri", "dns"]).toContain(classifyHost(s).type);
        expect(splitHosts(s).join(",")).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });
});
