// KeyRequest: cfssl's {"algo","size"} key section, its defaults and checks.
import { generateKeyPair, type KeyObject } from "node:crypto";
import { PkiError } from "../errors.js";
import { fromKeyObject, type KeyAlgo, type PrivateKey } from "./private-key.js";

type KeyPairCallback = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) => void;

/** A key pair from node:crypto's asynchronous generateKeyPair, given the call that starts it. */
async function keyPair(start: (done: KeyPairCallback) => void): Promise<PrivateKey> {
  const [privateKey, publicKey] = await new Promise<[KeyObject, KeyObject]>((resolve, reject) => start((err, pub, priv) => (err ? reject(err) : resolve([priv, pub]))));
  return fromKeyObject(privateKey, publicKey);
}

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

/**
 * Generates a new private key for a request (cfssl KeyRequest.Generate), with
 * OpenSSL through node:crypto's asynchronous generateKeyPair: concurrent calls
 * run in parallel on libuv's thread pool (UV_THREADPOOL_SIZE, 4 by default).
 */
export async function generateKey(req: KeyRequest = defaultKeyRequest()): Promise<PrivateKey> {
  const algo = validateKeyRequest(req);
  try {
    switch (algo) {
      case "rsa":
        // OpenSSL's own keygen (SP 800-56B, with its pairwise and key checks), never numbers of ours. It runs on
        // libuv's thread pool, so keys requested together are made on every core at once.
        return await keyPair((done) => generateKeyPair("rsa", { modulusLength: req.size, publicExponent: 65537 }, done));
      case "ecdsa":
        return await keyPair((done) => generateKeyPair("ec", { namedCurve: CURVES[req.size]! }, done));
      case "ed25519":
        return await keyPair((done) => generateKeyPair("ed25519", undefined, done));
    }
  } catch (e) {
    throw new PkiError("key-generation-failed", undefined, { cause: e });
  }
}
