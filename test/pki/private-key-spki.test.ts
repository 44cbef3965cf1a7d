// fromKeyObject builds the SubjectPublicKeyInfo from the key's JWK export (the
// fast path): it must be byte for byte what OpenSSL's own SPKI encoder gives,
// for every algorithm and curve, fresh or parsed from PEM.
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodePrivateKeyPem, fromKeyObject, generateKey, parsePrivateKeyPem, PkiError } from "@k8s/pki";

const opensslSpki = (k: { keyObject: Parameters<typeof createPublicKey>[0] }): Buffer => createPublicKey(k.keyObject).export({ type: "spki", format: "der" });

describe("PrivateKey.spki", () => {
  const requests = [
    { algo: "ecdsa", size: 256 },
    { algo: "ecdsa", size: 384 },
    { algo: "ecdsa", size: 521 },
    { algo: "rsa", size: 2048 },
    { algo: "ed25519", size: 0 },
  ];
  for (const req of requests) {
    it(`${req.algo} ${req.size}: equals OpenSSL's SPKI, fresh and after a PEM round trip`, async () => {
      // Several keys, so that short coordinates (leading zero bytes) turn up for P-521 and P-256 now and then.
      for (let i = 0; i < 8; i++) {
        const key = await generateKey(req);
        expect(key.spki.equals(opensslSpki(key))).toBe(true);
        expect(key.publicKey.export({ type: "spki", format: "der" }).equals(key.spki)).toBe(true);
        const parsed = parsePrivateKeyPem(encodePrivateKeyPem(key));
        expect(parsed.spki.equals(key.spki)).toBe(true);
      }
    });
  }

  it("a curve cfssl does not support is still refused with the PkiError", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
    expect(() => fromKeyObject(privateKey)).toThrow(PkiError);
    expect(() => fromKeyObject(privateKey)).toThrow(/unsupported elliptic curve secp256k1/);
  });
});
