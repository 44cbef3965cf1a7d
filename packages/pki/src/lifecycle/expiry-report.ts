// The expiry report of `certs check`: rows sorted by expiry, each with its
// signing CA among the certificates found, and the checks against a threshold.
import { formatIp } from "../go/hosts.js";
import type { FoundCertificate } from "./inventory-certs.js";
import { findIssuer, isSelfSigned } from "./issuer.js";

export interface ExpiryRow {
  name: string;
  subject: string;
  sans: string[];
  issuer: string;
  notAfter: Date;
  /** Milliseconds until expiry; negative once expired. */
  residualMs: number;
  /** Name of the found CA certificate whose key verifies its signature, "self" when its own key does, "" when none does. */
  signingCa: string;
  isCa: boolean;
  status: "ok" | "warning" | "expired";
}

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

const esc = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

/** A node_exporter textfile: expiry time and residual seconds per certificate. */
export function prometheusTextfile(rows: ExpiryRow[], now: Date): string {
  const lines = [
    "# HELP k8s_pki_certificate_expiry_timestamp_seconds When the certificate expires (notAfter), as a Unix time.",
    "# TYPE k8s_pki_certificate_expiry_timestamp_seconds gauge",
    ...rows.map((r) => `k8s_pki_certificate_expiry_timestamp_seconds{name="${esc(r.name)}",subject="${esc(r.subject)}",issuer="${esc(r.issuer)}",ca="${r.isCa}"} ${Math.floor(r.notAfter.getTime() / 1000)}`),
    "# HELP k8s_pki_certificate_check_timestamp_seconds When this file was written.",
    "# TYPE k8s_pki_certificate_check_timestamp_seconds gauge",
    `k8s_pki_certificate_check_timestamp_seconds ${Math.floor(now.getTime() / 1000)}`,
  ];
  return lines.join("\n") + "\n";
}
