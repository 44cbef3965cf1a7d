// Usage strings of cfssl's signing profiles and their X.509 meaning
// (cfssl config.KeyUsage / config.ExtKeyUsage, verbatim and case-sensitive).
import { KeyUsageBit } from "../x509/extensions.js";

export const KEY_USAGES: Readonly<Record<string, number>> = {
  signing: KeyUsageBit.digitalSignature,
  "digital signature": KeyUsageBit.digitalSignature,
  "content commitment": KeyUsageBit.contentCommitment,
  "key encipherment": KeyUsageBit.keyEncipherment,
  "key agreement": KeyUsageBit.keyAgreement,
  "data encipherment": KeyUsageBit.dataEncipherment,
  "cert sign": KeyUsageBit.certSign,
  "crl sign": KeyUsageBit.crlSign,
  "encipher only": KeyUsageBit.encipherOnly,
  "decipher only": KeyUsageBit.decipherOnly,
};

export const EXT_KEY_USAGES: Readonly<Record<string, string>> = {
  any: "2.5.29.37.0",
  "server auth": "1.3.6.1.5.5.7.3.1",
  "client auth": "1.3.6.1.5.5.7.3.2",
  "code signing": "1.3.6.1.5.5.7.3.3",
  "email protection": "1.3.6.1.5.5.7.3.4",
  "s/mime": "1.3.6.1.5.5.7.3.4",
  "ipsec end system": "1.3.6.1.5.5.7.3.5",
  "ipsec tunnel": "1.3.6.1.5.5.7.3.6",
  "ipsec user": "1.3.6.1.5.5.7.3.7",
  timestamping: "1.3.6.1.5.5.7.3.8",
  "ocsp signing": "1.3.6.1.5.5.7.3.9",
  "microsoft sgc": "1.3.6.1.4.1.311.10.3.3",
  "netscape sgc": "2.16.840.1.113730.4.1",
};

export interface ResolvedUsages {
  keyUsage: number;
  /** EKU OIDs in the order of the usage list (duplicates kept, as cfssl does). */
  extKeyUsage: string[];
  unknown: string[];
}

/** cfssl SigningProfile.Usages(): KeyUsage bits, EKUs in order, and the strings it did not know. */
export function resolveUsages(usages: readonly string[]): ResolvedUsages {
  const out: ResolvedUsages = { keyUsage: 0, extKeyUsage: [], unknown: [] };
  for (const u of usages) {
    const ku = KEY_USAGES[u];
    const eku = EXT_KEY_USAGES[u];
    if (ku !== undefined) out.keyUsage |= ku;
    else if (eku !== undefined) out.extKeyUsage.push(eku);
    else out.unknown.push(u);
  }
  return out;
}

/** Names for EKU OIDs, for certinfo-style output. */
export const EXT_KEY_USAGE_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(EXT_KEY_USAGES).filter(([k]) => k !== "s/mime").map(([k, v]) => [v, k]),
);
