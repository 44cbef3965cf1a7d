// The bootstrap-token Secret (kube-system/bootstrap-token-<id>): building it
// from a token and options, and reading one back, as kubeadm does.
import { parseGoDuration } from "@k8s/pki";
import { BootstrapError } from "./errors.js";
import { BootstrapToken, EXTRA_GROUP_PATTERN, validateExtraGroup } from "./token.js";

export const SECRET_TYPE = "bootstrap.kubernetes.io/token";
export const SECRET_NAMESPACE = "kube-system";
export const SECRET_PREFIX = "bootstrap-token-";
export const KNOWN_USAGES = ["signing", "authentication"] as const;
export type TokenUsage = (typeof KNOWN_USAGES)[number];
export const DEFAULT_GROUPS = ["system:bootstrappers:kubeadm:default-node-token"];
export const DEFAULT_TTL = "24h";

export interface TokenOptions {
  /** Go duration; "0" (or 0) means the token never expires. Default 24h. */
  ttl?: string;
  usages?: string[];
  groups?: string[];
  description?: string;
  /** Clock for the expiration; defaults to now. */
  now?: Date;
}

/** The Secret as a plain Kubernetes object (stringData). */
export interface BootstrapTokenSecret {
  apiVersion: "v1";
  kind: "Secret";
  metadata: { name: string; namespace: string };
  type: typeof SECRET_TYPE;
  stringData: Record<string, string>;
}

/** Parses a TTL (Go duration, no d/y units) into milliseconds; 0 means forever. */
export function parseTtl(ttl: string): number {
  let ns: bigint;
  try {
    ns = parseGoDuration(ttl);
  } catch (e) {
    throw new BootstrapError("ttl-invalid", `invalid --ttl ${JSON.stringify(ttl)}: ${e instanceof Error ? e.message : String(e)}`, { field: "ttl", cause: e });
  }
  if (ns < 0n) throw new BootstrapError("ttl-invalid", `invalid --ttl ${JSON.stringify(ttl)}: must not be negative`, { field: "ttl" });
  return Number(ns / 1_000_000n);
}

export function validateUsages(usages: string[]): TokenUsage[] {
  for (const u of usages) {
    if (!(KNOWN_USAGES as readonly string[]).includes(u)) {
      throw new BootstrapError("usage-invalid", `invalid bootstrap token usage ${JSON.stringify(u)}; valid usages are ${KNOWN_USAGES.join(", ")}`, { field: "usages" });
    }
  }
  return [...new Set(usages)] as TokenUsage[];
}

/** RFC 3339 without fractional seconds, as kubeadm writes expirations. */
export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** Builds the Secret for a token; validates TTL, usages and groups first. */
export function buildTokenSecret(token: BootstrapToken, opts: TokenOptions = {}): BootstrapTokenSecret {
  const ttlMs = parseTtl(opts.ttl ?? DEFAULT_TTL);
  const usages = validateUsages(opts.usages ?? [...KNOWN_USAGES]);
  const groups = (opts.groups ?? DEFAULT_GROUPS).map(validateExtraGroup);
  const data: Record<string, string> = { "token-id": token.id, "token-secret": token.secret };
  if (opts.description) data.description = opts.description;
  if (ttlMs > 0) data.expiration = rfc3339(new Date((opts.now ?? new Date()).getTime() + ttlMs));
  for (const u of usages) data[`usage-bootstrap-${u}`] = "true";
  if (groups.length > 0) data["auth-extra-groups"] = groups.join(",");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${SECRET_PREFIX}${token.id}`, namespace: SECRET_NAMESPACE },
    type: SECRET_TYPE,
    stringData: data,
  };
}

/** A token as read back from its Secret. */
export interface TokenInfo {
  token: BootstrapToken;
  expires?: Date;
  usages: string[];
  description: string;
  groups: string[];
}

/** Reads a Secret's decoded data (base64 already removed), as kubeadm's list does. */
export function tokenFromSecretData(name: string, data: Record<string, string>): TokenInfo {
  const m = /^bootstrap-token-([a-z0-9]{6})$/.exec(name);
  if (!m) throw new BootstrapError("secret-invalid", `bootstrap token name is not of the form 'bootstrap-token-(token-id)'. Actual: ${JSON.stringify(name)}`, { field: name });
  const id = data["token-id"];
  if (!id) throw new BootstrapError("secret-invalid", `bootstrap token ${JSON.stringify(name)} has no token-id data`, { field: name });
  if (id !== m[1]) throw new BootstrapError("secret-invalid", `token id ${JSON.stringify(id)} does not match the secret name ${JSON.stringify(name)}`, { field: name });
  const secret = data["token-secret"];
  if (!secret) throw new BootstrapError("secret-invalid", `bootstrap token ${JSON.stringify(name)} has no token-secret data`, { field: name });
  let expires: Date | undefined;
  if (data.expiration) {
    expires = new Date(data.expiration);
    if (Number.isNaN(expires.getTime())) throw new BootstrapError("secret-invalid", `can't parse expiration time of bootstrap token ${JSON.stringify(name)}`, { field: name });
  }
  const usages = KNOWN_USAGES.filter((u) => data[`usage-bootstrap-${u}`] === "true").sort();
  const groups = (data["auth-extra-groups"] ?? "").split(",").filter((g) => g !== "");
  for (const g of groups) if (!EXTRA_GROUP_PATTERN.test(g)) throw new BootstrapError("secret-invalid", `bootstrap token ${JSON.stringify(name)} has an invalid group ${JSON.stringify(g)}`, { field: name });
  return { token: new BootstrapToken(id, secret), expires, usages, description: data.description ?? "", groups };
}
