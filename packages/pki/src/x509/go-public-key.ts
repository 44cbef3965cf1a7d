// A SubjectPublicKeyInfo read by Go's rules (crypto/x509 parsePublicKey and
// getPublicKeyAlgorithmFromOID): a certificate whose key Go refuses is
// refused, and a key of an algorithm Go does not know is kept as "unknown".
// Points and keys are handed to OpenSSL (node:crypto), never checked by
// hand-made arithmetic.
import { createPublicKey, type KeyObject } from "node:crypto";
import { bitString, NULL, oid, seq } from "../asn1/der.js";
import { Cbs, rightAlign } from "../asn1/cryptobyte.js";
import { OID } from "../asn1/oids.js";

const OID_DSA = "1.2.840.10040.4.1";
const OID_P224 = "1.3.132.0.33";

/** The public key of a certificate, as Go's Certificate.PublicKey holds it. */
export type GoPublicKey =
  | { algo: "rsa"; /** modulus, big-endian without leading zeros */ n: Buffer; e: bigint }
  | { algo: "ecdsa"; curve: "P-224" | "P-256" | "P-384" | "P-521"; /** uncompressed point */ point: Buffer }
  | { algo: "ed25519"; key: Buffer }
  | { algo: "dsa"; /** bit length of the prime P */ bits: number }
  | { algo: "unknown" };

/** Go's PublicKeyAlgorithm for a key OID: X25519 is not one of them (it stays unknown, unparsed). */
export function goPublicKeyAlgorithm(algOid: string): GoPublicKey["algo"] {
  switch (algOid) {
    case OID.rsaEncryption:
      return "rsa";
    case OID_DSA:
      return "dsa";
    case OID.ecPublicKey:
      return "ecdsa";
    case OID.ed25519:
      return "ed25519";
    default:
      return "unknown";
  }
}

const CURVES: Record<string, { name: "P-224" | "P-256" | "P-384" | "P-521"; len: number; p: string }> = {
  [OID_P224]: { name: "P-224", len: 28, p: "ffffffffffffffffffffffffffffffff000000000000000000000001" },
  [OID.p256]: { name: "P-256", len: 32, p: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff" },
  [OID.p384]: {
    name: "P-384",
    len: 48,
    p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
  },
  [OID.p521]: { name: "P-521", len: 66, p: "01ff" + "ff".repeat(64) },
};

/**
 * Go's parsePublicKey for a known algorithm. `params` is the parameters
 * element (empty when absent), `bits` the subjectPublicKey BIT STRING.
 * Returns Go's error text for a key Go refuses.
 */
export function parseGoPublicKey(algOid: string, params: Buffer, bits: { bytes: Buffer; bitLength: number }): GoPublicKey | string {
  const data = rightAlign(bits);
  switch (goPublicKeyAlgorithm(algOid)) {
    case "rsa": {
      if (!params.equals(NULL)) return "x509: RSA key missing NULL parameters";
      const outer = Cbs.of(data);
      const der = outer.read(0x30);
      if (!der) return "x509: invalid RSA public key";
      const n = der.readIntegerContent();
      if (n === undefined) return "x509: invalid RSA modulus";
      const e = der.readInt64();
      if (e === undefined) return "x509: invalid RSA public exponent";
      if ((n[0]! & 0x80) !== 0 || (n.length === 1 && n[0] === 0)) return "x509: RSA modulus is not a positive number";
      if (e <= 0n) return "x509: RSA public exponent is not a positive number";
      return { algo: "rsa", n: Buffer.from(n[0] === 0 ? n.subarray(1) : n), e };
    }
    case "ecdsa": {
      const p = Cbs.of(params);
      const curveOid = p.readOid();
      if (curveOid === undefined) return "x509: invalid ECDSA parameters";
      const curve = CURVES[curveOid];
      if (!curve) return "x509: unsupported elliptic curve";
      if (data.length < 1 || data[0] !== 4) return "ecdsa: invalid uncompressed public key";
      if (data.length !== 1 + 2 * curve.len || !ecPointOnCurve(curveOid, data)) return "invalid public key";
      return { algo: "ecdsa", curve: curve.name, point: Buffer.from(data) };
    }
    case "ed25519":
      if (params.length !== 0) return "x509: Ed25519 key encoded with illegal parameters";
      if (data.length !== 32) return "x509: wrong Ed25519 public key size";
      return { algo: "ed25519", key: Buffer.from(data) };
    case "dsa": {
      // Read as INTEGER contents: only signs and P's length matter, and a huge value costs nothing this way.
      const y = Cbs.of(data).readIntegerContent();
      if (y === undefined) return "x509: invalid DSA public key";
      const outer = Cbs.of(params);
      const seqc = outer.read(0x30);
      const pp = seqc?.readIntegerContent();
      const q = pp === undefined ? undefined : seqc!.readIntegerContent();
      const g = q === undefined ? undefined : seqc!.readIntegerContent();
      if (g === undefined) return "x509: invalid DSA parameters";
      if (![y, pp!, q!, g].every(isPositive)) return "x509: zero or negative DSA parameter";
      return { algo: "dsa", bits: bitLength(pp!) };
    }
    default:
      return { algo: "unknown" };
  }
}

/** A minimally encoded INTEGER's content is positive: sign bit clear and not the single zero octet. */
const isPositive = (c: Buffer): boolean => (c[0]! & 0x80) === 0 && !(c.length === 1 && c[0] === 0);

/** big.Int BitLen of a positive minimally encoded INTEGER's content. */
function bitLength(c: Buffer): number {
  const v = c[0] === 0 ? c.subarray(1) : c;
  return v.length === 0 ? 0 : (v.length - 1) * 8 + (32 - Math.clz32(v[0]!));
}

// OpenSSL's point check costs 0.2 ms (P-256) to 1.3 ms (P-521), and a CA's key is
// read again with every certificate it signs: points found valid are remembered,
// with the key object the check made, so the signature check right after the
// parse imports nothing again. At most 256 entries of at most 133 octets.
const validPoints = new Map<string, KeyObject>();
const pointKey = (curveOid: string, point: Buffer): string => curveOid + ":" + point.toString("latin1");

/** Coordinates below the field prime (Go's SetBytes) and on the curve (OpenSSL's import checks it). */
function ecPointOnCurve(curveOid: string, point: Buffer): boolean {
  const key = pointKey(curveOid, point);
  if (validPoints.has(key)) return true;
  const c = CURVES[curveOid]!;
  const p = Buffer.from(c.p.padStart(c.len * 2, "0"), "hex");
  const x = point.subarray(1, 1 + c.len);
  const y = point.subarray(1 + c.len);
  if (Buffer.compare(x, p) >= 0 || Buffer.compare(y, p) >= 0) return false;
  try {
    const ko = ecKeyObject(curveOid, point);
    if (validPoints.size >= 256) validPoints.clear();
    validPoints.set(key, ko);
    return true;
  } catch {
    return false;
  }
}

const b64url = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url");

function ecKeyObject(curveOid: string, point: Buffer): KeyObject {
  const c = CURVES[curveOid]!;
  // Node's JWK import has no P-224: that one goes through DER.
  if (c.name === "P-224") return createPublicKey({ key: seq(seq(oid(OID.ecPublicKey), oid(curveOid)), bitString(point)), format: "der", type: "spki" });
  return createPublicKey({ key: { kty: "EC", crv: c.name, x: b64url(point.subarray(1, 1 + c.len)), y: b64url(point.subarray(1 + c.len)) }, format: "jwk" });
}

const CURVE_OIDS: Record<string, string> = { "P-224": OID_P224, "P-256": OID.p256, "P-384": OID.p384, "P-521": OID.p521 };

/** An OpenSSL key object for a key Go parsed; undefined for keys Go cannot verify with (DSA, unknown). */
export function goPublicKeyObject(k: GoPublicKey): KeyObject | undefined {
  switch (k.algo) {
    case "rsa":
      return createPublicKey({ key: { kty: "RSA", n: b64url(k.n), e: b64url(bigintBytes(k.e)) }, format: "jwk" });
    case "ecdsa": {
      const curveOid = CURVE_OIDS[k.curve]!;
      return validPoints.get(pointKey(curveOid, k.point)) ?? ecKeyObject(curveOid, k.point);
    }
    case "ed25519":
      return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b64url(k.key) }, format: "jwk" });
    default:
      return undefined;
  }
}

function bigintBytes(v: bigint): Buffer {
  let h = v.toString(16);
  if (h.length % 2) h = "0" + h;
  return Buffer.from(h, "hex");
}

/** Reads a whole DER SubjectPublicKeyInfo as Go's parseCertificate does; Go's error text when it refuses. */
export function parseGoSpki(spki: Uint8Array): GoPublicKey | string {
  const outer = Cbs.of(spki);
  const s = outer.read(0x30);
  if (!s) return "x509: malformed spki";
  const ai = s.read(0x30);
  if (!ai) return "x509: malformed public key algorithm identifier";
  const algOid = ai.readOid();
  if (algOid === undefined) return "x509: malformed OID";
  let params: Buffer = Buffer.alloc(0);
  if (!ai.empty) {
    const e = ai.readAny();
    if (!e) return "x509: malformed parameters";
    params = e.element;
  }
  const bits = s.readBitString();
  if (!bits) return "x509: malformed subjectPublicKey";
  return parseGoPublicKey(algOid, params, bits);
}
