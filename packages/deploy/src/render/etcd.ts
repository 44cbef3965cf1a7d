// etcd: one member per etcd node, TLS on client and peer URLs, no plaintext listener.
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT } from "../components/well-known.js";
import type { RenderContext } from "./context.js";

/** The member's data, made by systemd (StateDirectory). */
export const ETCD_DATA_DIR = "/var/lib/etcd";

/** A member's client URL. */
export const etcdClientUrl = (address: string): string => `https://${address}:${ETCD_CLIENT_PORT}`;
/** A member's peer URL. */
export const etcdPeerUrl = (address: string): string => `https://${address}:${ETCD_PEER_PORT}`;
import { renderUnit } from "./systemd.js";

export function etcdFlags(c: RenderContext): string[] {
  const { node, paths, ids, plan, layout } = c;
  const server = layout.etcdServer(node.name);
  const peer = layout.etcdPeer(node.name);
  const ca = paths.certPath(ids.etcdCa);
  return [
    `--name=${node.name}`,
    `--data-dir=${ETCD_DATA_DIR}`,
    `--cert-file=${paths.certPath(server)}`,
    `--key-file=${paths.keyPath(server)}`,
    `--trusted-ca-file=${ca}`,
    "--client-cert-auth=true",
    `--peer-cert-file=${paths.certPath(peer)}`,
    `--peer-key-file=${paths.keyPath(peer)}`,
    `--peer-trusted-ca-file=${ca}`,
    "--peer-client-cert-auth=true",
    `--listen-client-urls=${etcdClientUrl(node.address)}`,
    `--advertise-client-urls=${etcdClientUrl(node.address)}`,
    `--listen-peer-urls=${etcdPeerUrl(node.address)}`,
    `--initial-advertise-peer-urls=${etcdPeerUrl(node.address)}`,
    `--initial-cluster=${plan.derived.etcdInitialCluster}`,
    `--initial-cluster-token=${c.inv.clusterName}-etcd`,
    "--initial-cluster-state=new",
    "--auto-compaction-mode=periodic",
    "--auto-compaction-retention=1h",
    "--quota-backend-bytes=8589934592",
    "--heartbeat-interval=250",
    "--election-timeout=2000",
  ];
}

export const etcdUnit = (c: RenderContext): string =>
  renderUnit({
    description: "etcd key-value store",
    documentation: "https://etcd.io/docs/",
    after: ["network-online.target"],
    wants: ["network-online.target"],
    service: [
      ["Type", "notify"],
      ["StateDirectory", "etcd"],
      ["StateDirectoryMode", "0700"],
    ],
    exec: { path: c.bin("etcd"), flags: etcdFlags(c) },
    serviceAfter: [
      ["Restart", "on-failure"],
      ["RestartSec", "5"],
      ["LimitNOFILE", "65536"],
    ],
  });

/** etcdctl flags for this node's client certificate. */
export function etcdctlFlags(c: RenderContext, endpoints: string[]): string[] {
  const { paths, ids } = c;
  return [
    `--endpoints=${endpoints.join(",")}`,
    `--cacert=${paths.certPath(ids.etcdCa)}`,
    `--cert=${paths.certPath(ids.etcdctlClient)}`,
    `--key=${paths.keyPath(ids.etcdctlClient)}`,
  ];
}
