// Signature algorithms: which one a key signs with (cfssl's SignerAlgo), and
// signing/verifying with Node's crypto directly, the fast path.
import { sign as nodeSign, verify as nodeVerify, createPublicKey, constants as cryptoConstants, type KeyObject } from "node:crypto";
import { NULL, decodeDer, goOidFromContent, oid, seq } from "../asn1/der.js";
import { OID } from "../asn1/oids.js";
import { goPublicKeyObject, parseGoSpki, type GoPublicKey } from "../x509/go-public-key.js";
import type { PrivateKey } from "./private-key.js";

export interface SignatureAlgorithm {
  /** Dotted OID of the signature algorithm. */
  oid: string;
  /** Node digest name, or null for Ed25519. */
  hash: string | null;
  /** DER AlgorithmIdentifier. */
  der: Buffer;
}

function alg(o: string, hash: string | null, nullParams: boolean): SignatureAlgorithm {
  return { oid: o, hash, der: nullParams ? seq(oid(o), NULL) : seq(oid(o)) };
}

const ALGS = {
  sha1WithRSA: alg(OID.sha1WithRSA, "sha1", true),
  sha256WithRSA: alg(OID.sha256WithRSA, "sha256", true),
  sha384WithRSA: alg(OID.sha384WithRSA, "sha384", true),
  sha512WithRSA: alg(OID.sha512WithRSA, "sha512", true),
  ecdsaWithSha256: alg(OID.ecdsaWithSha256, "sha256", false),
  ecdsaWithSha384: alg(OID.ecdsaWithSha384, "sha384", false),
  ecdsaWithSha512: alg(OID.ecdsaWithSha512, "sha512", false),
  ed25519: alg(OID.ed25519, null, false),
};

/** cfssl's helpers.SignerAlgo: the hash follows the signing key's size. */
export function signatureAlgorithmFor(key: Pick<PrivateKey, "algo" | "size">): SignatureAlgorithm {
  switch (key.algo) {
    case "rsa":
      return key.size >= 4096 ? ALGS.sha512WithRSA : key.size >= 3072 ? ALGS.sha384WithRSA : key.size >= 2048 ? ALGS.sha256WithRSA : ALGS.sha1WithRSA;
    case "ecdsa":
      return key.size === 521 ? ALGS.ecdsaWithSha512 : key.size === 384 ? ALGS.ecdsaWithSha384 : ALGS.ecdsaWithSha256;
    case "ed25519":
      return ALGS.ed25519;
  }
}

export function signData(key: PrivateKey, algorithm: SignatureAlgorithm, data: Uint8Array): Buffer {
  return nodeSign(algorithm.hash, data, key.keyObject);
}

const JWK_CURVES: Record<string, { crv: string; len: number }> = {
  [OID.p256]: { crv: "P-256", len: 32 },
  [OID.p384]: { crv: "P-384", len: 48 },
  [OID.p521]: { crv: "P-521", len: 66 },
};

const b64url = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url");

/**
 * Imports a DER SubjectPublicKeyInfo. Goes through JWK where it can: Node's
 * DER/SPKI import runs OpenSSL's generic decoder, which costs more than the
 * ECDSA verify itself (about 110 us against 65 us for an EC JWK and 5 us for
 * an RSA JWK on the benchmark machine). OpenSSL still checks the point.
 */
export function importSpki(spki: Uint8Array): KeyObject {
  try {
    const [alg, bits] = decodeDer(spki).children();
    const [algId, params] = alg!.children();
    const algOid = algId!.toOid();
    const key = bits!.toBitStringBytes();
    if (algOid === OID.ecPublicKey && params?.tag === 0x06) {
      const curve = JWK_CURVES[params.toOid()];
      if (curve && key.length === 1 + 2 * curve.len && key[0] === 4) {
        const x = key.subarray(1, 1 + curve.len);
        const y = key.subarray(1 + curve.len);
        return createPublicKey({ key: { kty: "EC", crv: curve.crv, x: b64url(x), y: b64url(y) }, format: "jwk" });
      }
    } else if (algOid === OID.rsaEncryption) {
      const [n, e] = decodeDer(key).children();
      const strip = (b: Buffer): Buffer => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);
      if (n && e && n.tag === 0x02 && e.tag === 0x02 && !(n.content[0]! & 0x80)) {
        return createPublicKey({ key: { kty: "RSA", n: b64url(strip(n.content)), e: b64url(strip(e.content)) }, format: "jwk" });
      }
    } else if (algOid === OID.ed25519 && key.length === 32) {
      return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b64url(key) }, format: "jwk" });
    }
  } catch {
    // fall through to the generic decoder, which reports what is wrong
  }
  return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
}

/**
 * Verifies a signature as Go's checkSignature does (SHA-1 allowed, as in
 * CertificateRequest.CheckSignature and Certificate.CheckSignature): false
 * for a bad signature, an unknown or insecure algorithm, or a key that Go
 * refuses or that does not fit the algorithm. `params` is the signature
 * AlgorithmIdentifier's parameters element, needed for RSA-PSS.
 */
export function verifySignature(algorithmOid: string, spki: Uint8Array | KeyObject, data: Uint8Array, signature: Uint8Array, params?: Uint8Array): boolean {
  try {
    const der = spki instanceof Uint8Array ? spki : spki.export({ type: "spki", format: "der" });
    return checkSignatureGo(algorithmOid, params, der, data, signature, true);
  } catch {
    return false;
  }
}

/** cfssl's certinfo names for signature algorithms (helpers.SignatureString). */
export function signatureAlgorithmName(algorithmOid: string): string {
  const names: Record<string, string> = {
    [OID.md2WithRSA]: "MD2WithRSA",
    [OID.md5WithRSA]: "MD5WithRSA",
    [OID.sha1WithRSA]: "SHA1WithRSA",
    [OID.sha256WithRSA]: "SHA256WithRSA",
    [OID.sha384WithRSA]: "SHA384WithRSA",
    [OID.sha512WithRSA]: "SHA512WithRSA",
    [OID.dsaWithSha1]: "DSAWithSHA1",
    [OID.dsaWithSha256]: "DSAWithSHA256",
    [OID.ecdsaWithSha1]: "ECDSAWithSHA1",
    [OID.ecdsaWithSha256]: "ECDSAWithSHA256",
    [OID.ecdsaWithSha384]: "ECDSAWithSHA384",
    [OID.ecdsaWithSha512]: "ECDSAWithSHA512",
    [OID.ed25519]: "Ed25519",
  };
  return names[algorithmOid] ?? "Unknown Signature";
}

// ---------------------------------------------------------------- Go's checkSignature

/** Go's x509.SignatureAlgorithm values. */
export const GoSignatureAlgorithm = {
  Unknown: 0,
  MD2WithRSA: 1,
  MD5WithRSA: 2,
  SHA1WithRSA: 3,
  SHA256WithRSA: 4,
  SHA384WithRSA: 5,
  SHA512WithRSA: 6,
  DSAWithSHA1: 7,
  DSAWithSHA256: 8,
  ECDSAWithSHA1: 9,
  ECDSAWithSHA256: 10,
  ECDSAWithSHA384: 11,
  ECDSAWithSHA512: 12,
  SHA256WithRSAPSS: 13,
  SHA384WithRSAPSS: 14,
  SHA512WithRSAPSS: 15,
  PureEd25519: 16,
} as const;

interface GoSigDetails {
  pubKeyAlgo: "rsa" | "dsa" | "ecdsa" | "ed25519";
  /** Node digest name; null for Ed25519 (no pre-hash). */
  hash: string | null;
  pss: boolean;
  /** The hash's output size, for PSS salts. */
  size: number;
}

const G = GoSignatureAlgorithm;
// Go's signatureAlgorithmDetails; MD2 is not in it (Go reads it as unknown).
const GO_DETAILS: Record<number, GoSigDetails> = {
  [G.MD5WithRSA]: { pubKeyAlgo: "rsa", hash: "md5", pss: false, size: 16 },
  [G.SHA1WithRSA]: { pubKeyAlgo: "rsa", hash: "sha1", pss: false, size: 20 },
  [G.SHA256WithRSA]: { pubKeyAlgo: "rsa", hash: "sha256", pss: false, size: 32 },
  [G.SHA384WithRSA]: { pubKeyAlgo: "rsa", hash: "sha384", pss: false, size: 48 },
  [G.SHA512WithRSA]: { pubKeyAlgo: "rsa", hash: "sha512", pss: false, size: 64 },
  [G.SHA256WithRSAPSS]: { pubKeyAlgo: "rsa", hash: "sha256", pss: true, size: 32 },
  [G.SHA384WithRSAPSS]: { pubKeyAlgo: "rsa", hash: "sha384", pss: true, size: 48 },
  [G.SHA512WithRSAPSS]: { pubKeyAlgo: "rsa", hash: "sha512", pss: true, size: 64 },
  [G.DSAWithSHA1]: { pubKeyAlgo: "dsa", hash: "sha1", pss: false, size: 20 },
  [G.DSAWithSHA256]: { pubKeyAlgo: "dsa", hash: "sha256", pss: false, size: 32 },
  [G.ECDSAWithSHA1]: { pubKeyAlgo: "ecdsa", hash: "sha1", pss: false, size: 20 },
  [G.ECDSAWithSHA256]: { pubKeyAlgo: "ecdsa", hash: "sha256", pss: false, size: 32 },
  [G.ECDSAWithSHA384]: { pubKeyAlgo: "ecdsa", hash: "sha384", pss: false, size: 48 },
  [G.ECDSAWithSHA512]: { pubKeyAlgo: "ecdsa", hash: "sha512", pss: false, size: 64 },
  [G.PureEd25519]: { pubKeyAlgo: "ed25519", hash: null, pss: false, size: 0 },
};

const GO_BY_OID: Record<string, number> = {
  [OID.md5WithRSA]: G.MD5WithRSA,
  [OID.sha1WithRSA]: G.SHA1WithRSA,
  "1.3.14.3.2.29": G.SHA1WithRSA,
  [OID.sha256WithRSA]: G.SHA256WithRSA,
  [OID.sha384WithRSA]: G.SHA384WithRSA,
  [OID.sha512WithRSA]: G.SHA512WithRSA,
  [OID.dsaWithSha1]: G.DSAWithSHA1,
  [OID.dsaWithSha256]: G.DSAWithSHA256,
  [OID.ecdsaWithSha1]: G.ECDSAWithSHA1,
  [OID.ecdsaWithSha256]: G.ECDSAWithSHA256,
  [OID.ecdsaWithSha384]: G.ECDSAWithSHA384,
  [OID.ecdsaWithSha512]: G.ECDSAWithSHA512,
  [OID.ed25519]: G.PureEd25519,
};

/**
 * Go's getSignatureAlgorithmFromAI. `params` is the parameters element as it
 * appears (empty or undefined when absent). Parameters are ignored except for
 * Ed25519 (must be absent) and RSA-PSS (only Go's three SHA-2 shapes).
 */
export function goSignatureAlgorithm(algorithmOid: string, params?: Uint8Array): number {
  const p = params ?? new Uint8Array(0);
  if (algorithmOid === OID.ed25519 && p.length !== 0) return G.Unknown;
  if (algorithmOid !== OID.rsaPss) return GO_BY_OID[algorithmOid] ?? G.Unknown;
  return goPssAlgorithm(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
}

const SHA256 = "2.16.840.1.101.3.4.2.1";
const SHA384 = "2.16.840.1.101.3.4.2.2";
const SHA512 = "2.16.840.1.101.3.4.2.3";
const MGF1 = "1.2.840.113549.1.1.8";

function goPssAlgorithm(params: Buffer): number {
  const pss = unmarshalPssParameters(params);
  if (!pss) return G.Unknown;
  const mgfHash = unmarshalAlgorithmIdentifier(pss.mgf.params, 0);
  if (!mgfHash) return G.Unknown;
  const nullOrAbsent = (b: Buffer): boolean => b.length === 0 || b.equals(NULL);
  if (!nullOrAbsent(pss.hash.params) || pss.mgf.oid !== MGF1 || mgfHash.oid !== pss.hash.oid || !nullOrAbsent(mgfHash.params) || pss.trailer !== 1n) {
    return G.Unknown;
  }
  if (pss.hash.oid === SHA256 && pss.salt === 32n) return G.SHA256WithRSAPSS;
  if (pss.hash.oid === SHA384 && pss.salt === 48n) return G.SHA384WithRSAPSS;
  if (pss.hash.oid === SHA512 && pss.salt === 64n) return G.SHA512WithRSAPSS;
  return G.Unknown;
}

// The PSS parameters are read with encoding/asn1's Unmarshal in Go, whose
// rules differ from cryptobyte's: high tag numbers parse, an EXPLICIT tag's
// own length does not bound its child, and a SEQUENCE may carry extra
// elements. The helpers below follow those rules for the pssParameters shape.
interface AsnTl {
  cls: number;
  compound: boolean;
  tag: number;
  /** offset of the content */
  off: number;
  len: number;
}

function asnTagAndLength(b: Buffer, at: number): AsnTl | undefined {
  let off = at;
  if (off >= b.length) return undefined;
  const first = b[off++]!;
  let tag = first & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    for (let shifted = 0; ; shifted++) {
      if (off >= b.length || shifted === 5) return undefined;
      const c = b[off++]!;
      if (shifted === 0 && c === 0x80) return undefined;
      tag = tag * 128 + (c & 0x7f);
      if ((c & 0x80) === 0) break;
    }
    if (tag > 0x7fffffff || tag < 0x1f) return undefined;
  }
  if (off >= b.length) return undefined;
  const lb = b[off++]!;
  let len = lb & 0x7f;
  if (lb & 0x80) {
    const n = lb & 0x7f;
    if (n === 0) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) {
      if (off >= b.length || len >= 1 << 23) return undefined;
      len = len * 256 + b[off++]!;
      if (len === 0) return undefined;
    }
    if (len < 0x80) return undefined;
  }
  return { cls: first >> 6, compound: (first & 0x20) !== 0, tag, off, len };
}


interface Ai {
  oid: string;
  params: Buffer;
}

/** An AlgorithmIdentifier SEQUENCE at `at` in `b` (Unmarshal into pkix.AlgorithmIdentifier). */
function unmarshalAlgorithmIdentifier(b: Buffer, at: number, tl = asnTagAndLength(b, at)): (Ai & { end: number }) | undefined {
  if (!tl || tl.cls !== 0 || tl.tag !== 0x10 || !tl.compound || tl.off + tl.len > b.length) return undefined;
  const inner = b.subarray(tl.off, tl.off + tl.len);
  const o = asnTagAndLength(inner, 0);
  if (!o || o.cls !== 0 || o.tag !== 6 || o.compound || o.off + o.len > inner.length) return undefined;
  const id = goOidFromContent(inner.subarray(o.off, o.off + o.len));
  if (id === undefined) return undefined;
  let params: Buffer = Buffer.alloc(0);
  const pAt = o.off + o.len;
  if (pAt < inner.length) {
    const p = asnTagAndLength(inner, pAt);
    if (!p || p.off + p.len > inner.length) return undefined;
    params = inner.subarray(pAt, p.off + p.len);
  }
  return { oid: id, params, end: tl.off + tl.len };
}

function asnInt64(c: Buffer): bigint | undefined {
  if (c.length === 0 || c.length > 8) return undefined;
  if (c.length > 1 && ((c[0] === 0 && (c[1]! & 0x80) === 0) || (c[0] === 0xff && (c[1]! & 0x80) === 0x80))) return undefined;
  let n = BigInt("0x" + c.toString("hex"));
  if (c[0]! & 0x80) n -= 1n << BigInt(c.length * 8);
  return n;
}

/** The child of an EXPLICIT [n] at `at`: Go reads its header right after the tag's, ignoring the tag's length. */
function explicitChild(b: Buffer, at: number, n: number): AsnTl | "absent" | undefined {
  const t = asnTagAndLength(b, at);
  if (!t) return undefined;
  if (t.off === b.length) return undefined;
  if (t.cls !== 2 || t.tag !== n || !(t.len === 0 || t.compound)) return "absent";
  if (t.len === 0) return undefined;
  return asnTagAndLength(b, t.off);
}

function unmarshalPssParameters(params: Buffer): { hash: Ai; mgf: Ai; salt: bigint; trailer: bigint } | undefined {
  const top = asnTagAndLength(params, 0);
  if (!top || top.cls !== 0 || top.tag !== 0x10 || !top.compound || top.off + top.len > params.length) return undefined;
  const b = params.subarray(top.off, top.off + top.len);
  const ai = (at: number, n: number): (Ai & { end: number }) | undefined => {
    if (at >= b.length) return undefined;
    const c = explicitChild(b, at, n);
    if (c === undefined || c === "absent") return undefined;
    return unmarshalAlgorithmIdentifier(b, 0, c);
  };
  const hash = ai(0, 0);
  const mgf = hash && ai(hash.end, 1);
  if (!hash || !mgf) return undefined;
  if (mgf.end >= b.length) return undefined;
  const s = explicitChild(b, mgf.end, 2);
  if (s === undefined || s === "absent" || s.cls !== 0 || s.tag !== 2 || s.compound || s.off + s.len > b.length) return undefined;
  const salt = asnInt64(b.subarray(s.off, s.off + s.len));
  if (salt === undefined) return undefined;
  let trailer = 1n;
  const tAt = s.off + s.len;
  if (tAt < b.length) {
    const t = explicitChild(b, tAt, 3);
    if (t === undefined) return undefined;
    // A mismatched optional member takes the DEFAULT, as encoding/asn1 does.
    if (t !== "absent" && t.cls === 0 && t.tag === 2 && !t.compound) {
      if (t.off + t.len > b.length) return undefined;
      const v = asnInt64(b.subarray(t.off, t.off + t.len));
      if (v === undefined) return undefined;
      trailer = v;
    }
  }
  return { hash, mgf, salt, trailer };
}

/**
 * Go's checkSignature (crypto/x509): the algorithm's key type must be the
 * key's, MD5 is refused, SHA-1 only where `allowSha1` (Go allows it for
 * CertificateRequest.CheckSignature and Certificate.CheckSignature, not for
 * CheckSignatureFrom), RSA keys need 1024 bits or more, an odd modulus and an
 * odd exponent of at most 2^31-1. Returns undefined when the signature
 * verifies, else Go's error text.
 */
export function goCheckSignature(algo: number, signed: Uint8Array, signature: Uint8Array, key: GoPublicKey, allowSha1 = true): string | undefined {
  const d = GO_DETAILS[algo];
  if (!d) return "x509: cannot verify signature: algorithm unimplemented";
  if (d.hash === "md5") return `x509: cannot verify signature: insecure algorithm ${algo}`;
  if (d.hash === "sha1" && !allowSha1) return `x509: cannot verify signature: insecure algorithm ${algo}`;
  if (key.algo !== "rsa" && key.algo !== "ecdsa" && key.algo !== "ed25519") return "x509: cannot verify signature: algorithm unimplemented";
  if (key.algo !== d.pubKeyAlgo) return `x509: signature algorithm specifies an ${d.pubKeyAlgo} public key, but have public key of type ${key.algo}`;
  try {
    const ko = goPublicKeyObject(key)!;
    switch (key.algo) {
      case "rsa": {
        const bits = key.n.length * 8 - Math.clz32(key.n[0]!) + 24;
        if (bits < 1024) return `crypto/rsa: ${bits}-bit keys are insecure`;
        if ((key.n[key.n.length - 1]! & 1) === 0) return "crypto/rsa: public modulus is even";
        if (key.e < 2n) return "crypto/rsa: public exponent too small or negative";
        if ((key.e & 1n) === 0n) return "crypto/rsa: public exponent is even";
        if (key.e > 0x7fffffffn) return "crypto/rsa: public exponent too large";
        if (signature.length !== key.n.length) return "crypto/rsa: verification error";
        const ok = d.pss
          ? nodeVerify(d.hash, signed, { key: ko, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: d.size }, signature)
          : nodeVerify(d.hash, signed, ko, signature);
        return ok ? undefined : "crypto/rsa: verification error";
      }
      case "ecdsa":
        return nodeVerify(d.hash, signed, ko, signature) ? undefined : "x509: ECDSA verification failure";
      case "ed25519":
        return signature.length === 64 && nodeVerify(null, signed, ko, signature) ? undefined : "x509: Ed25519 verification failure";
    }
  } catch {
    return "x509: signature verification failure";
  }
}

/**
 * Go's checkSignature from the wire forms: the signature AlgorithmIdentifier's
 * OID and parameters element, and the signer's DER SubjectPublicKeyInfo (read
 * with Go's parsePublicKey rules). True only where Go's check returns nil.
 */
export function checkSignatureGo(
  sigAlgOid: string,
  sigAlgParams: Uint8Array | undefined,
  spki: Uint8Array,
  signed: Uint8Array,
  signature: Uint8Array,
  allowSha1 = true,
): boolean {
  const key = parseGoSpki(spki);
  if (typeof key === "string") return false;
  return goCheckSignature(goSignatureAlgorithm(sigAlgOid, sigAlgParams), signed, signature, key, allowSha1) === undefined;
}

const GO_ALGORITHM_OID: Record<number, string> = {
  [G.MD2WithRSA]: OID.md2WithRSA,
  [G.MD5WithRSA]: OID.md5WithRSA,
  [G.SHA1WithRSA]: OID.sha1WithRSA,
  [G.SHA256WithRSA]: OID.sha256WithRSA,
  [G.SHA384WithRSA]: OID.sha384WithRSA,
  [G.SHA512WithRSA]: OID.sha512WithRSA,
  [G.DSAWithSHA1]: OID.dsaWithSha1,
  [G.DSAWithSHA256]: OID.dsaWithSha256,
  [G.ECDSAWithSHA1]: OID.ecdsaWithSha1,
  [G.ECDSAWithSHA256]: OID.ecdsaWithSha256,
  [G.ECDSAWithSHA384]: OID.ecdsaWithSha384,
  [G.ECDSAWithSHA512]: OID.ecdsaWithSha512,
  [G.PureEd25519]: OID.ed25519,
};

/** cfssl's helpers.SignatureString of Go's SignatureAlgorithm (RSA-PSS and unknown ones are "Unknown Signature"). */
export const goSignatureAlgorithmName = (algo: number): string => signatureAlgorithmName(GO_ALGORITHM_OID[algo] ?? "");
