// `k8s-pki token list` output: kubeadm's columns and padding, and its -o json/yaml shape.
import { rfc3339, type TokenInfo } from "./token-secret.js";

/** apimachinery's ShortHumanDuration, as kubeadm prints TTLs. */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Go's text/tabwriter with kubeadm's settings (minwidth 10, padding 3); the last column is not padded. */
export function tabulate(rows: string[][], minWidth = 10, padding = 3): string {
  const cols = Math.max(...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < cols - 1; c++) widths[c] = Math.max(minWidth, ...rows.map((r) => (r[c] ?? "").length + padding));
  return rows.map((r) => r.map((cell, c) => (c < cols - 1 ? cell.padEnd(widths[c]!) : cell)).join("") + "\n").join("");
}

export function formatTokenTable(tokens: TokenInfo[], now: Date = new Date()): string {
  const rows = [["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"]];
  for (const t of tokens) {
    const ttl = t.expires ? shortHumanDuration(t.expires.getTime() - now.getTime()) : "<forever>";
    rows.push([
      t.token.value,
      ttl.padEnd(9),
      t.expires ? rfc3339(t.expires) : "<never>",
      (t.usages.join(",") || "<none>").padEnd(22),
      (t.description || "<none>").padEnd(56),
      t.groups.join(",") || "<none>",
    ]);
  }
  return tabulate(rows);
}

/** kubeadm's output.kubeadm.k8s.io/v1alpha3 BootstrapToken object. */
export function tokenOutputObject(t: TokenInfo, now: Date = new Date()): Record<string, unknown> {
  const o: Record<string, unknown> = {
    kind: "BootstrapToken",
    apiVersion: "output.kubeadm.k8s.io/v1alpha3",
    token: t.token.value,
  };
  if (t.description) o.description = t.description;
  if (t.expires) {
    o.ttl = `${Math.max(0, Math.round((t.expires.getTime() - now.getTime()) / 1000))}s`;
    o.expires = rfc3339(t.expires);
  }
  o.usages = t.usages;
  o.groups = t.groups;
  return o;
}
