// Tests for the Go net/url.ParseRequestURI + URL.String port (go/url.ts), checked against Go 1.26.

import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { parseGoRequestUri } from "../../../packages/pki/src/go/url.js";

describe("parseGoRequestUri", () => {
  // Go's src/net/url/url_test.go parseRequestURLTests, then cfssl-style hosts.
  // Expected is ParseRequestURI(s).String() from Go 1.26 built for a `go 1.18`
  // module (cfssl's go.mod), i.e. with GODEBUG urlstrictcolons=0: that is why
  // the last three rows of Go's table (invalid under strict colons) pass here.
  it.each<[string, string | undefined]>([
    ["http://foo.com", "http://foo.com"],
    ["http://foo.com/", "http://foo.com/"],
    ["http://foo.com/path", "http://foo.com/path"],
    ["/", "/"],
    ["//not.a.user@not.a.host/just/a/path", "//not.a.user@not.a.host/just/a/path"],
    ["//not.a.user@%66%6f%6f.com/just/a/path/also", "//not.a.user@%66%6f%6f.com/just/a/path/also"],
    ["*", "*"],
    ["http://192.168.0.1/", "http://192.168.0.1/"],
    ["http://192.168.0.1:8080/", "http://192.168.0.1:8080/"],
    ["http://[fe80::1]/", "http://[fe80::1]/"],
    ["http://[fe80::1]:8080/", "http://[fe80::1]:8080/"],
    ["http://[fe80::1%25en0]/", "http://[fe80::1%25en0]/"],
    ["http://[fe80::1%25en0]:8080/", "http://[fe80::1%25en0]:8080/"],
    ["http://[fe80::1%25%65%6e%301-._~]/", "http://[fe80::1%25en01-._~]/"],
    ["http://[fe80::1%25%65%6e%301-._~]:8080/", "http://[fe80::1%25en01-._~]:8080/"],
    ["foo.html", undefined],
    ["../dir/", undefined],
    [" http://foo.com", undefined],
    ["http://192.168.0.%31/", undefined],
    ["http://192.168.0.%31:8080/", undefined],
    ["http://[fe80::%31]/", undefined],
    ["http://[fe80::%31]:8080/", undefined],
    ["http://[fe80::%31%25en0]/", undefined],
    ["http://[fe80::%31%25en0]:8080/", undefined],
    ["http://[fe80::1%en0]/", undefined],
    ["http://[fe80::1%en0]:8080/", undefined],
    ["https://[1:2:3:4:5:6:7:8]", "https://[1:2:3:4:5:6:7:8]"],
    ["https://[2001:db8::a:b:c:d]", "https://[2001:db8::a:b:c:d]"],
    ["https://[fe80::1%25eth0]", "https://[fe80::1%25eth0]"],
    ["https://[fe80::abc:def%254]", "https://[fe80::abc:def%254]"],
    ["https://[2001:db8::1]/path", "https://[2001:db8::1]/path"],
    ["https://[fe80::1%25eth0]/path?query=1", "https://[fe80::1%25eth0]/path?query=1"],
    ["https://[::ffff:192.0.2.1]", "https://[::ffff:192.0.2.1]"],
    ["https://[:1] ", undefined],
    ["https://[1:2:3:4:5:6:7:8:9]", undefined],
    ["https://[1::1::1]", undefined],
    ["https://[1:2:3:]", undefined],
    ["https://[ffff::127.0.0.4000]", undefined],
    ["https://[0:0::test.com]:80", undefined],
    ["https://[2001:db8::test.com]", undefined],
    ["https://[test.com]", undefined],
    ["https://1:2:3:4:5:6:7:8", "https://1:2:3:4:5:6:7:8"],
    ["https://1:2:3:4:5:6:7:8:80", "https://1:2:3:4:5:6:7:8:80"],
    ["https://example.com:80:", "https://example.com:80:"],
    ["localhost:8080", "localhost:8080"],
    ["example.com:443", "example.com:443"],
    ["spiffe://cluster.local/ns/default/sa/web", "spiffe://cluster.local/ns/default/sa/web"],
    ["HTTPS://Example.COM/A%7eB", "https://Example.COM/A%7eB"],
    ["http://example.com/a b", "http://example.com/a%20b"],
    ["http://example.com/a%zzb", undefined],
    ["http://example.com/%2Fa", "http://example.com/%2Fa"],
    ["http://example.com/é", "http://example.com/%C3%A9"],
    ["http://exa mple.com/", undefined],
    ["http://user:pa%20ss@example.com/", "http://user:pa%20ss@example.com/"],
    ["http://us@er@example.com/", "http://us%40er@example.com/"],
    ["http://[::1]x/", undefined],
    ["http://h:port/", undefined],
    ["/foo#bar", "/foo%23bar"],
    ["http://example.com/p#frag", "http://example.com/p%23frag"],
    ["http://example.com/p?q#frag", "http://example.com/p?q#frag"],
    ["mailto:user@example.com", "mailto:user@example.com"],
    ["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"],
    ["foo:", "foo:"],
    ["foo:?", "foo:?"],
    ["foo:bar?", "foo:bar?"],
    ["file:///etc/hosts", "file:///etc/hosts"],
    ["http:///x", "http:///x"],
    [":foo", undefined],
    ["1http://x", undefined],
    ["a\\b:c", undefined],
    ["http://x/%41", "http://x/%41"],
    ["http://x?a=b", "http://x?a=b"],
    ["http://x/a?b?c", "http://x/a?b?c"],
    ["", undefined],
    ["http://x/\u0001", undefined],
    ["http://x/\u007f", undefined],
  ])("parses %j as Go does", (s, want) => {
    expect(parseGoRequestUri(s)).toBe(want);
  });
});

describe("host parser properties", () => {
  const hostish = fc.string({
    unit: fc.constantFrom(..."abAB09.:/@<>\"()[]%25?#*\\ ,;=-_~+!éü\ud800\u0001\t", "=?", "?=", "µ"),
  });
  const anyString = fc.oneof(fc.string({ unit: "binary" }), hostish);

  it("is idempotent on the URIs it produces", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const uri = parseGoRequestUri(s);
        if (uri !== undefined) expect(parseGoRequestUri(uri)).toBe(uri);
      }),
      { numRuns: 1000 },
    );
  });
});
