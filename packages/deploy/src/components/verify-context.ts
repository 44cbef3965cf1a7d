// What `deploy verify`'s component checks share: the TLS material, the list
// of checks they add to, and what earlier checks found (the healthy etcd
// endpoints the pod network checks read through, the ready API servers the
// API checks ask).
import { https } from "../https-probe.js";
import type { Inventory } from "../inventory.js";
import { pkiItem, trustPem, type Pki } from "../pki-build.js";
import { pkiLayout, type CertIds } from "../pki-layouts.js";
import type { Plan } from "../plan-model.js";

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerifyOptions {
  plan: Plan;
  pki: Pki;
  /** Per request; default 5 s. */
  timeoutMs?: number;
  /** Fail when fewer nodes are registered than there are workers; default true (local-mode kubelets stop after bootstrap and never register). */
  requireNodes?: boolean;
  now?: () => Date;
}

type Tls = { ca: string; cert: string; key: string; timeoutMs: number };

export interface VerifyContext {
  opts: VerifyOptions;
  plan: Plan;
  pki: Pki;
  inv: Inventory;
  ids: CertIds;
  timeoutMs: number;
  now: Date;
  add(name: string, ok: boolean, detail: string): void;
  /** etcd through its v3 HTTP gateway, with the etcdctl client certificate. */
  etcdTls: Tls;
  etcdPost(endpoint: string, path: string, body: object): Promise<unknown>;
  /** Client URLs of the etcd members that answered healthy (the etcd checks fill it). */
  etcdHealthy: string[];
  /** The leader each healthy member reported: leader id -> member names. */
  etcdLeaders: Map<string, string[]>;
  /** The API servers with the admin certificate. */
  apiTls: Tls;
  /** URLs of the API servers that answered /readyz (the kube-apiserver checks fill it). */
  apiReady: string[];
  /** GET through the first ready API server. */
  apiGet(path: string): Promise<unknown>;
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function makeVerifyContext(opts: VerifyOptions, checks: VerifyCheck[]): VerifyContext {
  const { plan, pki } = opts;
  const ids = pkiLayout(plan.inventory).ids;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const etcdTls = { ca: trustPem(pki, ids.etcdCa), cert: pkiItem(pki, ids.etcdctlClient).cert, key: pkiItem(pki, ids.etcdctlClient).key, timeoutMs };
  const admin = pkiItem(pki, "admin");
  const apiTls = { ca: trustPem(pki, ids.mainCa), cert: admin.cert, key: admin.key, timeoutMs };
  const v: VerifyContext = {
    opts,
    plan,
    pki,
    inv: plan.inventory,
    ids,
    timeoutMs,
    now: (opts.now ?? (() => new Date()))(),
    add: (name, ok, detail) => void checks.push({ name, ok, detail }),
    etcdTls,
    etcdPost: async (endpoint, path, body) => {
      const r = await https(`${endpoint}${path}`, { ...etcdTls, method: "POST", body: JSON.stringify(body) });
      if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
      return JSON.parse(r.body) as unknown;
    },
    etcdHealthy: [],
    etcdLeaders: new Map(),
    apiTls,
    apiReady: [],
    apiGet: async (path) => {
      const api = v.apiReady[0];
      if (api === undefined) throw new Error("no ready API server");
      const r = await https(`${api}${path}`, apiTls);
      if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}`);
      return JSON.parse(r.body) as unknown;
    },
  };
  return v;
}

/** A leader Lease in kube-system: held, and renewed within its duration. */
export async function checkLease(v: VerifyContext, lease: string): Promise<void> {
  try {
    const l = (await v.apiGet(`/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${lease}`)) as {
      spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
    };
    const holder = l.spec?.holderIdentity ?? "";
    const renewed = l.spec?.renewTime === undefined ? undefined : new Date(l.spec.renewTime);
    const now = v.now;
    const fresh = renewed !== undefined && now.getTime() - renewed.getTime() <= (l.spec?.leaseDurationSeconds ?? 15) * 1000;
    v.add(
      `Lease kube-system/${lease} held`,
      holder !== "" && fresh,
      holder === "" ? "no holder" : `held by ${holder}, renewed ${renewed === undefined ? "never" : `${Math.round((now.getTime() - renewed.getTime()) / 1000)} s ago`}${fresh ? "" : " (expired)"}`,
    );
  } catch (e) {
    v.add(`Lease kube-system/${lease} held`, false, errorText(e));
  }
}

/** A secure port's /healthz; the serving certificate is self-signed (no --tls-cert-file in the hardened layout) and /healthz is always allowed. */
export async function checkHealthz(v: VerifyContext, component: string, node: { name: string; address: string }, port: number): Promise<void> {
  const hz = `https://${node.address}:${port}/healthz`;
  try {
    const r = await https(hz, { insecure: true, timeoutMs: v.timeoutMs });
    v.add(`${component} ${node.name} /healthz`, r.status === 200, `${hz}: HTTP ${r.status} ${r.body.trim()}`);
  } catch (e) {
    v.add(`${component} ${node.name} /healthz`, false, `${hz}: ${errorText(e)}`);
  }
}
