// etcd: one member per etcd node, TLS on client and peer URLs (render/etcd.ts),
// etcdctl and its client certificate beside it for health checks; ready when
// /health says true (the member has a leader); verified member by member
// through the v3 HTTP gateway, then for exactly one leader.
import { https } from "../https-probe.js";
import { nodesWith } from "../inventory.js";
import { pkiItem, trustPem } from "../pki-build.js";
import { pkiLayout } from "../pki-layouts.js";
import { ETCD_DATA_DIR, etcdClientUrl, etcdPeerUrl, etcdUnit } from "../render/etcd.js";
import type { Component } from "./component.js";
import { httpsProbe } from "./readiness-probe.js";
import { errorText } from "./verify-context.js";
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT } from "./well-known.js";

export { ETCD_CLIENT_PORT, ETCD_PEER_PORT, etcdClientUrl, etcdPeerUrl };

const healthTrue = (status: number, body: string): boolean => {
  try {
    return status === 200 && (JSON.parse(body) as { health?: string }).health === "true";
  } catch {
    return false;
  }
};

export const etcd: Component = {
  name: "etcd",
  stage: "etcd",
  roles: ["etcd"],
  plan(b) {
    const { ids } = b.layout;
    const server = b.layout.etcdServer(b.node.name);
    const peer = b.layout.etcdPeer(b.node.name);
    // The classic layout's one shared certificate is both; unit() drops the repeat.
    b.unit("etcd.service", [b.bin("etcd"), b.cert(ids.etcdCa), ...b.pair(server), ...b.pair(peer)]);
    // etcdctl and its client certificate, for health checks on the member.
    b.bin("etcdctl");
    b.pair(ids.etcdctlClient);
  },
  templates: { "etcd.service": etcdUnit },
  readiness: {
    "etcd.service": (p, node) => {
      const client = pkiItem(p.pki, p.ids.etcdctlClient);
      return httpsProbe(p, `${etcdClientUrl(node.address)}/health`, { ca: trustPem(p.pki, p.ids.etcdCa), cert: client.cert, key: client.key }, healthTrue);
    },
  },
  verify: {
    async node(v, n) {
      const ep = etcdClientUrl(n.address);
      try {
        const h = await https(`${ep}/health`, v.etcdTls);
        const st = (await v.etcdPost(ep, "/v3/maintenance/status", {})) as { header?: { member_id?: string }; leader?: string; version?: string };
        if (!healthTrue(h.status, h.body)) throw new Error(`/health: HTTP ${h.status} ${h.body.trim()}`);
        const leader = st.leader ?? "?";
        v.etcdLeaders.set(leader, [...(v.etcdLeaders.get(leader) ?? []), n.name]);
        v.etcdHealthy.push(ep);
        v.add(`etcd ${n.name} healthy`, true, `${ep} v${st.version ?? "?"}, member ${st.header?.member_id ?? "?"}${st.header?.member_id === leader ? " (leader)" : ""}`);
      } catch (e) {
        v.add(`etcd ${n.name} healthy`, false, `${ep}: ${errorText(e)}`);
      }
    },
    async cluster(v) {
      const leaderIds = [...v.etcdLeaders.keys()].filter((l) => l !== "0");
      v.add(
        "etcd has exactly one leader",
        leaderIds.length === 1 && v.etcdHealthy.length > nodesWith(v.inv, "etcd").length / 2,
        leaderIds.length === 1 ? `leader ${leaderIds[0]} seen by ${v.etcdHealthy.length} healthy member(s)` : `leaders seen: ${leaderIds.join(", ") || "none"}`,
      );
    },
  },
  runtimePaths: () => [ETCD_DATA_DIR],
  unnamedFiles: (plan) => {
    const client = pkiLayout(plan.inventory).ids.etcdctlClient;
    return [`${plan.paths.bin}/etcdctl`, plan.paths.certPath(client), plan.paths.keyPath(client)];
  },
};
