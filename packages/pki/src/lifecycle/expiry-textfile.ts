// The node_exporter textfile of `certs check`: our own series, plus the names
// and labels of x509-certificate-exporter (x509_cert_not_after, _not_before,
// _expired) so the dashboards and alerts written for that exporter work on
// these files unchanged.
import { basename, isAbsolute, resolve } from "node:path";
import type { ExpiryRow, NameFields } from "./expiry-report.js";

const esc = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

const FIELDS = ["C", "ST", "L", "O", "OU", "CN"] as const satisfies readonly (keyof NameFields)[];

/** A row of `certs check --inventory` also says which node and which path on it. */
type Row = ExpiryRow & { node?: string; path?: string };

// The exporter's label order: file, kubeconfig entry, serial, issuer, subject.
// Every series carries every label (empty when it does not apply), as the
// exporter does: node_exporter refuses a family whose series differ in label names.
function exporterLabels(r: Row, withNode: boolean): [string, string][] {
  const filepath = r.node !== undefined && r.path !== undefined ? r.path : isAbsolute(r.file) ? r.file : resolve(r.file);
  // Kubeconfig rows end in `[user NAME]` or `[cluster NAME]` (see findCertificates).
  const entry = /\[(user|cluster) ([^\]]*)\]$/.exec(r.name);
  const out: [string, string][] = [
    ["filename", basename(filepath)],
    ["filepath", filepath],
    ["embedded_kind", entry?.[1] ?? ""],
    ["embedded_key", entry?.[2] ?? ""],
    ["serial_number", r.serialNumber],
    ...FIELDS.map((f): [string, string] => [`issuer_${f}`, r.issuerFields[f] ?? ""]),
    ...FIELDS.map((f): [string, string] => [`subject_${f}`, r.subjectFields[f] ?? ""]),
  ];
  if (withNode) out.push(["node", r.node ?? ""]);
  return out;
}

const render = (labels: readonly [string, string][]): string => `{${labels.map(([k, v]) => `${k}="${esc(v)}"`).join(",")}}`;

/**
 * A node_exporter textfile: per certificate `k8s_pki_certificate_expiry_timestamp_seconds{name,subject,issuer,ca}`
 * and x509-certificate-exporter's `x509_cert_not_after`, `x509_cert_not_before`, `x509_cert_expired`
 * (with a `node` label too when the rows come from several nodes), and when it was written.
 */
export function prometheusTextfile(rows: readonly Row[], now: Date): string {
  const withNode = rows.some((r) => r.node !== undefined);
  const seen = new Set<string>();
  const exporter: { labels: string; row: Row }[] = [];
  for (const row of rows) {
    const labels = render(exporterLabels(row, withNode));
    // The same certificate twice in one bundle would be a duplicate series, and node_exporter drops a file that has one.
    if (seen.has(labels)) continue;
    seen.add(labels);
    exporter.push({ labels, row });
  }
  const unix = (d: Date): number => Math.floor(d.getTime() / 1000);
  const lines = [
    "# HELP k8s_pki_certificate_expiry_timestamp_seconds When the certificate expires (notAfter), as a Unix time.",
    "# TYPE k8s_pki_certificate_expiry_timestamp_seconds gauge",
    ...rows.map((r) => `k8s_pki_certificate_expiry_timestamp_seconds{name="${esc(r.name)}",subject="${esc(r.subject)}",issuer="${esc(r.issuer)}",ca="${r.isCa}"} ${unix(r.notAfter)}`),
    "# HELP x509_cert_not_after The certificate's notAfter as a Unix time (x509-certificate-exporter's name and labels).",
    "# TYPE x509_cert_not_after gauge",
    ...exporter.map((e) => `x509_cert_not_after${e.labels} ${unix(e.row.notAfter)}`),
    "# HELP x509_cert_not_before The certificate's notBefore as a Unix time (x509-certificate-exporter's name and labels).",
    "# TYPE x509_cert_not_before gauge",
    ...exporter.map((e) => `x509_cert_not_before${e.labels} ${unix(e.row.notBefore)}`),
    "# HELP x509_cert_expired 1 once the certificate's notAfter has passed, else 0.",
    "# TYPE x509_cert_expired gauge",
    ...exporter.map((e) => `x509_cert_expired${e.labels} ${now.getTime() > e.row.notAfter.getTime() ? 1 : 0}`),
    "# HELP k8s_pki_certificate_check_timestamp_seconds When this file was written.",
    "# TYPE k8s_pki_certificate_check_timestamp_seconds gauge",
    `k8s_pki_certificate_check_timestamp_seconds ${unix(now)}`,
  ];
  return lines.join("\n") + "\n";
}
