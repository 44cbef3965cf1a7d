// Unit tests of packages/pki/src/x509/extensions.ts: DER encodings of the
// extensions cfssl emits. Expected bytes are RFC 5280 / X.690 values, or read
// from certificates the real cfssl made (test/fixtures/cfssl).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCertificatePem } from "@k8s/pki";
import {
  computeSki,
  encodeAia,
  encodeAki,
  encodeBasicConstraints,
  encodeCrlDp,
  encodeExtKeyUsage,
  encodeKeyUsage,
  KeyUsageBit as KU,
  parseAki,
  parseBasicConstraints,
  parseExtension,
  parseExtKeyUsage,
  parseKeyUsage,
  parseSki,
} from "../../../packages/pki/src/x509/extensions.js";
import { Cbs } from "../../../packages/pki/src/asn1/cryptobyte.js";
import { isPkiError } from "@k8s/pki";
import { repoRoot } from "../../helpers/cfssl.js";

const fixture = (name: string): string => readFileSync(join(repoRoot, "test", "fixtures", "cfssl", name), "utf8");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const ext = (pem: string, oid: string): string => hex(parseCertificatePem(pem).extensions.find((e) => e.oid === oid)!.value);

describe("keyUsage (RFC 5280 4.2.1.3): a DER BIT STRING with trailing zero bits dropped", () => {
  it.each([
    ["digitalSignature + keyEncipherment", KU.digitalSignature | KU.keyEncipherment, "030205a0"],
    ["certSign + cRLSign", KU.certSign | KU.crlSign, "03020106"],
    ["digitalSignature", KU.digitalSignature, "03020780"],
    ["contentCommitment", KU.contentCommitment, "03020640"],
    ["keyAgreement", KU.keyAgreement, "03020308"],
    ["encipherOnly (bit 7)", KU.encipherOnly, "03020001"],
    ["decipherOnly (bit 8): a second octet", KU.decipherOnly, "0303070080"],
    ["all nine", 0x1ff, "030307ff80"],
  ])("%s = %s", (_name, bits, want) => {
    expect(hex(encodeKeyUsage(bits))).toBe(want);
    expect(parseKeyUsage(Buffer.from(want, "hex"))).toBe(bits);
  });

  it("matches the keyUsage cfssl wrote for a root and a leaf", () => {
    expect(hex(encodeKeyUsage(KU.certSign | KU.crlSign))).toBe(ext(fixture("ca.pem"), "2.5.29.15"));
    expect(hex(encodeKeyUsage(KU.digitalSignature | KU.keyEncipherment))).toBe(ext(fixture("leaf.pem"), "2.5.29.15"));
  });
});

describe("basicConstraints (RFC 5280 4.2.1.9)", () => {
  it.each([
    ["leaf: an empty SEQUENCE (cA FALSE is the DEFAULT)", false, -1, false, "3000"],
    ["CA without pathlen", true, -1, false, "30030101ff"],
    ["CA, pathlen 0 without MaxPathLenZero: no pathlen", true, 0, false, "30030101ff"],
    ["CA, pathlen 0 with MaxPathLenZero", true, 0, true, "30060101ff020100"],
    ["CA, pathlen 1", true, 1, false, "30060101ff020101"],
    ["CA, pathlen 128 (two-octet INTEGER)", true, 128, false, "30070101ff02020080"],
  ])("%s", (_name, isCa, pathlen, zero, want) => {
    expect(hex(encodeBasicConstraints(isCa, pathlen, zero))).toBe(want);
  });

  it("decodes what it encodes, and cfssl's fixtures", () => {
    expect(parseBasicConstraints(Buffer.from("30060101ff020100", "hex"))).toEqual({ isCa: true, maxPathLen: 0, maxPathLenZero: true });
    expect(parseBasicConstraints(Buffer.from("3000", "hex"))).toEqual({ isCa: false, maxPathLen: -1, maxPathLenZero: false });
    expect(ext(fixture("ca.pem"), "2.5.29.19")).toBe(hex(encodeBasicConstraints(true, 1, false)));
    expect(ext(fixture("intermediate.pem"), "2.5.29.19")).toBe(hex(encodeBasicConstraints(true, 0, true)));
    expect(ext(fixture("leaf.pem"), "2.5.29.19")).toBe("3000");
  });
});

describe("key identifiers", () => {
  it.each(["ca.pem", "rsa-ca.pem", "leaf.pem", "ed25519.pem"])("SKI of %s is RFC 5280 method 1, as cfssl computed it", (name) => {
    const cert = parseCertificatePem(fixture(name));
    expect(hex(computeSki(cert.spki))).toBe(hex(cert.subjectKeyId!));
  });

  it("AKI holds only the keyIdentifier [0] (Go's form): 30 16 80 14 <20 bytes>", () => {
    const leaf = parseCertificatePem(fixture("leaf.pem"));
    const ca = parseCertificatePem(fixture("ca.pem"));
    const aki = encodeAki(ca.subjectKeyId!);
    expect(hex(aki)).toBe("30168014" + hex(ca.subjectKeyId!));
    expect(hex(aki)).toBe(ext(fixture("leaf.pem"), "2.5.29.35"));
    expect(leaf.authorityKeyId).toEqual(ca.subjectKeyId);
  });
});

describe("URLs, as in cfssl's kubernetes fixture profile", () => {
  it("authorityInfoAccess: OCSP first, then caIssuers", () => {
    expect(hex(encodeAia(["http://ocsp.example.com"], ["http://pki.example.com/root.pem"]))).toBe(ext(fixture("leaf.pem"), "1.3.6.1.5.5.7.1.1"));
  });

  it("cRLDistributionPoints: one fullName URI", () => {
    expect(hex(encodeCrlDp(["http://pki.example.com/root.crl"]))).toBe(ext(fixture("leaf.pem"), "2.5.29.31"));
  });

  it("extKeyUsage keeps the order given (serverAuth, clientAuth)", () => {
    expect(hex(encodeExtKeyUsage(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]))).toBe(ext(fixture("leaf.pem"), "2.5.29.37"));
    expect(hex(encodeExtKeyUsage(["1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1"]))).toBe("301406082b0601050507030206082b06010505070301");
  });
});

describe("decoders: Go's processExtensions rules, as PkiErrors", () => {
  const b = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ""), "hex");
  const err = (f: () => unknown): string => {
    try {
      f();
      return "accepted";
    } catch (e) {
      if (!isPkiError(e)) throw e;
      expect(e.code).toBe("certificate-parse-failed");
      return e.message;
    }
  };

  it.each([
    ["keyUsage with non-zero padding bits", () => parseKeyUsage(b("03020107")), /invalid key usage/],
    ["keyUsage padding above 7", () => parseKeyUsage(b("03020800")), /invalid key usage/],
    ["keyUsage: an empty BIT STRING with padding", () => parseKeyUsage(b("030101")), /invalid key usage/],
    ["basicConstraints cA 0x01", () => parseBasicConstraints(b("3003010101")), /invalid basic constraints/],
    ["basicConstraints pathLen -1", () => parseBasicConstraints(b("30060101ff0201ff")), /invalid basic constraints/],
    ["basicConstraints pathLen 2^64", () => parseBasicConstraints(b("30100101ff020b0100000000000000000000")), /invalid basic constraints/],
    ["basicConstraints not a SEQUENCE", () => parseBasicConstraints(b("3103010100")), /invalid basic constraints/],
    ["extKeyUsage with a NULL", () => parseExtKeyUsage(b("30020500")), /invalid extended key usages/],
    ["extKeyUsage OID with a 0x80 arc start", () => parseExtKeyUsage(b("3004060280 01")), /invalid extended key usages/],
    ["subjectKeyIdentifier marked critical", () => parseSki(b("040101"), true), /incorrectly marked critical/],
    ["subjectKeyIdentifier not an OCTET STRING", () => parseSki(b("0500")), /invalid subject key identifier/],
    ["authorityKeyIdentifier marked critical", () => parseAki(b("3000"), true), /incorrectly marked critical/],
    ["extension critical 0x01", () => parseExtension(new Cbs(b("0603551d13 010101 04023000"))), /critical field/],
    ["extension value as a BIT STRING", () => parseExtension(new Cbs(b("0603551d13 03023000"))), /value field/],
  ])("%s is refused", (_what, f, message) => {
    expect(err(f)).toMatch(message);
  });

  it.each([
    ["keyUsage followed by other bytes (not read by Go)", () => parseKeyUsage(b("03020780 0500")), 1],
    ["basicConstraints pathLen 2^63-1", () => parseBasicConstraints(b("300d0101ff02087fffffffffffffff")).maxPathLen, 2 ** 63],
    ["basicConstraints: a BOOLEAN after the INTEGER is not looked at", () => parseBasicConstraints(b("3006020101010100")).isCa, false],
    ["extension with an explicit FALSE", () => parseExtension(new Cbs(b("0603551d13 010100 04023000"))).critical, false],
    ["extension with data after the value", () => parseExtension(new Cbs(b("0603551d13 04023000 0500"))).value.toString("hex"), "3000"],
    ["AKI with only an issuer [1]", () => parseAki(b("3002a100")), undefined],
    ["extKeyUsage keeps unknown OIDs", () => parseExtKeyUsage(b("3005 0603 2a0304")), ["1.2.3.4"]],
  ])("%s", (_what, f, want) => {
    expect(f()).toEqual(want);
  });
});
