// KeyRequest: cfssl's {"algo","size"} key section, its defaults and checks.
import { generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { PkiError } from "../errors.js";
import { fromKeyObject, type KeyAlgo, type PrivateKey } from "./private-key.js";
import { generateRsaKey } from "./rsa-keygen.js";

const generateKeyPairAsync = promisify(generateKeyPair);

/** cfssl's `key` section. `algo` stays a plain string: cfssl reports unknown ones at generation time. */
export interface KeyRequest {
  algo: string;
  size: number;
}

/** cfssl's default, csr.NewKeyRequest(): ECDSA P-256. */
export const defaultKeyRequest = (): KeyRequest => ({ algo: "ecdsa", size: 256 });

const CURVES: Record<number, string> = { 256: "prime256v1", 384: "secp384r1", 521: "secp521r1" };

/** Checks a key request with cfssl's messages (code 2400), returning the algorithm. */
export function validateKeyRequest(req: KeyRequest): KeyAlgo {
  switch (req.algo) {
    case "rsa":
      if (req.size < 2048) throw new PkiError("key-generation-failed", "RSA key is too weak", { field: "key.size" });
      if (req.size > 8192) throw new PkiError("key-generation-failed", "RSA key size too large", { field: "key.size" });
      return "rsa";
    case "ecdsa":
      if (!CURVES[req.size]) throw new PkiError("key-generation-failed", "invalid curve", { field: "key.size" });
      return "ecdsa";
    case "ed25519":
      return "ed25519";
    default:
      throw new PkiError("key-generation-failed", "invalid algorithm", { field: "key.algo" });
  }
}

const pair = (k: { privateKey: KeyObject; publicKey: KeyObject }): PrivateKey => fromKeyObject(k.privateKey, k.publicKey);

/** Generates a new private key for a request (cfssl KeyRequest.Generate). */
export async function generateKey(req: KeyRequest = defaultKeyRequest()): Promise<PrivateKey> {
  const algo = validateKeyRequest(req);
  try {
    switch (algo) {
      case "rsa":
        // Even sizes from two primes of ours (several times faster than OpenSSL 3's SP 800-56B keygen); odd ones by OpenSSL.
        if (req.size % 2 === 0) return fromKeyObject(await generateRsaKey(req.size));
        return pair(await generateKeyPairAsync("rsa", { modulusLength: req.size, publicExponent: 65537 }));
      case "ecdsa":
        return pair(await generateKeyPairAsync("ec", { namedCurve: CURVES[req.size]! }));
      case "ed25519":
        return pair(await generateKeyPairAsync("ed25519"));
    }
  } catch (e) {
    throw new PkiError("key-generation-failed", undefined, { cause: e });
  }
}
