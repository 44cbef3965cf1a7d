// What the approver knows about one CertificateSigningRequest: the API
// object's spec and status, and the PKCS#10 request parsed the way the API
// server and the signers parse it, accepted only in canonical form.
import { formatIp, ipForSan, isPkiError, parseCanonicalCsrPem, publicKeyInfo, type PublicKeyInfo } from "@k8s/pki";

const ATTRIBUTE_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
};

const OID_CN = "2.5.4.3";
const OID_O = "2.5.4.10";

export const KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
export const KUBELET_SERVING_SIGNER = "kubernetes.io/kubelet-serving";

/** The parts of a CertificateSigningRequest object a decision reads. */
export interface CsrObject {
  name: string;
  signerName: string;
  /** spec.request, base64-decoded: PEM text. */
  request: string;
  usages: string[];
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
  expirationSeconds?: number;
  /** Condition types present in status (Approved, Denied, Failed). */
  conditions: string[];
  /** True when status.certificate is set. */
  issued: boolean;
  createdAt?: Date;
}

/** The request as the signer sees it. */
export interface ParsedRequest {
  commonName: string;
  organization: string[];
  /** Subject attribute types that appear more than once (e.g. two CNs). */
  repeatedAttributes: string[];
  /** Subject attribute types other than O and CN (a node's certificate has only those two). */
  otherSubjectAttributes: string[];
  dns: string[];
  email: string[];
  /** Normalised: IPv4-mapped IPv6 addresses become IPv4. */
  ips: string[];
  uris: string[];
  /** SAN types other than DNS, email, IP and URI (otherName, directoryName, ...), by identifier octet. */
  otherSanTags: number[];
  key: PublicKeyInfo;
}

export type ParseResult =
  | { ok: true; request: ParsedRequest }
  /** `non-canonical-request`: not in the one form every reader agrees on; `unparseable-request`: Go itself refuses it. */
  | { ok: false; rule: "non-canonical-request" | "unparseable-request"; error: string };

/**
 * Parses spec.request (its bytes, one character per byte) as kube-apiserver
 * and the signers do (Go's pem.Decode and x509.ParseCertificateRequest, the
 * signature checked), and only in canonical form (see parseCanonicalCsrPem):
 * one CERTIFICATE REQUEST block exactly as Go writes it, strict DER, subject
 * values as PrintableString or UTF8String, one extensionRequest value with
 * only a subjectAltName of DNS names and IPs. Never throws.
 */
export function parseRequest(request: string | Uint8Array): ParseResult {
  const bytes = typeof request === "string" ? Buffer.from(request, "latin1") : request;
  try {
    const csr = parseCanonicalCsrPem(bytes, { sanTypes: ["dns", "ip"] });
    const counts = new Map<string, number>();
    for (const a of csr.subject.all) counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
    const repeated = [...counts.entries()].filter(([, n]) => n > 1).map(([t]) => ATTRIBUTE_NAMES[t] ?? t);
    return {
      ok: true,
      request: {
        commonName: csr.subject.commonName,
        organization: csr.subject.organization,
        repeatedAttributes: repeated,
        otherSubjectAttributes: [...new Set(csr.subject.all.map((a) => a.type).filter((t) => t !== OID_O && t !== OID_CN))].map((t) => ATTRIBUTE_NAMES[t] ?? t),
        dns: csr.sans.dns,
        email: csr.sans.email,
        ips: csr.sans.ip.map((ip) => formatIp(ipForSan(ip))),
        uris: csr.sans.uri,
        otherSanTags: csr.sans.other.map((o) => o.tag),
        key: publicKeyInfo(csr.spki),
      },
    };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { ok: false, rule: isPkiError(e) && e.code === "csr-not-canonical" ? "non-canonical-request" : "unparseable-request", error };
  }
}
