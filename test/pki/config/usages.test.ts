// Unit tests of packages/pki/src/config/usages.ts: cfssl's usage strings
// (config.KeyUsage / config.ExtKeyUsage) to Go's x509.KeyUsage bits and
// RFC 5280 EKU OIDs.
import { describe, expect, it } from "vitest";
import { resolveUsages } from "@k8s/pki";
import { EXT_KEY_USAGES, KEY_USAGES } from "../../../packages/pki/src/config/usages.js";

// Go's x509.KeyUsage: 1 << (RFC 5280 bit number).
const KU = { digitalSignature: 1, contentCommitment: 2, keyEncipherment: 4, dataEncipherment: 8, keyAgreement: 16, certSign: 32, crlSign: 64, encipherOnly: 128, decipherOnly: 256 };

describe("key usages", () => {
  it.each([
    ["signing", KU.digitalSignature],
    ["digital signature", KU.digitalSignature],
    ["content commitment", KU.contentCommitment],
    ["key encipherment", KU.keyEncipherment],
    ["key agreement", KU.keyAgreement],
    ["data encipherment", KU.dataEncipherment],
    ["cert sign", KU.certSign],
    ["crl sign", KU.crlSign],
    ["encipher only", KU.encipherOnly],
    ["decipher only", KU.decipherOnly],
  ])("%s -> bit %d", (usage, bit) => {
    expect(KEY_USAGES[usage]).toBe(bit);
    expect(resolveUsages([usage])).toEqual({ keyUsage: bit, extKeyUsage: [], unknown: [] });
  });
});

describe("extended key usages (RFC 5280 4.2.1.12 and vendor OIDs)", () => {
  it.each([
    ["any", "2.5.29.37.0"],
    ["server auth", "1.3.6.1.5.5.7.3.1"],
    ["client auth", "1.3.6.1.5.5.7.3.2"],
    ["code signing", "1.3.6.1.5.5.7.3.3"],
    ["email protection", "1.3.6.1.5.5.7.3.4"],
    ["s/mime", "1.3.6.1.5.5.7.3.4"],
    ["ipsec end system", "1.3.6.1.5.5.7.3.5"],
    ["ipsec tunnel", "1.3.6.1.5.5.7.3.6"],
    ["ipsec user", "1.3.6.1.5.5.7.3.7"],
    ["timestamping", "1.3.6.1.5.5.7.3.8"],
    ["ocsp signing", "1.3.6.1.5.5.7.3.9"],
    ["microsoft sgc", "1.3.6.1.4.1.311.10.3.3"],
    ["netscape sgc", "2.16.840.1.113730.4.1"],
  ])("%s -> %s", (usage, oid) => {
    expect(EXT_KEY_USAGES[usage]).toBe(oid);
    expect(resolveUsages([usage])).toEqual({ keyUsage: 0, extKeyUsage: [oid], unknown: [] });
  });

  it("there are exactly cfssl's 23 usage strings", () => {
    expect(Object.keys(KEY_USAGES).length + Object.keys(EXT_KEY_USAGES).length).toBe(23);
  });
});

describe("resolveUsages", () => {
  it("ORs key usages, keeps EKU order and duplicates, reports unknown strings (case-sensitive)", () => {
    expect(resolveUsages(["client auth", "signing", "server auth", "Server Auth", "key encipherment", "client auth", "bogus"])).toEqual({
      keyUsage: KU.digitalSignature | KU.keyEncipherment,
      extKeyUsage: ["1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
      unknown: ["Server Auth", "bogus"],
    });
  });

  it("an empty list resolves to nothing", () => {
    expect(resolveUsages([])).toEqual({ keyUsage: 0, extKeyUsage: [], unknown: [] });
  });
});
