// What the approver knows about one CertificateSigningRequest: the API
// object's spec and status, and the PKCS#10 request parsed the way the API
// server and the signers parse it.
import { formatIp, ipForSan, parseCsrDer, publicKeyInfo, decodePemBlocks, type PublicKeyInfo } from "@k8s/pki";

const ATTRIBUTE_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
};

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
  dns: string[];
  email: string[];
  /** Normalised: IPv4-mapped IPv6 addresses become IPv4. */
  ips: string[];
  uris: string[];
  /** SAN types other than DNS, email, IP and URI (otherName, directoryName, ...), by tag number. */
  otherSanTags: number[];
  key: PublicKeyInfo;
}

export type ParseResult = { ok: true; request: ParsedRequest } | { ok: false; error: string };

/**
 * Parses spec.request like k8s.io/kubernetes' certificates helper ParseCSR:
 * the first PEM block only, which must be a CERTIFICATE REQUEST, with a valid
 * self-signature. Never throws.
 */
export function parseRequest(pem: string): ParseResult {
  const block = decodePemBlocks(pem)[0];
  if (!block || block.type !== "CERTIFICATE REQUEST") return { ok: false, error: "PEM block type must be CERTIFICATE REQUEST" };
  try {
    const csr = parseCsrDer(block.bytes, true);
    const counts = new Map<string, number>();
    for (const a of csr.subject.all) counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
    const repeated = [...counts.entries()].filter(([, n]) => n > 1).map(([t]) => ATTRIBUTE_NAMES[t] ?? t);
    return {
      ok: true,
      request: {
        commonName: csr.subject.commonName,
        organization: csr.subject.organization,
        repeatedAttributes: repeated,
        dns: csr.sans.dns,
        email: csr.sans.email,
        ips: csr.sans.ip.map((ip) => formatIp(ipForSan(ip))),
        uris: csr.sans.uri,
        otherSanTags: csr.sans.other.map((o) => o.tag),
        key: publicKeyInfo(csr.spki),
      },
    };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
