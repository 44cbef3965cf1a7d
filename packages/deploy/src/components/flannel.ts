// flannel on its etcd backend: the first etcd member writes the pod network
// config once (flannel-network-config.service, with etcdctl), flanneld runs on
// masters and workers (render/flannel.ts). Verified through etcd: the config
// key, and a subnet lease per flannel node.
import type { Component } from "./component.js";
import { FLANNEL_NET_CONF_PATH, flanneldUnit, networkConfigUnit, podNetworkConfig } from "../render/flannel.js";
import { errorText } from "./verify-context.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

/** The range end that selects every key with this prefix. */
function prefixEnd(prefix: string): string {
  const b = Buffer.from(prefix);
  b[b.length - 1] = (b[b.length - 1] ?? 0) + 1;
  return b.toString("base64");
}

export const flannel: Component = {
  name: "flannel",
  stage: "network",
  roles: ["etcd", "master", "worker"],
  plan(b) {
    const { ids } = b.layout;
    if (b.has("etcd") && b.node.name === b.derived.firstEtcd) {
      const conf = b.config(FLANNEL_NET_CONF_PATH, "flannel-net-conf.json");
      b.unit("flannel-network-config.service", [conf, b.bin("etcdctl"), b.cert(ids.etcdCa), ...b.pair(ids.etcdctlClient)]);
    }
    if (b.has("master") || b.has("worker")) {
      b.unit("flanneld.service", [b.bin("flanneld"), b.cert(ids.etcdCa), ...b.pair("flanneld")]);
    }
  },
  templates: {
    "flannel-net-conf.json": (c) => podNetworkConfig(c) + "\n",
    "flannel-network-config.service": networkConfigUnit,
    "flanneld.service": flanneldUnit,
  },
  verify: {
    async cluster(v) {
      const prefix = v.plan.derived.flannelEtcdPrefix;
      const ep = v.etcdHealthy[0];
      if (ep === undefined) {
        v.add("pod network config in etcd", false, "no healthy etcd endpoint");
        v.add("flannel subnet leases", false, "no healthy etcd endpoint");
        return;
      }
      try {
        const r = (await v.etcdPost(ep, "/v3/kv/range", { key: b64(`${prefix}/config`) })) as { kvs?: { value?: string }[] };
        const val = r.kvs?.[0]?.value;
        if (val === undefined) throw new Error(`no key ${prefix}/config`);
        const conf = JSON.parse(Buffer.from(val, "base64").toString("utf8")) as { Network?: string; Backend?: { Type?: string } };
        v.add("pod network config in etcd", conf.Network === v.inv.podCidr, `${prefix}/config: Network ${conf.Network ?? "?"}, backend ${conf.Backend?.Type ?? "?"}`);
      } catch (e) {
        v.add("pod network config in etcd", false, errorText(e));
      }
      try {
        const sp = `${prefix}/subnets/`;
        const r = (await v.etcdPost(ep, "/v3/kv/range", { key: b64(sp), range_end: prefixEnd(sp), keys_only: true })) as { kvs?: { key?: string }[] };
        const subnets = (r.kvs ?? []).map((k) => Buffer.from(k.key ?? "", "base64").toString("utf8").slice(sp.length));
        const want = v.inv.nodes.filter((n) => n.roles.includes("master") || n.roles.includes("worker")).length;
        v.add("flannel subnet leases", subnets.length >= want, `${subnets.length} lease(s) for ${want} flannel node(s): ${subnets.join(" ") || "none"}`);
      } catch (e) {
        v.add("flannel subnet leases", false, errorText(e));
      }
    },
  },
  // flanneld writes its lease for the CNI plugin.
  runtimePaths: () => ["/run/flannel/subnet.env"],
};
