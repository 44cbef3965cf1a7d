// Unit tests of the verification half of packages/pki/src/keys/signature.ts:
// Go's checkSignature (crypto/x509/x509.go, Go 1.26) over keys and
// signatures made by OpenSSL through node:crypto.
import { constants, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifySignature } from "@k8s/pki";
import { integer, NULL, oid, seq, tlv } from "../../../packages/pki/src/asn1/der.js";
import { OID } from "../../../packages/pki/src/asn1/oids.js";
import { checkSignatureGo, goSignatureAlgorithm, GoSignatureAlgorithm as G } from "../../../packages/pki/src/keys/signature.js";

const spkiOf = (k: KeyObject): Buffer => k.export({ type: "spki", format: "der" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const rsa512 = generateKeyPairSync("rsa", { modulusLength: 512 });
const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
const p224 = generateKeyPairSync("ec", { namedCurve: "P-224" });
const ed = generateKeyPairSync("ed25519");
const data = Buffer.from("to be signed");

const pssParams = (hashOid: string, salt: number, extra: Buffer[] = []): Buffer =>
  seq(
    tlv(0xa0, seq(oid(hashOid), NULL)),
    tlv(0xa1, seq(oid("1.2.840.113549.1.1.8"), seq(oid(hashOid), NULL))),
    tlv(0xa2, integer(salt)),
    ...extra,
  );
const SHA256 = "2.16.840.1.101.3.4.2.1";
const SHA384 = "2.16.840.1.101.3.4.2.2";

describe("checkSignatureGo: Go's checkSignature", () => {
  const rsaSig = (hash: string): Buffer => sign(hash, data, rsa.privateKey);
  const pssSig = (hash: string, salt: number): Buffer => sign(hash, data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt });

  it.each([
    ["sha256WithRSA, RSA key", OID.sha256WithRSA, undefined, spkiOf(rsa.publicKey), rsaSig("sha256"), true],
    ["sha1WithRSA (allowed for CSRs and Certificate.CheckSignature)", OID.sha1WithRSA, undefined, spkiOf(rsa.publicKey), rsaSig("sha1"), true],
    ["md5WithRSA: insecure", OID.md5WithRSA, undefined, spkiOf(rsa.publicKey), rsaSig("md5"), false],
    ["sha256WithRSA over an ECDSA key and signature", OID.sha256WithRSA, undefined, spkiOf(p256.publicKey), sign("sha256", data, p256.privateKey), false],
    ["ecdsaWithSHA256 over an RSA key and signature", OID.ecdsaWithSha256, undefined, spkiOf(rsa.publicKey), rsaSig("sha256"), false],
    ["ecdsaWithSHA256, P-256", OID.ecdsaWithSha256, undefined, spkiOf(p256.publicKey), sign("sha256", data, p256.privateKey), true],
    ["ecdsaWithSHA384, P-224 (Go knows P-224)", OID.ecdsaWithSha384, undefined, spkiOf(p224.publicKey), sign("sha384", data, p224.privateKey), true],
    ["ecdsaWithSHA1", OID.ecdsaWithSha1, undefined, spkiOf(p256.publicKey), sign("sha1", data, p256.privateKey), true],
    ["Ed25519", OID.ed25519, undefined, spkiOf(ed.publicKey), sign(null, data, ed.privateKey), true],
    ["Ed25519 with NULL parameters: an unknown algorithm to Go", OID.ed25519, NULL, spkiOf(ed.publicKey), sign(null, data, ed.privateKey), false],
    ["Ed25519 signature checked as ecdsaWithSHA256", OID.ecdsaWithSha256, undefined, spkiOf(ed.publicKey), sign(null, data, ed.privateKey), false],
    ["RSA key under 1024 bits (Go 1.24 rsa1024min)", OID.sha256WithRSA, undefined, spkiOf(rsa512.publicKey), sign("sha256", data, rsa512.privateKey), false],
    ["MD2WithRSA: unknown to Go", OID.md2WithRSA, undefined, spkiOf(rsa.publicKey), rsaSig("sha256"), false],
    ["RSA-PSS SHA-256, salt 32", OID.rsaPss, pssParams(SHA256, 32), spkiOf(rsa.publicKey), pssSig("sha256", 32), true],
    ["RSA-PSS SHA-384, salt 48", OID.rsaPss, pssParams(SHA384, 48), spkiOf(rsa.publicKey), pssSig("sha384", 48), true],
    ["RSA-PSS with salt 20 (not one of Go's shapes)", OID.rsaPss, pssParams(SHA256, 20), spkiOf(rsa.publicKey), pssSig("sha256", 20), false],
    ["RSA-PSS signed with salt 20, parameters saying 32", OID.rsaPss, pssParams(SHA256, 32), spkiOf(rsa.publicKey), pssSig("sha256", 20), false],
    ["RSA-PSS without parameters", OID.rsaPss, undefined, spkiOf(rsa.publicKey), pssSig("sha256", 32), false],
    ["RSA-PSS with trailerField 2", OID.rsaPss, pssParams(SHA256, 32, [tlv(0xa3, integer(2))]), spkiOf(rsa.publicKey), pssSig("sha256", 32), false],
    ["RSA-PSS with trailerField 1 written out", OID.rsaPss, pssParams(SHA256, 32, [tlv(0xa3, integer(1))]), spkiOf(rsa.publicKey), pssSig("sha256", 32), true],
    ["a bad signature", OID.sha256WithRSA, undefined, spkiOf(rsa.publicKey), Buffer.alloc(256, 1), false],
    ["an RSA signature one octet short", OID.sha256WithRSA, undefined, spkiOf(rsa.publicKey), rsaSig("sha256").subarray(1), false],
  ])("%s → %s", (_what, algOid, params, spki, sig, want) => {
    expect(checkSignatureGo(algOid, params, spki, data, sig)).toBe(want);
  });

  it("SHA-1 is refused where Go refuses it (CheckSignatureFrom)", () => {
    expect(checkSignatureGo(OID.sha1WithRSA, undefined, spkiOf(rsa.publicKey), data, rsaSig("sha1"), false)).toBe(false);
  });

  it("a key Go refuses fails the check (RSA without NULL parameters)", () => {
    const der = spkiOf(rsa.publicKey);
    // rsaEncryption AlgorithmIdentifier 30 0d 06 09 <oid> 05 00 → without the NULL.
    const inner = der.subarray(der.indexOf(Buffer.from("0500", "hex")) + 2);
    const body = Buffer.concat([seq(oid(OID.rsaEncryption)), inner]);
    expect(checkSignatureGo(OID.sha256WithRSA, undefined, seq(body), data, rsaSig("sha256"))).toBe(false);
  });

  it("verifySignature follows the same rules (algorithm bound to the key type, MD5 refused)", () => {
    expect(verifySignature(OID.sha256WithRSA, spkiOf(p256.publicKey), data, sign("sha256", data, p256.privateKey))).toBe(false);
    expect(verifySignature(OID.md5WithRSA, spkiOf(rsa.publicKey), data, rsaSig("md5"))).toBe(false);
    expect(verifySignature(OID.ecdsaWithSha256, p256.publicKey, data, sign("sha256", data, p256.privateKey))).toBe(true);
    expect(verifySignature(OID.rsaPss, spkiOf(rsa.publicKey), data, pssSig("sha256", 32), pssParams(SHA256, 32))).toBe(true);
  });
});

describe("goSignatureAlgorithm: Go's getSignatureAlgorithmFromAI", () => {
  it.each([
    ["sha256WithRSA", OID.sha256WithRSA, undefined, G.SHA256WithRSA],
    ["1.3.14.3.2.29", "1.3.14.3.2.29", NULL, G.SHA1WithRSA],
    ["md2WithRSA", OID.md2WithRSA, NULL, G.Unknown],
    ["dsaWithSHA256", OID.dsaWithSha256, undefined, G.DSAWithSHA256],
    ["PSS SHA-512 salt 64", OID.rsaPss, pssParams("2.16.840.1.101.3.4.2.3", 64), G.SHA512WithRSAPSS],
    ["PSS SHA-256 salt 64", OID.rsaPss, pssParams(SHA256, 64), G.Unknown],
    ["PSS with MGF1 over another hash", OID.rsaPss, seq(tlv(0xa0, seq(oid(SHA256))), tlv(0xa1, seq(oid("1.2.840.113549.1.1.8"), seq(oid(SHA384)))), tlv(0xa2, integer(32))), G.Unknown],
    ["PSS hash without parameters", OID.rsaPss, seq(tlv(0xa0, seq(oid(SHA256))), tlv(0xa1, seq(oid("1.2.840.113549.1.1.8"), seq(oid(SHA256)))), tlv(0xa2, integer(32))), G.SHA256WithRSAPSS],
    ["PSS with garbage", OID.rsaPss, Buffer.from("3003020101", "hex"), G.Unknown],
  ])("%s", (_what, algOid, params, want) => {
    expect(goSignatureAlgorithm(algOid, params)).toBe(want);
  });
});
