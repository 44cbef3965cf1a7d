// Approver configuration: flags and K8S_PKI_APPROVER_* environment variables
// turned into a checked ApproverConfig. Pure; the CLI feeds it.
import { hostname } from "node:os";
import { parseGoCidr, parseGoDuration } from "@k8s/pki";
import { BootstrapError } from "../errors.js";
import { KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from "./csr-facts.js";
import { type ApproverPolicy } from "./policy.js";

export interface ApproverConfig {
  /** Path of a kubeconfig; undefined means in-cluster or the default loading rules. */
  kubeconfig?: string;
  policy: ApproverPolicy;
  /** What to do with a CSR that breaks a rule: write Denied, or leave it pending and log. */
  denyMode: "deny" | "pending";
  /** Decide and log, but write nothing. */
  dryRun: boolean;
  logFormat: "json" | "text";
  leaderElect: boolean;
  leaseName: string;
  leaseNamespace: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Address of /livez, /healthz, /readyz and /metrics. */
  listenHost: string;
  listenPort: number;
  workers: number;
}

/** The raw option values, as strings from flags or the environment. */
export interface RawApproverOptions {
  kubeconfig?: string;
  signers?: string;
  /** Repeated flags: one pattern each. A string (the environment variable): one pattern per line. */
  dnsPattern?: string[] | string;
  /** Repeated flags or one string; either way commas and newlines separate CIDRs. */
  cidr?: string[] | string;
  maxExpiration?: string;
  maxSans?: string;
  allowRebootstrap?: boolean | string;
  denyMode?: string;
  dryRun?: boolean | string;
  logFormat?: string;
  leaderElect?: boolean | string;
  leaseName?: string;
  leaseNamespace?: string;
  identity?: string;
  listen?: string;
  workers?: string;
}

const bad = (field: string, message: string): BootstrapError => new BootstrapError("api-error", `--${field}: ${message}`, { field });

const boolOf = (v: boolean | string | undefined, field: string, def: boolean): boolean => {
  if (v === undefined) return def;
  if (typeof v === "boolean") return v;
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  throw bad(field, `expected true or false, got ${JSON.stringify(v)}`);
};

const SIGNER_ALIASES: Record<string, string> = { client: KUBELET_CLIENT_SIGNER, serving: KUBELET_SERVING_SIGNER };

export function resolveApproverConfig(raw: RawApproverOptions): ApproverConfig {
  const signers = (raw.signers ?? `${KUBELET_CLIENT_SIGNER},${KUBELET_SERVING_SIGNER}`)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => SIGNER_ALIASES[s] ?? s);
  for (const s of signers) if (s !== KUBELET_CLIENT_SIGNER && s !== KUBELET_SERVING_SIGNER) throw bad("signers", `unknown signer ${JSON.stringify(s)} (${KUBELET_CLIENT_SIGNER}, ${KUBELET_SERVING_SIGNER})`);
  if (signers.length === 0) throw bad("signers", "at least one signer is needed");
  // Never split a pattern on commas: `{1,3}` is part of a regular expression.
  const dnsPatterns = typeof raw.dnsPattern === "string" ? raw.dnsPattern.split(/\r?\n/).map((p) => p.trim()).filter((p) => p !== "") : (raw.dnsPattern ?? []);
  for (const p of dnsPatterns) {
    if (p === "") throw bad("dns-pattern", "an empty pattern matches nothing useful");
    try {
      new RegExp(`^(?:${p.split("{node}").join("x")})$`);
    } catch (e) {
      throw bad("dns-pattern", `${JSON.stringify(p)} is not a valid regular expression (${(e as Error).message})`);
    }
  }
  const cidrs = (typeof raw.cidr === "string" ? [raw.cidr] : (raw.cidr ?? [])).flatMap((c) => c.split(/[,\n]/)).map((c) => c.trim()).filter((c) => c !== "");
  for (const c of cidrs) {
    if (!/\/\d{1,3}$/.test(c) || parseGoCidr(c) === undefined) throw bad("cidr", `${JSON.stringify(c)} is not a CIDR like 10.0.0.0/16 or fd00::/64`);
  }
  let maxExpirationSeconds = 367 * 24 * 3600;
  if (raw.maxExpiration !== undefined) {
    let ns: bigint;
    try {
      ns = parseGoDuration(raw.maxExpiration);
    } catch (e) {
      throw bad("max-expiration", (e as Error).message);
    }
    if (ns < 600_000_000_000n) throw bad("max-expiration", "must be at least 10m (the API's minimum expirationSeconds)");
    maxExpirationSeconds = Number(ns / 1_000_000_000n);
  }
  const maxSans = Number(raw.maxSans ?? "32");
  if (!/^\d+$/.test(String(raw.maxSans ?? "32")) || !Number.isSafeInteger(maxSans) || maxSans < 1) throw bad("max-sans", `expected a whole number of at least 1, got ${JSON.stringify(raw.maxSans)}`);
  const denyMode = raw.denyMode ?? "deny";
  if (denyMode !== "deny" && denyMode !== "pending") throw bad("deny-mode", `expected deny or pending, got ${JSON.stringify(denyMode)}`);
  const logFormat = raw.logFormat ?? "json";
  if (logFormat !== "json" && logFormat !== "text") throw bad("log-format", `expected json or text, got ${JSON.stringify(logFormat)}`);
  const listen = raw.listen ?? ":8081";
  const m = /^(.*):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535) throw bad("listen", `expected HOST:PORT or :PORT, got ${JSON.stringify(listen)}`);
  const workers = Number(raw.workers ?? "5");
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw bad("workers", "expected 1..64");
  return {
    kubeconfig: raw.kubeconfig,
    policy: { signers, dnsPatterns, cidrs, maxExpirationSeconds, maxSans, allowRebootstrap: boolOf(raw.allowRebootstrap, "allow-rebootstrap", false) },
    denyMode,
    dryRun: boolOf(raw.dryRun, "dry-run", false),
    logFormat,
    leaderElect: boolOf(raw.leaderElect, "leader-elect", true),
    leaseName: raw.leaseName ?? "k8s-pki-approver",
    leaseNamespace: raw.leaseNamespace ?? "kube-system",
    identity: raw.identity ?? `${hostname()}_${process.pid}`,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    listenHost: m[1] === "" ? "0.0.0.0" : m[1]!,
    listenPort: Number(m[2]),
    workers,
  };
}
