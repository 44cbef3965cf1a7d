// Cluster secrets: minting them (the encryption-at-rest key, one bootstrap
// token per worker) and the pure rules that carry them from one apply to the
// next through secrets.json. Kept out of the renderer so the state folder's
// code does not depend on it; the store does the reading and writing.
import { randomBytes as nodeRandomBytes } from "node:crypto";
import { generateToken, parseToken, type BootstrapToken } from "@k8s/bootstrap";
import { DeployError } from "../errors.js";
import { nodesWith } from "../inventory.js";
import type { Plan } from "../plan.js";
import type { SecretsRecord } from "./store.js";

/** The cluster's secrets as render uses them; kept in secrets.json (StateStore). */
export interface ClusterSecrets {
  /** 32 random bytes, base64: the encryption-at-rest key. */
  encryptionKey: string;
  /** One bootstrap token per worker, by node name (kubeletCerts: bootstrap). */
  tokens: Map<string, BootstrapToken>;
  /** When the state was made (the time base of tokens kept from before per-token times). */
  now: Date;
  /**
   * When each worker's token was made: its Secret expires a token lifetime after that. Per token, so a worker added
   * to a state made days ago gets a token that is valid now.
   */
  issued: Map<string, Date>;
}

/** The cluster-wide secrets, drawn once from `randomBytes`. */
export function clusterSecrets(plan: Plan, opts: { now?: () => Date; randomBytes?: (n: number) => Uint8Array } = {}): ClusterSecrets {
  const random = opts.randomBytes ?? ((n: number) => nodeRandomBytes(n));
  const encryptionKey = Buffer.from(random(32)).toString("base64");
  const tokens = new Map<string, BootstrapToken>();
  if (plan.inventory.kubeletCerts === "bootstrap") for (const w of nodesWith(plan.inventory, "worker")) tokens.set(w.name, generateToken(random));
  const now = (opts.now ?? (() => new Date()))();
  return { encryptionKey, tokens, now, issued: new Map([...tokens.keys()].map((n) => [n, now])) };
}

/** When the kept token of `node` was made: its own time, else (a state from before per-token times) the state's. */
const keptIssued = (kept: SecretsRecord, node: string): Date => new Date(kept.issued?.[node] ?? kept.now);

/**
 * The secrets an apply uses: the kept ones where the state has them (the
 * encryption key, the time base, each known worker's token), `fresh` for
 * what it lacks (a new worker's token; everything for a new state).
 */
export function keepSecrets(kept: SecretsRecord | undefined, fresh: ClusterSecrets): ClusterSecrets {
  if (kept === undefined) return fresh;
  const isKept = (n: string): boolean => kept.tokens[n] !== undefined;
  return {
    encryptionKey: kept.encryptionKey,
    now: new Date(kept.now),
    tokens: new Map([...fresh.tokens].map(([n, t]) => [n, isKept(n) ? parseToken(kept.tokens[n]!) : t])),
    // A new worker's token is made now, whatever the state's age.
    issued: new Map([...fresh.tokens.keys()].map((n) => [n, isKept(n) ? keptIssued(kept, n) : fresh.issued.get(n)!])),
  };
}

/** The secrets as secrets.json stores them. */
export function secretsRecord(s: ClusterSecrets): SecretsRecord {
  return {
    encryptionKey: s.encryptionKey,
    tokens: Object.fromEntries([...s.tokens].map(([n, t]) => [n, t.value])),
    now: s.now.toISOString(),
    issued: Object.fromEntries([...s.tokens.keys()].map((n) => [n, (s.issued.get(n) ?? s.now).toISOString()])),
  };
}

/** The kept encryption key with `fresh` tokens and time base: what kubelets need to bootstrap again. */
export function renewedSecrets(kept: SecretsRecord, fresh: ClusterSecrets): SecretsRecord {
  return { ...secretsRecord(fresh), encryptionKey: kept.encryptionKey };
}

/**
 * The kept secrets a render needs, strictly: every bootstrapping worker must
 * have its token (`where` names the file in the error).
 */
export function requiredSecrets(plan: Plan, kept: SecretsRecord, where: string): ClusterSecrets {
  const tokens = new Map<string, BootstrapToken>();
  const issued = new Map<string, Date>();
  if (plan.inventory.kubeletCerts === "bootstrap") {
    for (const w of nodesWith(plan.inventory, "worker")) {
      const v = kept.tokens[w.name];
      if (v === undefined) throw new DeployError("inventory-invalid", `${where}: no bootstrap token for ${w.name}`, { field: w.name });
      tokens.set(w.name, parseToken(v));
      issued.set(w.name, keptIssued(kept, w.name));
    }
  }
  return { encryptionKey: kept.encryptionKey, tokens, now: new Date(kept.now), issued };
}
