// kube-proxy (components/kube-proxy.ts, render/kube-proxy.ts): Services,
// the CoreDNS one included, reach their pods through it, so every worker runs
// it in both layouts, nodes without the worker role do not, and its config
// tells Service traffic from the pod CIDR apart.
import jsYaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { buildPlan, defaultInventory, renderCluster, validateInventory, type Inventory, type Pki, type Plan } from "@k8s/deploy";
import { buildPki } from "../../packages/deploy/src/pki-build.js";
import { KUBE_PROXY_CONFIG_PATH } from "../../packages/deploy/src/render/kube-proxy.js";

const someCa = (await buildPki(buildPlan(defaultInventory()))).items.get("kubernetes-ca")!.cert;
const stubPki = (plan: Plan): Pki => ({ items: new Map(plan.certs.map((c) => [c.id, { cert: someCa, key: `key of ${c.id}` }])) });

const split = (layout: string): Inventory =>
  validateInventory({
    nodes: [
      { name: "m1", address: "10.0.0.11", roles: ["etcd", "master"] },
      { name: "e2", address: "10.0.0.12", roles: ["etcd"] },
      { name: "e3", address: "10.0.0.13", roles: ["etcd"] },
      { name: "w1", address: "10.0.1.1", roles: ["worker"] },
      { name: "w2", address: "10.0.1.2", roles: ["worker", "master"] },
    ],
    podCidr: "10.244.0.0/16",
    apiserver: { vip: "10.0.0.100" },
    pki: { layout },
    kubeProxyMode: "iptables",
  });

const CASES: [string, Inventory][] = ["hardened", "classic"].flatMap((layout) => {
  const d = defaultInventory();
  return [
    [`default 3-node, ${layout}`, validateInventory({ ...d, pki: { ...d.pki, layout } })],
    [`split roles, ${layout}`, split(layout)],
  ] as [string, Inventory][];
});

describe.each(CASES)("kube-proxy on the %s inventory", (_name, inv) => {
  const plan = buildPlan(inv);
  const rendered = renderCluster(plan, { pki: stubPki(plan), randomBytes: (n) => new Uint8Array(n).fill(7), now: () => new Date("2026-09-01T00:00:00Z") });

  it("runs on every worker in the worker stage, and on no other node", () => {
    for (const n of plan.nodes) {
      const unit = n.units.find((u) => u.name === "kube-proxy.service");
      if (n.roles.includes("worker")) expect(unit, n.name).toMatchObject({ stage: "worker" });
      else expect(unit, n.name).toBeUndefined();
    }
    expect(plan.nodes.filter((n) => n.units.some((u) => u.name === "kube-proxy.service")).length).toBe(inv.nodes.filter((n) => n.roles.includes("worker")).length);
  });

  it("its config names the pod CIDR as clusterCIDR, the inventory's mode, the node's name and address, and a kubeconfig for the node's API endpoint", () => {
    for (const n of rendered.filter((x) => x.roles.includes("worker"))) {
      const f = n.files.find((x) => x.path === KUBE_PROXY_CONFIG_PATH)!;
      const cfg = jsYaml.load((f.content as Buffer).toString()) as Record<string, any>;
      expect(cfg).toMatchObject({ clusterCIDR: inv.podCidr, mode: inv.kubeProxyMode, hostnameOverride: n.name, bindAddress: n.address });
      const kcPath = plan.paths.kubeconfig["kube-proxy"];
      expect(cfg.clientConnection.kubeconfig).toBe(kcPath);
      const kc = jsYaml.load((n.files.find((x) => x.path === kcPath)!.content as Buffer).toString()) as Record<string, any>;
      // Through the node's kube-lb where it runs (several masters, no VIP), else the master itself or the cluster endpoint.
      const direct = n.roles.includes("master") ? `https://${n.address}:${inv.apiserver.port}` : plan.derived.clusterEndpoint;
      const server = inv.loadBalancer.kind === "haproxy" ? `https://127.0.0.1:${inv.loadBalancer.port}` : direct;
      expect(kc.clusters[0].cluster.server, n.name).toBe(server);
    }
  });
});
