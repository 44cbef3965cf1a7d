// certinfo: cfssl's JSON description of a certificate (certinfo.Certificate)
// and of a certificate request, with cfssl's key names and value formats.
import { OID } from "./asn1/oids.js";
import type { ParsedCsr } from "./csr/parse.js";
import { formatIp } from "./go/net.js";
import { goSignatureAlgorithmName } from "./keys/signature.js";
import { encodePem } from "./pem.js";
import type { Certificate } from "./x509/certificate.js";
import type { ParsedName } from "./x509/name.js";

export interface CertInfoName {
  common_name?: string;
  serial_number?: string;
  country?: string;
  organization?: string;
  organizational_unit?: string;
  locality?: string;
  province?: string;
  street_address?: string;
  postal_code?: string;
  names?: (string | null)[];
}

export interface CertInfo {
  subject: CertInfoName;
  issuer: CertInfoName;
  serial_number?: string;
  sans?: string[];
  not_before: string;
  not_after: string;
  sigalg: string;
  authority_key_id: string;
  subject_key_id: string;
  pem: string;
}

function describeName(n: ParsedName): CertInfoName {
  const out: CertInfoName = {};
  const set = (k: keyof CertInfoName, v: string): void => {
    if (v !== "") (out as Record<string, unknown>)[k] = v;
  };
  set("common_name", n.commonName);
  set("serial_number", n.serialNumber);
  set("country", n.country.join(","));
  set("organization", n.organization.join(","));
  set("organizational_unit", n.organizationalUnit.join(","));
  set("locality", n.locality.join(","));
  set("province", n.province.join(","));
  set("street_address", n.streetAddress.join(","));
  set("postal_code", n.postalCode.join(","));
  if (n.all.length > 0) out.names = n.all.map((a) => a.value);
  return out;
}

/** cfssl's formatKeyID: uppercase hex pairs joined by colons; "" when absent. */
export const formatKeyId = (id: Uint8Array | undefined): string =>
  id ? Array.from(id, (b) => b.toString(16).toUpperCase().padStart(2, "0")).join(":") : "";

/** Go's time.Time JSON form (RFC 3339, no fraction when whole seconds). */
export function goTimeJson(d: Date): string {
  const iso = d.toISOString();
  return iso.endsWith(".000Z") ? iso.slice(0, -5) + "Z" : iso.replace(/0+Z$/, "Z");
}

/** Describes a certificate as cfssl's certinfo does: SANs are DNS names then IPs only. */
export function certInfo(cert: Certificate): CertInfo {
  const sans = [...cert.sans.dns, ...cert.sans.ip.map(formatIp)];
  const info: CertInfo = {
    subject: describeName(cert.subject),
    issuer: describeName(cert.issuer),
    serial_number: cert.serialNumber.toString(10),
    not_before: goTimeJson(cert.notBefore),
    not_after: goTimeJson(cert.notAfter),
    sigalg: goSignatureAlgorithmName(cert.goSignatureAlgorithm),
    authority_key_id: formatKeyId(cert.authorityKeyId),
    subject_key_id: formatKeyId(cert.subjectKeyId),
    pem: encodePem("CERTIFICATE", cert.raw),
  };
  if (sans.length === 0) return info;
  // Keep cfssl's key order: sans sits between serial_number and not_before.
  const { subject, issuer, serial_number, ...rest } = info;
  return { subject, issuer, serial_number, sans, ...rest };
}

const GO_SIG_ALG: Record<string, number> = {
  "1.2.840.113549.1.1.2": 1,
  "1.2.840.113549.1.1.4": 2,
  [OID.sha1WithRSA]: 3,
  [OID.sha256WithRSA]: 4,
  [OID.sha384WithRSA]: 5,
  [OID.sha512WithRSA]: 6,
  [OID.dsaWithSha1]: 7,
  [OID.dsaWithSha256]: 8,
  [OID.ecdsaWithSha1]: 9,
  [OID.ecdsaWithSha256]: 10,
  [OID.ecdsaWithSha384]: 11,
  [OID.ecdsaWithSha512]: 12,
  [OID.ed25519]: 16,
};
const GO_PK_ALG: Record<string, number> = { [OID.rsaEncryption]: 1, "1.2.840.10040.4.1": 2, [OID.ecPublicKey]: 3, [OID.ed25519]: 4 };

const oidArray = (dotted: string): number[] => dotted.split(".").map(Number);

/**
 * cfssl prints Go's x509.CertificateRequest struct for `certinfo -csr`. This
 * keeps its field names and the useful values; it does not reproduce Go's
 * internal public-key structs byte for byte.
 */
export function csrInfo(csr: ParsedCsr): Record<string, unknown> {
  const s = csr.subject;
  return {
    Raw: csr.raw.toString("base64"),
    RawSubject: s.raw.toString("base64"),
    RawSubjectPublicKeyInfo: csr.spki.toString("base64"),
    Version: 0,
    SignatureAlgorithm: GO_SIG_ALG[csr.signatureAlgorithm] ?? 0,
    PublicKeyAlgorithm: GO_PK_ALG[csr.publicKeyAlgorithm] ?? 0,
    Subject: {
      Country: s.country.length ? s.country : null,
      Organization: s.organization.length ? s.organization : null,
      OrganizationalUnit: s.organizationalUnit.length ? s.organizationalUnit : null,
      Locality: s.locality.length ? s.locality : null,
      Province: s.province.length ? s.province : null,
      StreetAddress: s.streetAddress.length ? s.streetAddress : null,
      PostalCode: s.postalCode.length ? s.postalCode : null,
      SerialNumber: s.serialNumber,
      CommonName: s.commonName,
      // A nil slice in Go: null when the subject is empty.
      Names: s.all.length ? s.all.map((a) => ({ Type: oidArray(a.type), Value: a.value })) : null,
      ExtraNames: null,
    },
    Extensions: csr.extensions.length
      ? csr.extensions.map((e) => ({ Id: oidArray(e.oid), Critical: e.critical, Value: e.value.toString("base64") }))
      : null,
    ExtraExtensions: null,
    DNSNames: csr.sans.dns.length ? csr.sans.dns : null,
    EmailAddresses: csr.sans.email.length ? csr.sans.email : null,
    IPAddresses: csr.sans.ip.length ? csr.sans.ip.map(formatIp) : null,
    URIs: csr.sans.uri.length ? csr.sans.uri : null,
  };
}

/** JSON as Go's encoder writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped. */
export function goJsonStringify(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
