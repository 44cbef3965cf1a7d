// deploy verify: what a deployed cluster must show, each check ok or failed
// with a reason. etcd through its v3 HTTP gateway with the etcdctl client
// certificate (what `etcdctl endpoint status` reports), the API servers,
// controller-manager and scheduler over HTTPS with the admin certificate; the
// leader Leases of the controller-manager, the scheduler and the CSR approver.
import { https } from "./https-probe.js";
import { nodesWith } from "./inventory.js";
import { apiserverUrlFor, certIds, type Plan } from "./plan.js";
import { pkiItem, trustPem, type Pki } from "./pki-build.js";
import { APPROVER_LEASE } from "./render/approver.js";

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

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const b64 = (s: string): string => Buffer.from(s).toString("base64");

/** The range end that selects every key with this prefix. */
function prefixEnd(prefix: string): string {
  const b = Buffer.from(prefix);
  b[b.length - 1] = (b[b.length - 1] ?? 0) + 1;
  return b.toString("base64");
}

/** Runs every check; never throws. */
export async function verifyCluster(opts: VerifyOptions): Promise<VerifyCheck[]> {
  const { plan, pki } = opts;
  const inv = plan.inventory;
  const ids = certIds(plan);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const now = (opts.now ?? (() => new Date()))();
  const checks: VerifyCheck[] = [];
  const add = (name: string, ok: boolean, detail: string): void => void checks.push({ name, ok, detail });

  // --- etcd
  const etcdTls = { ca: trustPem(pki, ids.etcdCa), cert: pkiItem(pki, ids.etcdctlClient).cert, key: pkiItem(pki, ids.etcdctlClient).key, timeoutMs };
  const etcdPost = async (endpoint: string, path: string, body: object): Promise<unknown> => {
    const r = await https(`${endpoint}${path}`, { ...etcdTls, method: "POST", body: JSON.stringify(body) });
    if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
    return JSON.parse(r.body) as unknown;
  };
  const leaders = new Map<string, string[]>();
  const healthy: string[] = [];
  for (const n of nodesWith(inv, "etcd")) {
    const ep = `https://${n.address}:2379`;
    try {
      const h = await https(`${ep}/health`, etcdTls);
      const st = (await etcdPost(ep, "/v3/maintenance/status", {})) as { header?: { member_id?: string }; leader?: string; version?: string };
      const healthOk = h.status === 200 && (JSON.parse(h.body) as { health?: string }).health === "true";
      if (!healthOk) throw new Error(`/health: HTTP ${h.status} ${h.body.trim()}`);
      const leader = st.leader ?? "?";
      leaders.set(leader, [...(leaders.get(leader) ?? []), n.name]);
      healthy.push(ep);
      add(`etcd ${n.name} healthy`, true, `${ep} v${st.version ?? "?"}, member ${st.header?.member_id ?? "?"}${st.header?.member_id === leader ? " (leader)" : ""}`);
    } catch (e) {
      add(`etcd ${n.name} healthy`, false, `${ep}: ${msg(e)}`);
    }
  }
  const leaderIds = [...leaders.keys()].filter((l) => l !== "0");
  add(
    "etcd has exactly one leader",
    leaderIds.length === 1 && healthy.length > nodesWith(inv, "etcd").length / 2,
    leaderIds.length === 1 ? `leader ${leaderIds[0]} seen by ${healthy.length} healthy member(s)` : `leaders seen: ${leaderIds.join(", ") || "none"}`,
  );

  // --- pod network
  const prefix = plan.derived.flannelEtcdPrefix;
  const ep = healthy[0];
  if (ep === undefined) {
    add("pod network config in etcd", false, "no healthy etcd endpoint");
    add("flannel subnet leases", false, "no healthy etcd endpoint");
  } else {
    try {
      const r = (await etcdPost(ep, "/v3/kv/range", { key: b64(`${prefix}/config`) })) as { kvs?: { value?: string }[] };
      const v = r.kvs?.[0]?.value;
      if (v === undefined) throw new Error(`no key ${prefix}/config`);
      const conf = JSON.parse(Buffer.from(v, "base64").toString("utf8")) as { Network?: string; Backend?: { Type?: string } };
      add("pod network config in etcd", conf.Network === inv.podCidr, `${prefix}/config: Network ${conf.Network ?? "?"}, backend ${conf.Backend?.Type ?? "?"}`);
    } catch (e) {
      add("pod network config in etcd", false, msg(e));
    }
    try {
      const sp = `${prefix}/subnets/`;
      const r = (await etcdPost(ep, "/v3/kv/range", { key: b64(sp), range_end: prefixEnd(sp), keys_only: true })) as { kvs?: { key?: string }[] };
      const subnets = (r.kvs ?? []).map((k) => Buffer.from(k.key ?? "", "base64").toString("utf8").slice(sp.length));
      const want = inv.nodes.filter((n) => n.roles.includes("master") || n.roles.includes("worker")).length;
      add("flannel subnet leases", subnets.length >= want, `${subnets.length} lease(s) for ${want} flannel node(s): ${subnets.join(" ") || "none"}`);
    } catch (e) {
      add("flannel subnet leases", false, msg(e));
    }
  }

  // --- API servers
  const admin = pkiItem(pki, "admin");
  const apiTls = { ca: trustPem(pki, ids.mainCa), cert: admin.cert, key: admin.key, timeoutMs };
  const ready: string[] = [];
  const masters = nodesWith(inv, "master");
  for (const m of masters) {
    const url = apiserverUrlFor(plan, { roles: ["master"], address: m.address });
    try {
      const r = await https(`${url}/readyz`, apiTls);
      if (r.status === 200) ready.push(url);
      add(`kube-apiserver ${m.name} /readyz`, r.status === 200, `${url}: HTTP ${r.status} ${r.body.trim().split("\n").slice(-1)[0] ?? ""}`);
    } catch (e) {
      add(`kube-apiserver ${m.name} /readyz`, false, `${url}: ${msg(e)}`);
    }
    for (const [component, port] of [
      ["kube-controller-manager", 10257],
      ["kube-scheduler", 10259],
    ] as const) {
      const hz = `https://${m.address}:${port}/healthz`;
      try {
        // Serving certificates are self-signed (no --tls-cert-file in the hardened layout); /healthz is always allowed.
        const r = await https(hz, { insecure: true, timeoutMs });
        add(`${component} ${m.name} /healthz`, r.status === 200, `${hz}: HTTP ${r.status} ${r.body.trim()}`);
      } catch (e) {
        add(`${component} ${m.name} /healthz`, false, `${hz}: ${msg(e)}`);
      }
    }
  }
  const api = ready[0];
  const get = async (path: string): Promise<unknown> => {
    if (api === undefined) throw new Error("no ready API server");
    const r = await https(`${api}${path}`, apiTls);
    if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}`);
    return JSON.parse(r.body) as unknown;
  };
  for (const lease of ["kube-controller-manager", "kube-scheduler", APPROVER_LEASE.name]) {
    try {
      const l = (await get(`/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${lease}`)) as {
        spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
      };
      const holder = l.spec?.holderIdentity ?? "";
      const renewed = l.spec?.renewTime === undefined ? undefined : new Date(l.spec.renewTime);
      const fresh = renewed !== undefined && now.getTime() - renewed.getTime() <= (l.spec?.leaseDurationSeconds ?? 15) * 1000;
      add(
        `Lease kube-system/${lease} held`,
        holder !== "" && fresh,
        holder === "" ? "no holder" : `held by ${holder}, renewed ${renewed === undefined ? "never" : `${Math.round((now.getTime() - renewed.getTime()) / 1000)} s ago`}${fresh ? "" : " (expired)"}`,
      );
    } catch (e) {
      add(`Lease kube-system/${lease} held`, false, msg(e));
    }
  }
  try {
    const l = (await get("/apis/certificates.k8s.io/v1/certificatesigningrequests")) as {
      items?: { metadata?: { name?: string }; spec?: { signerName?: string }; status?: { conditions?: { type?: string }[]; certificate?: string } }[];
    };
    const items = l.items ?? [];
    const state = (c: (typeof items)[number]): string => c.status?.conditions?.find((x) => x.type === "Approved" || x.type === "Denied")?.type ?? "Pending";
    const pending = items.filter((c) => state(c) === "Pending").map((c) => c.metadata?.name ?? "?");
    const approved = items.filter((c) => state(c) === "Approved" && c.status?.certificate !== undefined).length;
    add("CSRs approved", pending.length === 0, `${approved} approved and issued, ${pending.length} pending${pending.length ? `: ${pending.join(", ")}` : ""}, ${items.filter((c) => state(c) === "Denied").length} denied`);
  } catch (e) {
    add("CSRs approved", false, msg(e));
  }
  try {
    const l = (await get("/api/v1/nodes")) as { items?: { metadata?: { name?: string } }[] };
    const names = (l.items ?? []).map((n) => n.metadata?.name ?? "?");
    const want = nodesWith(inv, "worker").length;
    add("nodes listed", opts.requireNodes === false || names.length >= want, `${names.length} node(s)${names.length ? `: ${names.join(", ")}` : ""}${opts.requireNodes === false ? "" : ` (${want} worker(s) expected)`}`);
  } catch (e) {
    add("nodes listed", false, msg(e));
  }
  return checks;
}

/** One line per check, then a summary. */
export function formatVerify(checks: readonly VerifyCheck[]): string {
  const lines = checks.map((c) => `${c.ok ? "ok    " : "FAILED"} ${c.name}: ${c.detail}`);
  const failed = checks.filter((c) => !c.ok).length;
  lines.push(failed === 0 ? `all ${checks.length} checks passed` : `${failed} of ${checks.length} checks failed`);
  return lines.join("\n") + "\n";
}
