// What kind of public key a SubjectPublicKeyInfo holds, for policies that
// allow only some key types and sizes.
import { decodeDer, TAG } from "../asn1/der.js";
import { OID } from "../asn1/oids.js";

export interface PublicKeyInfo {
  algo: "rsa" | "ecdsa" | "ed25519" | "unknown";
  /** RSA modulus bits, ECDSA curve bits; 0 for ed25519 and unknown keys. */
  size: number;
  /** Dotted OID of the key algorithm (and, for EC, of the curve after a slash). */
  oid: string;
}

const CURVES: Record<string, number> = { [OID.p256]: 256, [OID.p384]: 384, [OID.p521]: 521 };

/** Describes a DER SubjectPublicKeyInfo; never throws (malformed input is "unknown"). */
export function publicKeyInfo(spki: Uint8Array): PublicKeyInfo {
  try {
    const [alg, bits] = decodeDer(spki).expect(TAG.SEQUENCE, "spki").children();
    const [id, params] = alg!.children();
    const oid = id!.toOid();
    if (oid === OID.rsaEncryption) {
      const [n] = decodeDer(bits!.toBitStringBytes()).children();
      let c = n!.expect(TAG.INTEGER, "modulus").content;
      while (c.length > 1 && c[0] === 0) c = c.subarray(1);
      const top = c[0] ?? 0;
      return { algo: "rsa", size: (c.length - 1) * 8 + (32 - Math.clz32(top)), oid };
    }
    if (oid === OID.ecPublicKey && params?.tag === TAG.OID) {
      const curve = params.toOid();
      const size = CURVES[curve];
      return size ? { algo: "ecdsa", size, oid: `${oid}/${curve}` } : { algo: "unknown", size: 0, oid: `${oid}/${curve}` };
    }
    if (oid === OID.ed25519) return { algo: "ed25519", size: 0, oid };
    return { algo: "unknown", size: 0, oid };
  } catch {
    return { algo: "unknown", size: 0, oid: "" };
  }
}
