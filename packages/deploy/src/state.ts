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

/** Loads the PKI and secrets from `dir`, or makes and saves them when missing or when the plan needs certificates the folder lacks. */
export async function loadOrCreateState(
  plan: Plan,
  dir: string,
  opts: BuildPkiOptions = {},
): Promise<{ pki: Pki; secrets: ClusterSecrets; created: boolean }> {
  const pkiDir = join(dir, "pki");
  const loaded = await loadState(plan, dir).catch(() => undefined);
  if (loaded) return { ...loaded, created: false };
  const pki = await buildPki(plan, opts);
  const secrets = clusterSecrets(plan, opts);
  await mkdir(pkiDir, { recursive: true, mode: 0o700 });
  for (const [id, m] of pki.items) {
    await writeFileAtomic(join(pkiDir, `${safeId(id)}.pem`), Buffer.from(m.cert), 0o644, false);
    await writeFileAtomic(join(pkiDir, `${safeId(id)}-key.pem`), Buffer.from(m.key), 0o600, true);
  }
  const file: SecretsFile = {
    encryptionKey: secrets.encryptionKey,
    tokens: Object.fromEntries([...secrets.tokens].map(([n, t]) => [n, t.value])),
    now: secrets.now.toISOString(),
  };
  await writeFileAtomic(join(dir, "secrets.json"), Buffer.from(JSON.stringify(file, null, 2) + "\n"), 0o600, true);
  return { pki, secrets, created: true };
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
  const f = JSON.parse(await readFile(join(dir, "secrets.json"), "utf8")) as SecretsFile;
  const tokens = new Map<string, BootstrapToken>();
  if (plan.inventory.kubeletCerts === "bootstrap") {
    for (const w of nodesWith(plan.inventory, "worker")) {
      const v = f.tokens[w.name];
      if (v === undefined) throw new DeployError("inventory-invalid", `${dir}/secrets.json: no bootstrap token for ${w.name}`, { field: w.name });
      tokens.set(w.name, parseToken(v));
    }
  }
  return { pki: { items }, secrets: { encryptionKey: f.encryptionKey, tokens, now: new Date(f.now) } };
}
