// PrivateKey: a signing key with its algorithm, size and cfssl's PEM form.
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { NULL, bitString, oid, seq, unsignedInteger } from "../asn1/der.js";
import { OID } from "../asn1/oids.js";
import { PkiError } from "../errors.js";
import { encodePem, decodePemBlocks } from "../pem.js";

export type KeyAlgo = "rsa" | "ecdsa" | "ed25519";

/** A private key as @k8s/pki uses it: Node KeyObjects plus what cfssl reports about it. */
export interface PrivateKey {
  readonly algo: KeyAlgo;
  /** RSA modulus bits, ECDSA curve bits (256/384/521), 0 for ed25519. */
  readonly size: number;
  readonly keyObject: KeyObject;
  readonly publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Buffer;
}

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };
const CURVE_OIDS: Record<string, string> = { "P-256": OID.p256, "P-384": OID.p384, "P-521": OID.p521 };

/**
 * The DER SubjectPublicKeyInfo of a private key, built from its JWK export:
 * about 10 us, where createPublicKey plus an SPKI export through OpenSSL's
 * encoder took about 250 us per P-256 key (a tenth of a 53-node ECDSA render's
 * PKI). Falls back to OpenSSL for anything else.
 */
function spkiOf(keyObject: KeyObject): Buffer {
  let jwk: JsonWebKey = {};
  try {
    jwk = keyObject.export({ format: "jwk" });
  } catch {
    // A curve JWK has no name for: OpenSSL's encoder below.
  }
  const b = (s: string | undefined): Buffer => Buffer.from(s ?? "", "base64url");
  if (jwk.kty === "EC" && jwk.crv && CURVE_OIDS[jwk.crv]) return seq(seq(oid(OID.ecPublicKey), oid(CURVE_OIDS[jwk.crv]!)), bitString(Buffer.concat([Buffer.of(4), b(jwk.x), b(jwk.y)])));
  if (jwk.kty === "RSA") return seq(seq(oid(OID.rsaEncryption), NULL), bitString(seq(unsignedInteger(b(jwk.n)), unsignedInteger(b(jwk.e)))));
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return seq(seq(oid(OID.ed25519)), bitString(b(jwk.x)));
  return createPublicKey(keyObject).export({ type: "spki", format: "der" });
}

/**
 * Wraps a Node private KeyObject; rejects algorithms and curves cfssl does not
 * support. `publicKey`, when the caller has it (a fresh key pair), saves
 * deriving it again.
 */
export function fromKeyObject(keyObject: KeyObject, publicKey: KeyObject = createPublicKey(keyObject)): PrivateKey {
  const type = keyObject.asymmetricKeyType;
  const spki = spkiOf(keyObject);
  if (type === "rsa") {
    const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0;
    return { algo: "rsa", size: bits, keyObject, publicKey, spki };
  }
  if (type === "ec") {
    const curve = keyObject.asymmetricKeyDetails?.namedCurve ?? "";
    const bits = CURVE_BITS[curve];
    if (!bits) throw new PkiError("key-parse-failed", `unsupported elliptic curve ${curve || "(unknown)"}`);
    return { algo: "ecdsa", size: bits, keyObject, publicKey, spki };
  }
  if (type === "ed25519") return { algo: "ed25519", size: 0, keyObject, publicKey, spki };
  throw new PkiError("key-unsupported-algorithm");
}

/**
 * PEM as cfssl writes it: `RSA PRIVATE KEY` (PKCS#1) and `EC PRIVATE KEY`
 * (SEC1). Ed25519 deliberately deviates: standard PKCS#8 `PRIVATE KEY`
 * instead of cfssl's non-standard `Ed25519 PRIVATE KEY` label, so OpenSSL
 * and Go's x509.ParsePKCS8PrivateKey read it; cfssl itself reads either.
 */
export function encodePrivateKeyPem(key: PrivateKey): string {
  switch (key.algo) {
    case "rsa":
      return key.keyObject.export({ type: "pkcs1", format: "pem" }).toString();
    case "ecdsa":
      return encodePem("EC PRIVATE KEY", key.keyObject.export({ type: "sec1", format: "der" }));
    case "ed25519":
      return encodePem("PRIVATE KEY", key.keyObject.export({ type: "pkcs8", format: "der" }));
  }
}

/**
 * Reads a private key the way cfssl's helpers.ParsePrivateKeyPEM does: the
 * first PEM block that is not `EC PARAMETERS`, under any label, as PKCS#8,
 * PKCS#1 or SEC1. Legacy-encrypted PEM (a `Proc-Type: 4,ENCRYPTED` header)
 * is refused with cfssl's 2100; an encrypted PKCS#8 block (`ENCRYPTED PRIVATE
 * KEY`) has no such header, so, as in cfssl, it fails to parse (2003).
 */
export function parsePrivateKeyPem(input: string | Uint8Array, field?: string): PrivateKey {
  const blocks = decodePemBlocks(input).filter((b) => b.type !== "EC PARAMETERS");
  const block = blocks[0];
  if (!block) throw new PkiError("key-decode-failed", undefined, { field });
  if (block.headers["Proc-Type"]?.includes("ENCRYPTED")) {
    throw new PkiError("key-encrypted", undefined, { field });
  }
  let lastError: unknown;
  for (const type of ["pkcs8", "pkcs1", "sec1"] as const) {
    try {
      const ko = createPrivateKey({ key: block.bytes, format: "der", type });
      return fromKeyObject(ko);
    } catch (e) {
      if (e instanceof PkiError) throw Object.assign(e, { field });
      lastError = e;
    }
  }
  throw new PkiError("key-parse-failed", undefined, { field, cause: lastError });
}
