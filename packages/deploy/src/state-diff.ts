// State diff: which certificates the next `deploy apply` would issue from a
// kept state folder, and why, without issuing or writing anything.
import { rotationOverlay } from "./ca-rotation.js";
import { keptLeafMismatch, type PkiMaterial } from "./pki-build.js";
import type { Plan } from "./plan.js";
import { nodesWith } from "./inventory.js";
import { StateStore, type SecretsRecord } from "./state/store.js";

export { stateFileId } from "./state/store.js";

/** One certificate (or key pair) of the plan and what apply would do about it. */
export interface StateDiffEntry {
  id: string;
  /** `new` when the state lacks it, else why the kept one no longer fits (see {@link keptLeafMismatch}). */
  reason: string;
}

/** A bootstrapping worker's token as the next apply would render it. */
export interface TokenDiffEntry {
  node: string;
  /** When its Secret expires (ISO 8601); absent for a worker with no kept token, which the next apply makes valid from then. */
  expires?: string;
  /** Its Secret has expired: a kubelet that has not bootstrapped with it yet cannot any more. */
  expired: boolean;
}

/** How long a bootstrap token's Secret lives (render's default token lifetime). */
const TOKEN_TTL_MS = 24 * 3600 * 1000;

/**
 * The bootstrap tokens of the plan's workers against the kept secrets.json: each kept one's expiry (counted from its
 * own issue time, or the state's for files without one), flagged when past; a worker without one gets a new token.
 */
export function diffTokens(plan: Plan, kept: SecretsRecord | undefined, now: Date): TokenDiffEntry[] {
  if (plan.inventory.kubeletCerts !== "bootstrap") return [];
  return nodesWith(plan.inventory, "worker").map((w) => {
    if (kept?.tokens[w.name] === undefined) return { node: w.name, expired: false };
    const expires = new Date(new Date(kept.issued?.[w.name] ?? kept.now).getTime() + TOKEN_TTL_MS);
    return { node: w.name, expires: expires.toISOString(), expired: expires.getTime() <= now.getTime() };
  });
}

export interface StateDiff {
  /** The state holds none of the plan's material: apply would create a whole new PKI. */
  empty: boolean;
  /** What the next apply would issue, in plan order. */
  reissue: StateDiffEntry[];
  /** What apply would refuse to do: the state lost a CA the plan needs (apply never makes a new CA in a kept state). */
  errors: StateDiffEntry[];
  /** The workers' bootstrap tokens, when the kept secrets were given. */
  tokens?: TokenDiffEntry[];
}

/**
 * Compares the plan with the material a state folder keeps, as
 * `loadOrCreateState` would: missing leaves and key pairs are new, kept
 * leaves that no longer fit (subject, SANs, CA, expiry, key) are re-issued,
 * and a missing CA is an error. Pure: `now` decides expiry.
 */
export function diffState(plan: Plan, kept: ReadonlyMap<string, PkiMaterial>, now: Date, secrets?: SecretsRecord): StateDiff {
  const tokens = secrets === undefined ? {} : { tokens: diffTokens(plan, secrets, now) };
  if (kept.size === 0) return { empty: true, reissue: plan.certs.map((c) => ({ id: c.id, reason: "new" })), errors: [], ...tokens };
  const reissue: StateDiffEntry[] = [];
  const errors: StateDiffEntry[] = [];
  for (const c of plan.certs) {
    const m = kept.get(c.id);
    if (c.kind === "ca") {
      if (!m) errors.push({ id: c.id, reason: "not in the state; apply refuses to create a new CA in an existing state (restore it, or start from an empty state folder)" });
      continue;
    }
    if (!m) {
      reissue.push({ id: c.id, reason: "new" });
      continue;
    }
    if (c.kind === "keypair") continue; // kept key pairs are reused as they are
    const why = keptLeafMismatch(c, m, kept.get(c.ca ?? ""), now);
    if (why !== undefined) reissue.push({ id: c.id, reason: why });
  }
  return { empty: false, reissue, errors, ...tokens };
}

/** The diff as the text `k8s-pki deploy plan --state` prints (a `## state` section). */
export function formatStateDiff(diff: StateDiff, stateDir: string): string {
  const out = [`## state ${stateDir}`];
  if (diff.empty) {
    out.push(`  no PKI kept there yet: the next apply creates all ${diff.reissue.length} certificates and keys`);
    return out.join("\n") + "\n";
  }
  for (const e of diff.errors) out.push(`  error: ${e.id}: ${e.reason}`);
  if (diff.reissue.length === 0) out.push("  nothing to re-issue");
  else out.push("  re-issue on next apply:", ...diff.reissue.map((e) => `    ${e.id}: ${e.reason}`));
  if (diff.tokens !== undefined && diff.tokens.length > 0) {
    out.push("  bootstrap tokens:");
    for (const t of diff.tokens) {
      if (t.expires === undefined) out.push(`    ${t.node}: new on next apply (valid 24h from then)`);
      else if (t.expired) out.push(`    ${t.node}: EXPIRED ${t.expires} (a kubelet that has not bootstrapped yet cannot join with it)`);
      else out.push(`    ${t.node}: expires ${t.expires}`);
    }
  }
  return out.join("\n") + "\n";
}

/**
 * Reads what `<dir>/pki` keeps of the plan (`<id>.pem` and `<id>-key.pem`,
 * and during a CA rotation the CA apply signs with), read-only. A missing
 * folder is an empty state. A folder holding files but none of this plan's
 * is refused, as apply refuses it.
 */
export async function loadKeptPki(plan: Plan, dir: string): Promise<Map<string, PkiMaterial>> {
  const store = new StateStore(dir);
  const kept = await store.readKept(plan.certs.map((c) => c.id), "inspect");
  if (kept.size === 0) return kept;
  // During a CA rotation apply signs with the next CA once it is `reissued`: compare with that one.
  const { signing } = await rotationOverlay(store, kept);
  for (const [id, m] of signing) kept.set(id, m);
  return kept;
}
