// CA rotation for a deploy state, in three steps with a `deploy apply` after
// each, so no component ever meets a certificate it does not trust:
//
//   start    a new CA is made next to the current one; every trust file and
//            kubeconfig carries both (current first), leaves stay as they are.
//   reissue  the new CA signs: every leaf is re-issued from it, kubeconfigs
//            follow, trust keeps both (new first, which is also what
//            kube-controller-manager signs kubelet certificates with), and
//            the bootstrap tokens are renewed so kubelets can re-bootstrap.
//   finish   the old CA is dropped from every trust file.
//
// The CA files are never renamed under a running rotation: the new CA lives
// in <id>.next.pem until `finish`, and rotation.json, written atomically, is
// the only record of the step, so an interrupted command can be run again.
import { X509Certificate } from "node:crypto";
import { initCa, parseCsrJson } from "@k8s/pki";
import { DeployError } from "./errors.js";
import type { Plan } from "./plan.js";
import { certCsrJson, type PkiMaterial } from "./pki-build.js";
import { StateStore, type RotationState } from "./state/store.js";

export type { RotationState, RotationStep } from "./state/store.js";

/** rotation.json of a state folder: the CAs under rotation and their step (none when absent). */
export async function readRotation(stateDir: string): Promise<RotationState> {
  return new StateStore(stateDir).readRotation();
}

/** PEM bundle of distinct certificates, in order. */
export function trustBundle(pems: readonly string[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of pems) {
    const fp = new X509Certificate(p).fingerprint256;
    if (seen.has(fp)) continue;
    seen.add(fp);
    out.push(p.trimEnd() + "\n");
  }
  return out.join("");
}

/**
 * The CA material the state signs with, and what nodes trust, given the kept
 * CAs and the rotation: during `trust-both` the current CA signs and both are
 * trusted (current first); once `reissued` the new one signs and comes first.
 */
export async function rotationOverlay(
  state: string | StateStore,
  kept: ReadonlyMap<string, PkiMaterial>,
): Promise<{ signing: Map<string, PkiMaterial>; trust: Map<string, string>; rotation: RotationState }> {
  const store = typeof state === "string" ? new StateStore(state) : state;
  const rotation = await store.readRotation();
  const signing = new Map<string, PkiMaterial>();
  const trust = new Map<string, string>();
  for (const [id, step] of Object.entries(rotation.cas)) {
    const current = kept.get(id);
    if (!current) throw new DeployError("inventory-invalid", `${store.dir}: rotation.json rotates ${id}, which the state does not hold`, { field: id });
    const next = await store.readNext(id);
    if (step === "trust-both") {
      trust.set(id, trustBundle([current.cert, next.cert]));
    } else {
      signing.set(id, next);
      trust.set(id, trustBundle([next.cert, current.cert]));
    }
  }
  return { signing, trust, rotation };
}

function casOf(plan: Plan, only: readonly string[] | undefined): string[] {
  const all = plan.certs.filter((c) => c.kind === "ca").map((c) => c.id);
  if (only === undefined || only.length === 0) return all;
  for (const id of only) if (!all.includes(id)) throw new DeployError("inventory-invalid", `no CA ${JSON.stringify(id)} in this plan (${all.join(", ")})`, { field: "ca" });
  return [...only];
}

export interface RotationOptions {
  /** CA ids to rotate (default: every CA of the plan). */
  cas?: readonly string[];
  now?: () => Date;
  randomBytes?: (n: number) => Uint8Array;
}

/** Step 1: a new CA per rotated id, trusted beside the current one. Refuses while a rotation runs. */
export async function startCaRotation(plan: Plan, stateDir: string, opts: RotationOptions = {}): Promise<string[]> {
  const store = new StateStore(stateDir);
  const rotation = await store.readRotation();
  const running = Object.keys(rotation.cas);
  if (running.length > 0) {
    throw new DeployError("inventory-invalid", `a CA rotation is already under way (${running.map((id) => `${id}: ${rotation.cas[id]}`).join(", ")}); finish it first`, { field: "rotation" });
  }
  const ids = casOf(plan, opts.cas);
  for (const id of ids) {
    if ((await store.readCert(id)) === undefined) throw new DeployError("inventory-invalid", `${store.pkiDir}: no ${id} to rotate (apply once first)`, { field: id });
  }
  const entropy = { ...(opts.now ? { now: opts.now } : {}), ...(opts.randomBytes ? { randomBytes: opts.randomBytes } : {}) };
  for (const id of ids) {
    const c = plan.certs.find((x) => x.id === id)!;
    const made = await initCa(parseCsrJson(certCsrJson(plan, c)), entropy);
    // A crash leaves unused .next files; rotation.json is written last.
    await store.writeNext(id, { cert: made.cert, key: made.key });
  }
  await store.writeRotation({ cas: Object.fromEntries(ids.map((id) => [id, "trust-both"])) });
  return ids;
}

/** The rotation in progress and its CAs; an error when none is. */
async function rotationUnderWay(store: StateStore): Promise<{ rotation: RotationState; ids: string[] }> {
  const rotation = await store.readRotation();
  const ids = Object.keys(rotation.cas);
  if (ids.length === 0) throw new DeployError("inventory-invalid", "no CA rotation is under way (deploy rotate-ca start)", { field: "rotation" });
  return { rotation, ids };
}

/** Step 2: the new CAs sign. The caller re-issues leaves (any apply does: they no longer verify against the signing CA). */
export async function reissueCaRotation(stateDir: string): Promise<string[]> {
  const store = new StateStore(stateDir);
  const { ids } = await rotationUnderWay(store);
  await store.writeRotation({ cas: Object.fromEntries(ids.map((id) => [id, "reissued"])) });
  return ids;
}

/** Step 3: the new CAs replace the old ones for good; an old CA's certificate is kept as <id>.previous.pem, trusted by nobody, and its key is gone. */
export async function finishCaRotation(stateDir: string): Promise<string[]> {
  const store = new StateStore(stateDir);
  const { rotation, ids } = await rotationUnderWay(store);
  const early = ids.filter((id) => rotation.cas[id] !== "reissued");
  if (early.length > 0) {
    throw new DeployError("inventory-invalid", `${early.join(", ")}: leaves are still signed by the old CA; run \`deploy rotate-ca reissue\` and apply before finishing`, { field: "rotation" });
  }
  for (const id of ids) {
    const next = await store.readNext(id);
    const current = await store.requireCert(id);
    // Only the old certificate is kept, for the record; its key has no use any more. A run
    // after a crash may find the current files already replaced: keep the first record.
    if (!(await store.hasPrevious(id)) && new X509Certificate(current).fingerprint256 !== new X509Certificate(next.cert).fingerprint256) {
      await store.writePrevious(id, current);
    }
    // The one deliberate replacement of a CA key: the rotation made every node trust the new one first.
    await store.writeItems([[id, next]], { replaceCaKey: true });
  }
  await store.writeRotation({ cas: {} });
  for (const id of ids) await store.removeNext(id);
  return ids;
}

/** The CAs a `finish` would retire, by id: the current certificates of a rotation at its `reissued` step. */
export async function retiringCas(stateDir: string): Promise<Map<string, string>> {
  const store = new StateStore(stateDir);
  const rotation = await store.readRotation();
  const out = new Map<string, string>();
  for (const [id, step] of Object.entries(rotation.cas)) {
    if (step !== "reissued") continue;
    out.set(id, await store.requireCert(id));
  }
  return out;
}

/**
 * The node certificates only a retiring CA vouches for: once it is dropped
 * they stop working (a leaf the reissue apply never reached, a kubelet that
 * has not bootstrapped again). CA certificates are not counted: the trust
 * bundles hold the old CA itself until the last apply.
 */
export function leavesOfRetiringCas(certs: readonly { name: string; der: Uint8Array }[], retiring: readonly string[]): string[] {
  const keys = retiring.map((pem) => new X509Certificate(pem).publicKey);
  const out: string[] = [];
  for (const c of certs) {
    const x = new X509Certificate(c.der);
    if (x.ca) continue;
    if (keys.some((k) => x.verify(k))) out.push(c.name);
  }
  return out;
}
