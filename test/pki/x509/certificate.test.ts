// Unit tests of packages/pki/src/x509/certificate.ts: crafted certificates,
// each exercising one rule of Go's crypto/x509 parseCertificate (parser.go,
// Go 1.26) and cryptobyte. Each expectation is what Go's ParseCertificate
// returns for the same bytes: refused (a PkiError "certificate-parse-failed"
// naming the problem) or read with the given values.
import { generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isPkiError, parseCertificateDer, type Certificate } from "@k8s/pki";
import { bitString, bool, ctx, ctxPrim, integer, NULL, octetString, oid, seq, set, tlv, utf8String } from "../../../packages/pki/src/asn1/der.js";
import { OID } from "../../../packages/pki/src/asn1/oids.js";
import { GoSignatureAlgorithm } from "../../../packages/pki/src/keys/signature.js";

const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const EC_SPKI = ec.publicKey.export({ type: "spki", format: "der" });
const ECDSA_SHA256 = seq(oid(OID.ecdsaWithSha256));

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ""), "hex");
const name = (cn: string): Buffer => seq(set(seq(oid(OID.commonName), utf8String(cn))));
const utc = (s: string): Buffer => tlv(0x17, Buffer.from(s, "latin1"));
const gen = (s: string): Buffer => tlv(0x18, Buffer.from(s, "latin1"));
const ext = (id: string, value: Buffer, critical?: Buffer): Buffer => seq(oid(id), ...(critical ? [critical] : []), octetString(value));

interface Parts {
  version: Buffer | null;
  serial: Buffer;
  sigAlg: Buffer;
  outerSigAlg: Buffer;
  issuer: Buffer;
  validity: Buffer;
  subject: Buffer;
  spki: Buffer;
  /** Elements between the key and the extensions (unique IDs). */
  afterKey: Buffer[];
  /** The [3] element, or null for none. */
  extensions: Buffer | null;
  afterExtensions: Buffer[];
  signature: Buffer | null;
  afterSignature: Buffer[];
}

const exts = (...e: Buffer[]): Buffer => ctx(3, seq(...e));

/** A certificate from its parts, signed with the P-256 key (the signature is irrelevant to parsing). */
function cert(over: Partial<Parts> = {}): Buffer {
  const p: Parts = {
    version: ctx(0, integer(2)),
    serial: integer(4660),
    sigAlg: ECDSA_SHA256,
    outerSigAlg: over.sigAlg ?? ECDSA_SHA256,
    issuer: name("issuer"),
    validity: seq(utc("250101000000Z"), utc("350101000000Z")),
    subject: name("subject"),
    spki: EC_SPKI,
    afterKey: [],
    extensions: exts(ext(OID.basicConstraints, seq(bool(true)), bool(true))),
    afterExtensions: [],
    signature: null,
    afterSignature: [],
    ...over,
  };
  const tbs = seq(...[p.version, p.serial, p.sigAlg, p.issuer, p.validity, p.subject, p.spki, ...p.afterKey, p.extensions, ...p.afterExtensions].filter((x): x is Buffer => x !== null));
  const sig = p.signature ?? bitString(sign("sha256", tbs, ec.privateKey));
  return seq(tbs, p.outerSigAlg, sig, ...p.afterSignature);
}

/** The PkiError message, or the certificate; anything else thrown fails the test. */
function parse(der: Uint8Array): Certificate | string {
  try {
    return parseCertificateDer(der);
  } catch (e) {
    if (!isPkiError(e)) throw e;
    expect(e.code).toBe("certificate-parse-failed");
    return e.message;
  }
}

function refused(der: Uint8Array, message: RegExp | string): void {
  const r = parse(der);
  expect(typeof r === "string" ? r : "accepted").toMatch(message);
}

function accepted(der: Uint8Array): Certificate {
  const r = parse(der);
  if (typeof r === "string") throw new Error(`refused: ${r}`);
  return r;
}

describe("structure: only PkiErrors, never a TypeError or RangeError", () => {
  it.each([
    ["an empty [0] version", cert({ version: hex("a000") }), /malformed version/],
    ["an empty [3] extensions", cert({ extensions: hex("a300") }), /malformed extensions/],
    ["[0] with data after the INTEGER", cert({ version: ctx(0, integer(2), NULL) }), /malformed version/],
    ["version 4 (field 3)", cert({ version: ctx(0, integer(3)) }), /invalid version/],
    ["a negative version", cert({ version: ctx(0, integer(-1)) }), /malformed version/],
    ["a non-minimal version INTEGER", cert({ version: ctx(0, hex("02020002")) }), /malformed version/],
    ["an empty certificate SEQUENCE", hex("3000"), /malformed tbs certificate/],
    ["no signature BIT STRING", seq(seq(), ECDSA_SHA256), /./],
    ["trailing data after the certificate", Buffer.concat([cert(), hex("00")]), /trailing data/],
    ["a signature BIT STRING with non-zero padding bits", cert({ signature: hex("030201ff") }), /malformed signature/],
    ["an indefinite length", hex("3080") , /malformed certificate/],
  ])("%s is refused", (_what, der, message) => refused(der, message));

  it("every truncation and every single-byte change of a certificate throws only PkiErrors", () => {
    const good = cert({ extensions: exts(ext(OID.basicConstraints, seq(bool(true), integer(3)), bool(true)), ext(OID.keyUsage, hex("03020106"), bool(true)), ext(OID.subjectAltName, seq(ctxPrim(2, Buffer.from("a.example"))))) });
    for (let n = 0; n < good.length; n++) parse(good.subarray(0, n));
    for (let i = 0; i < good.length; i++) {
      for (const v of [0x00, 0x80, 0xff, good[i]! ^ 0x01]) {
        const m = Buffer.from(good);
        m[i] = v;
        parse(m);
      }
    }
  });
});

describe("version: extensions are read from v3 certificates only", () => {
  it.each([
    ["v1 (no [0]) with a CA basicConstraints [3]", null, 1],
    ["v1 with an explicit [0] 0", ctx(0, integer(0)), 1],
    ["v2 with a CA basicConstraints [3]", ctx(0, integer(1)), 2],
  ])("%s: Go ignores the extensions", (_what, version, want) => {
    const c = accepted(cert({ version }));
    expect(c.version).toBe(want);
    expect(c.extensions).toEqual([]);
    expect(c.basicConstraints).toBeUndefined();
  });

  it("v3 skips issuerUniqueID [1] and subjectUniqueID [2] and reads the extensions after them", () => {
    const c = accepted(cert({ afterKey: [ctxPrim(1, hex("0001")), ctxPrim(2, hex("0001"))] }));
    expect(c.basicConstraints?.isCa).toBe(true);
  });

  it("a v3 element after the extensions, or a constructed [1] before them, leaves the rest unread as in Go", () => {
    expect(accepted(cert({ afterExtensions: [NULL, hex("0400")] })).basicConstraints?.isCa).toBe(true);
    const c = accepted(cert({ afterKey: [ctx(1, NULL)] }));
    expect(c.extensions).toEqual([]);
  });

  it("a malformed [1] in a v2 certificate is refused", () => {
    refused(cert({ version: ctx(0, integer(1)), afterKey: [hex("8105")] }), /./);
  });
});

describe("serial number", () => {
  it.each([
    ["negative", integer(-5), /negative serial number/],
    ["not minimally encoded (00 01)", hex("02020001"), /malformed serial number/],
    ["not minimally encoded (ff 80)", hex("0202ff80"), /malformed serial number/],
    ["empty", hex("0200"), /malformed serial number/],
  ])("%s is refused", (_what, serial, message) => refused(cert({ serial }), message));

  it.each([
    ["zero", integer(0), 0n],
    ["20 octets with a sign octet", hex("021500ffffffffffffffffffffffffffffffffffffffff"), (1n << 160n) - 1n],
  ])("%s is read", (_what, serial, want) => expect(accepted(cert({ serial })).serialNumber).toBe(want));

  it("a 64 KB serial parses in linear time", () => {
    const big = Buffer.alloc(65_000, 0x5a);
    const der = cert({ serial: tlv(0x02, big) });
    const t0 = performance.now();
    const c = accepted(der);
    const ms = performance.now() - t0;
    expect(c.serialNumber).toBe(BigInt("0x" + big.toString("hex")));
    // The 10 ms bound is asserted in the Go differential test; this one only catches a quadratic loop.
    expect(ms).toBeLessThan(200);
  });
});

describe("signature algorithm", () => {
  it("inner and outer AlgorithmIdentifiers must be byte-identical", () => {
    refused(cert({ outerSigAlg: seq(oid(OID.ecdsaWithSha384)) }), /inner and outer signature algorithm identifiers don't match/);
    refused(cert({ sigAlg: seq(oid(OID.sha256WithRSA), NULL), outerSigAlg: seq(oid(OID.sha256WithRSA)) }), /don't match/);
  });

  it.each([
    ["sha256WithRSA with NULL", seq(oid(OID.sha256WithRSA), NULL), GoSignatureAlgorithm.SHA256WithRSA],
    ["ISO sha1WithRSA (1.3.14.3.2.29)", seq(oid("1.3.14.3.2.29"), NULL), GoSignatureAlgorithm.SHA1WithRSA],
    ["MD2WithRSA: no longer in Go's table", seq(oid(OID.md2WithRSA), NULL), GoSignatureAlgorithm.Unknown],
    ["Ed25519", seq(oid(OID.ed25519)), GoSignatureAlgorithm.PureEd25519],
    ["Ed25519 with NULL parameters", seq(oid(OID.ed25519), NULL), GoSignatureAlgorithm.Unknown],
    ["an unknown OID", seq(oid("1.2.3.4")), GoSignatureAlgorithm.Unknown],
    ["ECDSA with parameters (Go ignores them)", seq(oid(OID.ecdsaWithSha256), NULL), GoSignatureAlgorithm.ECDSAWithSHA256],
  ])("%s", (_what, ai, want) => {
    expect(accepted(cert({ sigAlg: ai })).goSignatureAlgorithm).toBe(want);
  });

  it("an AlgorithmIdentifier whose OID arc is over 2^31 is refused", () => {
    refused(cert({ sigAlg: seq(tlv(0x06, hex("2a 88 80 80 80 00"))) }), /malformed OID/);
  });
});

describe("validity: cryptobyte's UTCTime and GeneralizedTime", () => {
  const at = (nb: Buffer): Buffer => cert({ validity: seq(nb, utc("350101000000Z")) });
  it.each([
    ["UTCTime month 13", utc("251301000000Z")],
    ["UTCTime February 30", utc("250230000000Z")],
    ["UTCTime February 29 in 2023", utc("230229000000Z")],
    ["UTCTime hour 24", utc("250101240000Z")],
    ["UTCTime second 60", utc("250101000060Z")],
    ["UTCTime +0000 (Go writes Z)", utc("250101000000+0000")],
    ["UTCTime offset minutes 60", utc("250101000000+0060")],
    ["UTCTime offset hour 25", utc("250101000000+2500")],
    ["UTCTime without zone", utc("250101000000")],
    ["UTCTime with a fraction", utc("250101000000.5Z")],
    ["GeneralizedTime with a fraction (time.Parse reads it, the round trip drops it)", gen("20250101000000.5Z")],
    ["GeneralizedTime with 9 fraction digits", gen("20250101000000.123456789Z")],
    ["GeneralizedTime without seconds", gen("202501010000Z")],
    ["GeneralizedTime day 00", gen("20250100000000Z")],
    ["an INTEGER instead of a time", integer(5)],
  ])("%s is refused", (_what, t) => refused(at(t), /UTCTime|GeneralizedTime|time format/));

  it.each([
    ["UTCTime 49 is 2049", utc("491231235959Z"), "2049-12-31T23:59:59.000Z"],
    ["UTCTime 50 is 1950", utc("500101000000Z"), "1950-01-01T00:00:00.000Z"],
    ["UTCTime 00-02-29 (2000 is leap)", utc("000229000000Z"), "2000-02-29T00:00:00.000Z"],
    ["UTCTime 52-02-29 (1952)", utc("520229000000Z"), "1952-02-29T00:00:00.000Z"],
    ["UTCTime without seconds", utc("2501011230Z"), "2025-01-01T12:30:00.000Z"],
    ["UTCTime +0100", utc("250101000000+0100"), "2024-12-31T23:00:00.000Z"],
    ["UTCTime -2459", utc("250101000000-2459"), "2025-01-02T00:59:00.000Z"],
    ["GeneralizedTime year 0050", gen("00500101000000Z"), "0050-01-01T00:00:00.000Z"],
    ["UTCTime 491231230000-0100: still 2049 in Go (the written year decides), 2050 in UTC", utc("491231230000-0100"), "2050-01-01T00:00:00.000Z"],
    ["UTCTime 500101003000+0100: 1950 written, 1949 in UTC", utc("500101003000+0100"), "1949-12-31T23:30:00.000Z"],
    ["GeneralizedTime +2400", gen("20250101000000+2400"), "2024-12-31T00:00:00.000Z"],
    ["GeneralizedTime 2400-02-29", gen("24000229000000Z"), "2400-02-29T00:00:00.000Z"],
  ])("%s", (_what, t, iso) => {
    expect(accepted(at(t)).notBefore.toISOString()).toBe(iso);
  });
});

describe("extensions", () => {
  const bc = (value: Buffer, critical?: Buffer): Buffer => cert({ extensions: exts(ext(OID.basicConstraints, value, critical)) });

  it.each([
    ["a duplicate extension", cert({ extensions: exts(ext(OID.keyUsage, hex("03020106")), ext(OID.keyUsage, hex("03020106"))) }), /duplicate extension with OID "2.5.29.15"/],
    ["critical as BOOLEAN 0x01 (not DER)", bc(seq(), hex("010101")), /critical field/],
    ["a value that is not an OCTET STRING", cert({ extensions: exts(seq(oid(OID.keyUsage), hex("03020106"))) }), /value field/],
    ["an extension id with a 6-octet arc", cert({ extensions: exts(seq(tlv(0x06, hex("2a 81 80 80 80 80 00")), octetString(hex("0500")))) }), /OID field/],
    ["[3] holding something other than a SEQUENCE", cert({ extensions: ctx(3, set()) }), /malformed extensions/],
    ["basicConstraints cA as 0x01", bc(seq(hex("010101"))), /invalid basic constraints/],
    ["basicConstraints negative pathLen", bc(seq(bool(true), integer(-1))), /invalid basic constraints/],
    ["basicConstraints pathLen 2^63", bc(seq(bool(true), hex("0209008000000000000000"))), /invalid basic constraints/],
    ["basicConstraints non-minimal pathLen", bc(seq(bool(true), hex("02020001"))), /invalid basic constraints/],
    ["keyUsage with non-zero padding bits", cert({ extensions: exts(ext(OID.keyUsage, hex("03020107"))) }), /invalid key usage/],
    ["keyUsage padding of 8", cert({ extensions: exts(ext(OID.keyUsage, hex("03020800"))) }), /invalid key usage/],
    ["extKeyUsage with a non-OID", cert({ extensions: exts(ext(OID.extKeyUsage, seq(NULL))) }), /invalid extended key usages/],
    ["a critical subjectKeyIdentifier", cert({ extensions: exts(ext(OID.subjectKeyIdentifier, octetString(hex("01")), bool(true))) }), /subject key identifier incorrectly marked critical/],
    ["a critical authorityKeyIdentifier", cert({ extensions: exts(ext(OID.authorityKeyIdentifier, seq(ctxPrim(0, hex("01"))), bool(true))) }), /authority key identifier incorrectly marked critical/],
    ["a critical authorityInfoAccess", cert({ extensions: exts(ext(OID.authorityInfoAccess, seq(), bool(true))) }), /authority info access incorrectly marked critical/],
    ["an empty nameConstraints", cert({ extensions: exts(ext(OID.nameConstraints, seq())) }), /empty name constraints/],
    ["a nameConstraints IP with a bad mask", cert({ extensions: exts(ext(OID.nameConstraints, seq(ctx(0, seq(ctxPrim(7, hex("0a000000ff00ff00"))))))) }), /invalid mask/],
    ["a nameConstraints URI that is an IP", cert({ extensions: exts(ext(OID.nameConstraints, seq(ctx(0, seq(ctxPrim(6, Buffer.from("10.0.0.1"))))))) }), /cannot be IP address/],
    ["a nameConstraints dNSName with a trailing dot", cert({ extensions: exts(ext(OID.nameConstraints, seq(ctx(1, seq(ctxPrim(2, Buffer.from("example.com."))))))) }), /dnsName constraint/],
    ["a cRLDistributionPoints that is not a SEQUENCE", cert({ extensions: exts(ext(OID.crlDistributionPoints, NULL)) }), /CRL distribution points/],
    ["a certificatePolicies with a repeated policy", cert({ extensions: exts(ext(OID.certificatePolicies, seq(seq(oid("1.2.3")), seq(oid("1.2.3"))))) }), /certificate policies/],
    ["a policyConstraints with a 9-octet value", cert({ extensions: exts(ext("2.5.29.36", seq(ctxPrim(0, hex("010000000000000000"))))) }), /policy constraints/],
    ["an inhibitAnyPolicy that is not an INTEGER", cert({ extensions: exts(ext("2.5.29.54", NULL)) }), /inhibit any policy/],
    ["an authorityInfoAccess entry without a method", cert({ extensions: exts(ext(OID.authorityInfoAccess, seq(seq(NULL)))) }), /authority info access/],
    ["a SAN IP of 5 octets", cert({ extensions: exts(ext(OID.subjectAltName, seq(ctxPrim(7, hex("0102030405"))))) }), /IP address/],
  ])("%s is refused", (_what, der, message) => refused(der, message));

  it("an explicit critical FALSE is accepted (cryptobyte reads 0x00)", () => {
    const c = accepted(bc(seq(bool(true)), bool(false)));
    expect(c.extensions[0]!.critical).toBe(false);
    expect(c.basicConstraints?.isCa).toBe(true);
  });

  it.each([
    ["absent pathLen", seq(bool(true)), { isCa: true, maxPathLen: -1, maxPathLenZero: false }],
    ["pathLen 0", seq(bool(true), integer(0)), { isCa: true, maxPathLen: 0, maxPathLenZero: true }],
    ["pathLen 2^63-1", seq(bool(true), hex("02087fffffffffffffff")), { isCa: true, maxPathLen: 2 ** 63, maxPathLenZero: false }],
    ["cA FALSE written out", seq(bool(false)), { isCa: false, maxPathLen: -1, maxPathLenZero: false }],
    ["data after the SEQUENCE (ignored by Go)", Buffer.concat([seq(bool(true)), hex("0500")]), { isCa: true, maxPathLen: -1, maxPathLenZero: false }],
    ["an element Go does not look for (ignored)", seq(NULL, bool(true)), { isCa: false, maxPathLen: -1, maxPathLenZero: false }],
  ])("basicConstraints: %s", (_what, value, want) => {
    expect(accepted(bc(value, bool(true))).basicConstraints).toEqual(want);
  });

  it("a 64 KB policy arc (any size is valid in Go) is read in linear time", () => {
    const arc = Buffer.concat([hex("2a"), Buffer.alloc(65_000, 0xff), hex("7f")]);
    const der = cert({ extensions: exts(ext(OID.certificatePolicies, seq(seq(tlv(0x06, arc))))) });
    const t0 = performance.now();
    const c = accepted(der);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(c.policies[0]!.equals(arc)).toBe(true);
  });

  it("a 64 KB pathLen INTEGER and a 64 KB OID are refused in linear time", () => {
    for (const der of [
      bc(seq(bool(true), tlv(0x02, Buffer.alloc(65_000, 0x11)))),
      cert({ extensions: exts(seq(tlv(0x06, Buffer.concat([hex("2a"), Buffer.alloc(65_000, 0x81), hex("01")])), octetString(hex("0500")))) }),
    ]) {
      const t0 = performance.now();
      refused(der, /./);
      expect(performance.now() - t0).toBeLessThan(200);
    }
  });

  it("keyUsage bits beyond the BIT STRING's length are not read; data after it is ignored", () => {
    const c = accepted(cert({ extensions: exts(ext(OID.keyUsage, Buffer.concat([hex("03020780"), hex("0500")]))) }));
    expect(c.keyUsage).toBe(1);
  });

  it("extKeyUsage: Go's known usages and unknown OIDs are kept apart", () => {
    const c = accepted(cert({ extensions: exts(ext(OID.extKeyUsage, seq(oid("1.3.6.1.5.5.7.3.1"), oid("1.2.3.4"), oid("1.3.6.1.5.5.7.3.2")))) }));
    expect(c.extKeyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    expect(c.unknownExtKeyUsage).toEqual(["1.2.3.4"]);
  });

  it("an unknown critical extension is recorded, not refused; so is a SAN with only other names", () => {
    const c = accepted(cert({ extensions: exts(ext("1.2.3.4", NULL, bool(true)), ext(OID.subjectAltName, seq(ctx(4, name("x"))), bool(true))) }));
    expect(c.unhandledCriticalExtensions).toEqual(["1.2.3.4", OID.subjectAltName]);
  });

  it("AKI: only a leading keyIdentifier [0] is read", () => {
    expect(accepted(cert({ extensions: exts(ext(OID.authorityKeyIdentifier, seq(ctxPrim(0, hex("abcd"))))) })).authorityKeyId).toEqual(hex("abcd"));
    expect(accepted(cert({ extensions: exts(ext(OID.authorityKeyIdentifier, seq(ctxPrim(2, hex("01")), ctxPrim(0, hex("abcd"))))) })).authorityKeyId).toBeUndefined();
  });

  it("CRL distribution points, AIA and policies are read as Go reads them", () => {
    const c = accepted(
      cert({
        extensions: exts(
          ext(OID.crlDistributionPoints, seq(seq(ctx(0, ctx(0, ctxPrim(6, Buffer.from("http://crl"))))), seq())),
          ext(OID.authorityInfoAccess, seq(seq(oid(OID.accessOcsp), ctxPrim(6, Buffer.from("http://ocsp"))), seq(oid(OID.accessCaIssuers), ctxPrim(6, Buffer.from("http://ca"))))),
          ext(OID.certificatePolicies, seq(seq(oid("2.23.140.1.2.1")), seq(tlv(0x06, hex("2a 8f ff ff ff ff ff 7f"))))),
          ext(OID.nameConstraints, seq(ctx(0, seq(ctxPrim(2, Buffer.from(".example.com"))), seq(ctxPrim(1, Buffer.from("a@example.com")))))),
        ),
      }),
    );
    expect(c.crlDistributionPoints).toEqual(["http://crl"]);
    expect(c.ocspServers).toEqual(["http://ocsp"]);
    expect(c.issuingCertificateUrls).toEqual(["http://ca"]);
    expect(c.policies.map((b) => b.toString("hex"))).toEqual([oid("2.23.140.1.2.1").subarray(2).toString("hex"), "2a8fffffffffff7f"]);
  });
});

describe("public key: Go's parsePublicKey", () => {
  const spki = (alg: Buffer, key: Buffer, unused = 0): Buffer => seq(alg, bitString(key, unused));
  const rsaKey = (n: Buffer, e: Buffer): Buffer => seq(tlv(0x02, n), tlv(0x02, e));
  const n2048 = Buffer.concat([hex("00c0"), Buffer.alloc(254, 0x11), hex("01")]);
  const point = Buffer.from(EC_SPKI.subarray(EC_SPKI.length - 65));

  it.each([
    ["RSA without NULL parameters", spki(seq(oid(OID.rsaEncryption)), rsaKey(n2048, hex("010001"))), /missing NULL parameters/],
    ["RSA with a negative modulus", spki(seq(oid(OID.rsaEncryption), NULL), rsaKey(hex("c0ffee"), hex("010001"))), /modulus is not a positive number/],
    ["RSA with a zero exponent", spki(seq(oid(OID.rsaEncryption), NULL), rsaKey(n2048, hex("00"))), /exponent is not a positive number/],
    ["RSA with a 9-octet exponent", spki(seq(oid(OID.rsaEncryption), NULL), rsaKey(n2048, hex("010000000000000001"))), /invalid RSA public exponent/],
    ["RSA with a non-minimal modulus", spki(seq(oid(OID.rsaEncryption), NULL), rsaKey(Buffer.concat([hex("00"), n2048]), hex("03"))), /invalid RSA modulus/],
    ["ECDSA on an unknown curve", spki(seq(oid(OID.ecPublicKey), oid("1.3.132.0.10")), point), /unsupported elliptic curve/],
    ["ECDSA without a curve", spki(seq(oid(OID.ecPublicKey)), point), /invalid ECDSA parameters/],
    ["ECDSA point off the curve", spki(seq(oid(OID.ecPublicKey), oid(OID.p256)), Buffer.concat([point.subarray(0, 64), Buffer.from([point[64]! ^ 1])])), /invalid/],
    ["ECDSA compressed point", spki(seq(oid(OID.ecPublicKey), oid(OID.p256)), Buffer.concat([hex("02"), point.subarray(1, 33)])), /invalid/],
    ["Ed25519 with NULL parameters", spki(seq(oid(OID.ed25519), NULL), Buffer.alloc(32, 1)), /illegal parameters/],
    ["Ed25519 of 31 octets", spki(seq(oid(OID.ed25519)), Buffer.alloc(31, 1)), /wrong Ed25519 public key size/],
    ["DSA with a zero Y", spki(seq(oid("1.2.840.10040.4.1"), seq(integer(7), integer(3), integer(2))), integer(0)), /zero or negative DSA parameter/],
    ["a key BIT STRING with non-zero padding", seq(seq(oid(OID.ed25519)), hex("032101" + "01".repeat(32))), /malformed subjectPublicKey/],
  ])("%s is refused", (_what, key, message) => refused(cert({ spki: key }), message));

  it.each([
    ["X25519 (not a certificate key algorithm in Go)", spki(seq(oid("1.3.101.110"), NULL), Buffer.alloc(3))],
    ["an unknown algorithm with any key bits", spki(seq(oid("1.2.3.4"), NULL), hex("ffff"))],
  ])("%s is accepted with an unknown key", (_what, key) => {
    expect(accepted(cert({ spki: key })).publicKey).toEqual({ algo: "unknown" });
  });

  it("a DSA key is read with the bit length of P, as Go's dsa.PublicKey holds it", () => {
    const p = Buffer.concat([Buffer.from([0x00, 0x80]), Buffer.alloc(127, 1)]);
    const key = spki(seq(oid("1.2.840.10040.4.1"), seq(tlv(0x02, p), integer(3), integer(2))), integer(5));
    expect(accepted(cert({ spki: key })).publicKey).toEqual({ algo: "dsa", bits: 1024 });
  });

  it("a valid ECDSA key is read", () => {
    const c = accepted(cert());
    expect(c.publicKey).toMatchObject({ algo: "ecdsa", curve: "P-256" });
  });
});
