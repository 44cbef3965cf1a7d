// flannel on its etcd backend (v3 API): the network config is written once by a
// oneshot unit on the first etcd member; flanneld runs on masters and workers.
import type { RenderContext } from "./context.js";
import { etcdctlFlags } from "./etcd.js";
import { HOST_PREP_UNIT } from "./host-prep.js";
import { renderUnit } from "./systemd.js";

/** Where the network config unit feeds etcdctl from. */
export const FLANNEL_NET_CONF_PATH = "/etc/flannel/net-conf.json";

export function podNetworkConfig(c: RenderContext): string {
  // Local mode: the alloc backend only leases subnets (no vxlan device on a test host).
  return JSON.stringify({ Network: c.inv.podCidr, SubnetLen: c.inv.podSubnetLen, Backend: { Type: c.local ? "alloc" : "vxlan" } });
}

export const networkConfigUnit = (c: RenderContext): string =>
  renderUnit({
    description: "Write the pod network config into etcd for flanneld",
    after: ["network-online.target", "etcd.service"],
    wants: ["network-online.target", "etcd.service"],
    service: [
      ["Type", "oneshot"],
      ["RemainAfterExit", "yes"],
      ["StandardInput", `file:${FLANNEL_NET_CONF_PATH}`],
    ],
    // With no value argument, etcdctl put reads the value from standard input.
    exec: { path: c.bin("etcdctl"), flags: [...etcdctlFlags(c, c.plan.derived.etcdEndpoints), "put", `${c.plan.derived.flannelEtcdPrefix}/config`] },
    serviceAfter: [
      ["Restart", "on-failure"],
      ["RestartSec", "5"],
    ],
  });

export function flanneldFlags(c: RenderContext): string[] {
  const { paths, ids, node } = c;
  const etcd = [
    `--etcd-endpoints=${c.plan.derived.etcdEndpoints.join(",")}`,
    `--etcd-cafile=${paths.certPath(ids.etcdCa)}`,
    `--etcd-certfile=${paths.certPath("flanneld")}`,
    `--etcd-keyfile=${paths.keyPath("flanneld")}`,
    `--etcd-prefix=${c.plan.derived.flannelEtcdPrefix}`,
  ];
  // Local mode: flanneld refuses lo (no global address), so the default route's interface
  // carries it; the lease names the node's loopback address. No iptables rules.
  if (c.local) return [...etcd, "--iface-regex=.+", `--public-ip=${node.address}`, "--subnet-file=/run/flannel/subnet.env", "--iptables-forward-rules=false"];
  return [...etcd, `--iface=${node.address}`, `--public-ip=${node.address}`, "--ip-masq"];
}

export const flanneldUnit = (c: RenderContext): string =>
  renderUnit({
    description: "flanneld overlay network (etcd backend)",
    documentation: "https://github.com/flannel-io/flannel",
    // vxlan traffic is forwarded: after host preparation turned forwarding on.
    after: ["network-online.target", HOST_PREP_UNIT],
    wants: ["network-online.target", HOST_PREP_UNIT],
    before: ["containerd.service"],
    service: [["Type", "notify"]],
    exec: { path: c.bin("flanneld"), flags: flanneldFlags(c) },
    serviceAfter: [
      ["Restart", "always"],
      ["RestartSec", "5"],
    ],
  });

/** The CNI config: the flannel plugin reads /run/flannel/subnet.env and delegates to bridge/host-local. */
export const flannelConflist = (): string =>
  JSON.stringify(
    {
      name: "cbr0",
      cniVersion: "0.3.1",
      plugins: [
        { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  ) + "\n";
