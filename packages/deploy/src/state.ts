// Deploy state: the PKI and the cluster secrets (encryption key, bootstrap
// tokens) of a cluster, kept in a folder and reused by every later apply, so
// that a second apply renders the same bytes and changes nothing. The folder
// itself is read and written only by state/store.ts; this file holds the
// flows over it. Also local mode's inventory: the nodes moved to loopback
// addresses.
import { validateInventory, type Inventory } from "./inventory.js";
import type { Plan } from "./plan.js";
import { buildPki, type BuildPkiOptions, type Pki } from "./pki-build.js";
import type { ClusterSecrets } from "./state/secrets.js";
import { rotationOverlay } from "./ca-rotation.js";
import { clusterSecrets, keepSecrets, renewedSecrets, requiredSecrets, secretsRecord } from "./state/secrets.js";
import { StateStore } from "./state/store.js";

export type { ClusterSecrets } from "./state/secrets.js";

/**
 * Local mode's inventory: node N keeps its name and roles and gets the
 * loopback address 127.0.0.<last octet of its address> (192.168.95.11 ->
 * 127.0.0.11), so three nodes run side by side on one machine.
 */
export function localInventory(inv: Inventory): Inventory {
  const nodes = inv.nodes.map((n) => (n.address.startsWith("127.") ? n : { ...n, address: `127.0.0.${n.address.split(".").pop() ?? "1"}` }));
  // No kube-lb: the local nodes share one loopback, and their units run as plain processes.
  return validateInventory({ ...inv, nodes, apiserver: { ...inv.apiserver, vip: undefined, lbName: undefined }, loadBalancer: { ...inv.loadBalancer, kind: "none" } });
}

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
  const store = new StateStore(dir);
  const kept = await store.readKept(plan.certs.map((c) => c.id), "apply");
  const { signing, trust } = await rotationOverlay(store, kept);
  const built = await buildPki(plan, { ...opts, ...(kept.size > 0 ? { existing: new Map([...kept, ...signing]) } : {}) });
  const pki: Pki = trust.size > 0 ? { ...built, trust } : built;
  const old = await store.readSecrets();
  const secrets = keepSecrets(old, clusterSecrets(plan, opts));
  const issued = kept.size === 0 ? [...pki.items.keys()].sort() : (pki.issued ?? []);
  // A rotation's signing CA stays in its .next files until `rotate-ca finish`.
  const toWrite = issued.filter((id) => !signing.has(id));
  const record = secretsRecord(secrets);
  const wouldWrite = toWrite.flatMap((id) => [store.pathOf(id, "cert"), store.pathOf(id, "key")]);
  // A secrets.json of an older format is rewritten (upgraded) even when its values are the same.
  if (old === undefined || !(await store.secretsUpToDate(record))) wouldWrite.push(store.secretsPath);
  const result = { pki, secrets, created: kept.size === 0, issued, wouldWrite };
  if (opts.dryRun === true) return result;
  await store.writeItems(toWrite.map((id) => [id, pki.items.get(id)!] as const));
  await store.writeSecrets(record);
  return result;
}

/** The saved PKI and secrets; throws when the folder lacks something the plan needs. */
export async function loadState(plan: Plan, dir: string): Promise<{ pki: Pki; secrets: ClusterSecrets }> {
  const store = new StateStore(dir);
  const items = await store.readAll(plan.certs.map((c) => c.id));
  const { signing, trust } = await rotationOverlay(store, items);
  for (const [id, m] of signing) items.set(id, m);
  const secrets = requiredSecrets(plan, await store.requireSecrets(), `${dir}/secrets.json`);
  return { pki: trust.size > 0 ? { items, trust } : { items }, secrets };
}

/**
 * New bootstrap tokens for every worker, valid from now: what kubelets need to
 * bootstrap again (after a CA rotation, or once the first tokens expired).
 * The next apply renders them into the bootstrap kubeconfigs and Secrets.
 */
export async function renewBootstrapTokens(plan: Plan, dir: string, opts: BuildPkiOptions = {}): Promise<string[]> {
  const store = new StateStore(dir);
  const fresh = clusterSecrets(plan, opts);
  await store.writeSecrets(renewedSecrets(await store.requireSecrets(), fresh));
  return [...fresh.tokens.keys()];
}
