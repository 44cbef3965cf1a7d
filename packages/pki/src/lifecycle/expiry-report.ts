// The expiry report of `certs check`: rows sorted by expiry, each with its
// signing CA among the certificates found, and the checks against a threshold.
import { formatIp } from "../go/net.js";
import type { FoundCertificate } from "./inventory-certs.js";
import { findIssuer, isSelfSigned } from "./issuer.js";

export interface ExpiryRow {
  name: string;
  subject: string;
  sans: string[];
  issuer: string;
  notAfter: Date;
  notBefore: Date;
  /** Decimal, as Go's SerialNumber.String() (x509-certificate-exporter's `serial_number`). */
  serialNumber: string;
  /** The file it was read from. */
  file: string;
  /** C, ST, L, O, OU and CN of the subject as Go's pkix.Name holds them (first value; CN the last), for exporter labels. */
  subjectFields: NameFields;
  issuerFields: NameFields;
  /** Milliseconds until expiry; negative once expired. */
  residualMs: number;
  /** Name of the found CA certificate whose key verifies its signature, "self" when its own key does, "" when none does. */
  signingCa: string;
  isCa: boolean;
  status: "ok" | "warning" | "expired";
}

/** The distinguished-name fields x509-certificate-exporter labels with (`subject_CN`, `issuer_O`, ...). */
export type NameFields = Partial<Record<"C" | "ST" | "L" | "O" | "OU" | "CN", string>>;

const nameFields = (n: FoundCertificate["certificate"]["subject"]): NameFields => {
  const out: NameFields = {};
  const first = (k: keyof NameFields, v: readonly string[]): void => {
    if (v[0] !== undefined) out[k] = v[0];
  };
  first("C", n.country);
  first("ST", n.province);
  first("L", n.locality);
  first("O", n.organization);
  first("OU", n.organizationalUnit);
  if (n.commonName) out.CN = n.commonName;
  return out;
};

const dn = (c: FoundCertificate["certificate"]["subject"]): string =>
  c.all.map((a) => `${({ "2.5.4.3": "CN", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.6": "C", "2.5.4.8": "ST", "2.5.4.7": "L" } as Record<string, string>)[a.type] ?? a.type}=${a.value}`).join(", ");

/**
 * Builds the rows, soonest expiry first. `warnMs`: rows expiring within it are
 * "warning". The signing CA of each is the found CA certificate whose key
 * verifies its signature.
 */
export function expiryReport(found: FoundCertificate[], now: Date, warnMs: number): ExpiryRow[] {
  const cas = found.filter((f) => f.certificate.basicConstraints?.isCa && f.kind !== "kubeconfig-ca");
  const rows = found.map((f): ExpiryRow => {
    const c = f.certificate;
    // By signature, never by name: a cfssl leaf may carry its CA's very subject.
    const selfSigned = isSelfSigned(c);
    const signer = selfSigned ? undefined : findIssuer(c, cas, (ca) => ca.certificate);
    const residualMs = c.notAfter.getTime() - now.getTime();
    return {
      name: f.name,
      subject: dn(c.subject),
      sans: [...c.sans.dns, ...c.sans.ip.map(formatIp), ...c.sans.email, ...c.sans.uri],
      issuer: dn(c.issuer),
      notAfter: c.notAfter,
      notBefore: c.notBefore,
      serialNumber: c.serialNumber.toString(),
      file: f.path,
      subjectFields: nameFields(c.subject),
      issuerFields: nameFields(c.issuer),
      residualMs,
      signingCa: selfSigned ? "self" : (signer?.name ?? ""),
      isCa: c.basicConstraints?.isCa === true,
      status: residualMs <= 0 ? "expired" : residualMs <= warnMs ? "warning" : "ok",
    };
  });
  return rows.sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime() || a.name.localeCompare(b.name));
}

/** kubeadm-style residual time: `364d`, `23h`, `<invalid>` once expired. */
export function formatResidual(ms: number): string {
  if (ms <= 0) return "<invalid>";
  const h = Math.floor(ms / 3_600_000);
  if (h >= 48) return `${Math.floor(h / 24)}d`;
  if (h >= 1) return `${h}h`;
  return `${Math.max(1, Math.floor(ms / 60_000))}m`;
}

/** Parses `30d`, `720h`, `1h30m`, `90m`: Go durations plus a `d` (24 h) unit. */
export function parseThreshold(s: string): number {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(s);
  if (!m || s === "") throw new Error(`invalid --warn ${JSON.stringify(s)}: use e.g. 30d, 720h or 1h30m`);
  const [, d, h, mi, se] = m;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(mi ?? 0)) * 60_000 + Number(se ?? 0) * 1000;
}

// The textfile lives in its own module; re-exported here, where callers have always found it.
export { prometheusTextfile } from "./expiry-textfile.js";
