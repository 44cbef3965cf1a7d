// Deploy state: the PKI and the cluster secrets (encryption key, bootstrap
// tokens) of a cluster, kept in a folder and reused by every later apply, so
// that a second apply renders the same bytes and changes nothing. Also local
// mode's inventory: the nodes moved to loopback addresses.
import { mkdir, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { parseToken, type BootstrapToken } from "@k8s/bootstrap";
import { writeFileAtomic } from "@k8s/pki";
import { DeployError } from "./errors.js";
import { validateInventory, type Inventory } from "./inventory.js";
import type { Plan } from "./plan.js";
import { buildPki, type BuildPkiOptions, type Pki } from "./pki-build.js";
import { clusterSecrets } from "./render.js";
import type { ClusterSecrets } from "./render/context.js";
import { nodesWith } from "./inventory.js";
import { rotationOverlay } from "./ca-rotation.js";

export type { ClusterSecrets } from "./render/context.js";

/**
 * Local mode's inventory: node N keeps its name and roles and gets the
 * loopback address 127.0.0.<last octet of its address> (192.168.95.11 ->
 * 127.0.0.11), so three nodes run side by side on one machine.
 */
export function localInventory(inv: Inventory): Inventory {
  const nodes = inv.nodes.map((n) => (n.address.startsWith("127.") ? n : { ...n, address: `127.0.0.${n.address.split(".").pop() ?? "1"}` }));
  return validateInventory({ ...inv, nodes, apiserver: { ...inv.apiserver, vip: undefined, lbName: undefined } });
}

interface SecretsFile {
  encryptionKey: string;
  tokens: Record<string, string>;
  now: string;
}

const safeId = (id: string): string => id.replace(/[^\w.-]/g, "_");

export interface StateOptions extends BuildPkiOptions {
  /**
   * Work it all out in memory and write nothing: no folder, no key, no
   * secrets file. What a real run would write is in the result's `wouldWrite`.
   */
  dryRun?: boolean;
}

/**
 * Loads the PKI and secrets from `dir`, or makes and saves them. A folder that
 * already holds a PKI keeps its CAs and key pairs for good: certificates the
 * plan now needs, or that no longer match it (a new SAN, a new node), are
 * issued from the kept CAs and listed in `issued`; tokens are added for new
 * workers. Only an empty folder gets new CAs. With `dryRun` nothing is written
 * (the keys made exist only in the result).
 */
export async function loadOrCreateState(
  plan: Plan,
  dir: string,
  opts: StateOptions = {},
): Promise<{ pki: Pki; secrets: ClusterSecrets; created: boolean; issued: string[]; wouldWrite: string[] }> {
  const pkiDir = join(dir, "pki");
  const kept = await readKept(plan, pkiDir);
  const { signing, trust } = await rotationOverlay(dir, kept);
  const built = await buildPki(plan, { ...opts, ...(kept.size > 0 ? { existing: new Map([...kept, ...signing]) } : {}) });
  const pki: Pki = trust.size > 0 ? { ...built, trust } : built;
  const old = await readFile(join(dir, "secrets.json"), "utf8").then((t) => JSON.parse(t) as SecretsFile, () => undefined);
  const fresh = clusterSecrets(plan, opts);
  const secrets: ClusterSecrets = old
    ? {
        encryptionKey: old.encryptionKey,
        now: new Date(old.now),
        tokens: new Map([...fresh.tokens].map(([n, t]) => [n, old.tokens[n] !== undefined ? parseToken(old.tokens[n]!) : t])),
      }
    : fresh;
  const issued = kept.size === 0 ? [...pki.items.keys()].sort() : (pki.issued ?? []);
  // A rotation's signing CA stays in its .next files until `rotate-ca finish`.
  const toWrite = issued.filter((id) => !signing.has(id));
  const file: SecretsFile = {
    encryptionKey: secrets.encryptionKey,
    tokens: Object.fromEntries([...secrets.tokens].map(([n, t]) => [n, t.value])),
    now: secrets.now.toISOString(),
  };
  const secretsText = JSON.stringify(file, null, 2) + "\n";
  const secretsPath = join(dir, "secrets.json");
  const wouldWrite = toWrite.flatMap((id) => [join(pkiDir, `${safeId(id)}.pem`), join(pkiDir, `${safeId(id)}-key.pem`)]);
  if (old === undefined || (await readFile(secretsPath, "utf8").catch(() => "")) !== secretsText) wouldWrite.push(secretsPath);
  const result = { pki, secrets, created: kept.size === 0, issued, wouldWrite };
  if (opts.dryRun === true) return result;
  await mkdir(pkiDir, { recursive: true, mode: 0o700 });
  for (const id of toWrite) {
    const m = pki.items.get(id)!;
    await writeFileAtomic(join(pkiDir, `${safeId(id)}.pem`), Buffer.from(m.cert), 0o644, false);
    await writeFileAtomic(join(pkiDir, `${safeId(id)}-key.pem`), Buffer.from(m.key), 0o600, true);
  }
  await writeFileAtomic(secretsPath, Buffer.from(secretsText), 0o600, true);
  return result;
}

/** Whatever certificates and keys of the plan the folder holds. */
async function readKept(plan: Plan, pkiDir: string): Promise<Map<string, { cert: string; key: string }>> {
  const present = new Set(await readdir(pkiDir).catch(() => [] as string[]));
  const kept = new Map<string, { cert: string; key: string }>();
  for (const c of plan.certs) {
    const cert = `${safeId(c.id)}.pem`;
    const key = `${safeId(c.id)}-key.pem`;
    if (present.has(cert) && present.has(key)) kept.set(c.id, { cert: await readFile(join(pkiDir, cert), "utf8"), key: await readFile(join(pkiDir, key), "utf8") });
  }
  // Files but none of ours: a PKI of another layout lives here; never start new CAs over it.
  if (kept.size === 0 && present.size > 0) {
    throw new DeployError("inventory-invalid", `${pkiDir} holds a PKI that does not match this inventory; refusing to create new CAs there (use an empty state folder)`, { field: "state" });
  }
  return kept;
}

/** The saved PKI and secrets; throws when the folder lacks something the plan needs. */
export async function loadState(plan: Plan, dir: string): Promise<{ pki: Pki; secrets: ClusterSecrets }> {
  const pkiDir = join(dir, "pki");
  const present = new Set(await readdir(pkiDir));
  const items = new Map<string, { cert: string; key: string }>();
  for (const c of plan.certs) {
    const cert = `${safeId(c.id)}.pem`;
    const key = `${safeId(c.id)}-key.pem`;
    if (!present.has(cert) || !present.has(key)) throw new DeployError("inventory-invalid", `${pkiDir}: no ${c.id} (the inventory changed?)`, { field: c.id });
    items.set(c.id, { cert: await readFile(join(pkiDir, cert), "utf8"), key: await readFile(join(pkiDir, key), "utf8") });
  }
  const { signing, trust } = await rotationOverlay(dir, items);
  for (const [id, m] of signing) items.set(id, m);
  const f = JSON.parse(await readFile(join(dir, "secrets.json"), "utf8")) as SecretsFile;
  const tokens = new Map<string, BootstrapToken>();
  if (plan.inventory.kubeletCerts === "bootstrap") {
    for (const w of nodesWith(plan.inventory, "worker")) {
      const v = f.tokens[w.name];
      if (v === undefined) throw new DeployError("inventory-invalid", `${dir}/secrets.json: no bootstrap token for ${w.name}`, { field: w.name });
      tokens.set(w.name, parseToken(v));
    }
  }
  return { pki: trust.size > 0 ? { items, trust } : { items }, secrets: { encryptionKey: f.encryptionKey, tokens, now: new Date(f.now) } };
}

/**
 * New bootstrap tokens for every worker, valid from now: what kubelets need to
 * bootstrap again (after a CA rotation, or once the first tokens expired).
 * The next apply renders them into the bootstrap kubeconfigs and Secrets.
 */
export async function renewBootstrapTokens(plan: Plan, dir: string, opts: BuildPkiOptions = {}): Promise<string[]> {
  const path = join(dir, "secrets.json");
  const old = JSON.parse(await readFile(path, "utf8")) as SecretsFile;
  const fresh = clusterSecrets(plan, opts);
  const file: SecretsFile = { encryptionKey: old.encryptionKey, tokens: Object.fromEntries([...fresh.tokens].map(([n, t]) => [n, t.value])), now: fresh.now.toISOString() };
  await writeFileAtomic(path, Buffer.from(JSON.stringify(file, null, 2) + "\n"), 0o600, true);
  return [...fresh.tokens.keys()];
}
