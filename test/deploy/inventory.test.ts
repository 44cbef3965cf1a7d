import { describe, expect, it } from "vitest";
import { DeployError, defaultInventory, parseInventory, validateInventory } from "@k8s/deploy";
import { apiserverSans } from "../../packages/deploy/src/plan.js";
import { DEFAULT_INVENTORY_YAML } from "../../packages/deploy/src/default-inventory.js";

const node = (name: string, address: string, roles: string[] = ["etcd", "master", "worker"]) => ({ name, address, roles });
const three = [node("node1", "192.168.95.11"), node("node2", "192.168.95.12"), node("node3", "192.168.95.13")];
const base = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ clusterName: "k8s", nodes: three, ...over });

describe("inventory validation", () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ["bad IPv4", base({ nodes: [...three.slice(0, 2), node("node3", "192.168.95.300")] }), "nodes[2].address", 'nodes[2].address: "192.168.95.300" is not an IPv4 address'],
    ["leading zero", base({ nodes: [node("node1", "192.168.095.11")] }), "nodes[0].address", 'nodes[0].address: "192.168.095.11" is not an IPv4 address'],
    ["upper-case name", base({ nodes: [node("Node1", "192.168.95.11")] }), "nodes[0].name", 'nodes[0].name: "Node1" is not a DNS-1123 name'],
    ["duplicate name", base({ nodes: [three[0], three[1], { ...three[2], name: "node1" }] }), "nodes[2].name", 'nodes[2].name: "node1" is already the name of nodes[0]'],
    ["duplicate address", base({ nodes: [three[0], { ...three[1], address: "192.168.95.11" }, three[2]] }), "nodes[1].address", 'nodes[1].address: "192.168.95.11" is already the address of nodes[0]'],
    ["unknown role", base({ nodes: [node("node1", "192.168.95.11", ["etcd", "master", "minion"])] }), "nodes[0].roles[2]", 'nodes[0].roles[2]: "minion" is not one of etcd, master, worker'],
    ["empty roles", base({ nodes: [node("node1", "192.168.95.11", [])] }), "nodes[0].roles", "nodes[0].roles: must be a non-empty list"],
    ["missing address", base({ nodes: [{ name: "node1", roles: ["etcd", "master"] }] }), "nodes[0].address", "nodes[0].address: is required"],
    ["unknown node field", base({ nodes: [{ ...three[0], ip: "1.2.3.4" }] }), "nodes[0].ip", "nodes[0].ip: unknown field"],
    ["even etcd members", base({ nodes: [three[0], three[1], node("node3", "192.168.95.13", ["worker"])] }), "nodes", "nodes: 2 etcd members: use an odd number"],
    ["no master", base({ nodes: [node("node1", "192.168.95.11", ["etcd", "worker"])] }), "nodes", "nodes: no node has the master role"],
    ["no nodes", base({ nodes: [] }), "nodes", "nodes: must list at least one node"],
    ["bad service CIDR", base({ serviceCidr: "10.254.0.0/33" }), "serviceCidr", 'serviceCidr: "10.254.0.0/33" is not an IPv4 CIDR'],
    ["host bits", base({ serviceCidr: "10.254.0.1/16" }), "serviceCidr", 'serviceCidr: "10.254.0.1/16" has host bits set (network address is 10.254.0.0/16)'],
    ["overlap", base({ podCidr: "10.254.128.0/17" }), "podCidr", "podCidr: 10.254.128.0/17 overlaps serviceCidr 10.254.0.0/16"],
    ["subnet len", base({ podSubnetLen: 16 }), "podSubnetLen", "podSubnetLen: 16 must be longer than the pod CIDR prefix /16"],
    ["node in pod CIDR", base({ nodes: [node("node1", "172.30.0.5")] }), "nodes[0].address", "nodes[0].address: 172.30.0.5 is inside podCidr 172.30.0.0/16"],
    ["trailing dot domain", base({ dnsDomain: "cluster.local." }), "dnsDomain", 'dnsDomain: "cluster.local." is not a DNS-1123 domain'],
    ["bad VIP", base({ apiserver: { vip: "10.0.0" } }), "apiserver.vip", 'apiserver.vip: "10.0.0" is not an IPv4 address'],
    ["bad LB name", base({ apiserver: { lbName: "LB_1" } }), "apiserver.lbName", 'apiserver.lbName: "LB_1" is not a DNS-1123 name'],
    ["extra SANs not a list", base({ apiserver: { extraSans: "api.example.com" } }), "apiserver.extraSans", "apiserver.extraSans: must be a list"],
    ["bad extra SAN", base({ apiserver: { extraSans: ["api.example.com", "API_2"] } }), "apiserver.extraSans[1]", 'apiserver.extraSans[1]: "API_2" is neither an IPv4 address nor a DNS-1123 name'],
    ["extra SAN not a string", base({ apiserver: { extraSans: [42] } }), "apiserver.extraSans[0]", "apiserver.extraSans[0]: must be a string, not 42"],
    ["bad duration", base({ lifetimes: { ca: "10y" } }), "lifetimes.ca", 'lifetimes.ca: "10y" is not a Go duration'],
    ["leaf outlives CA", base({ lifetimes: { ca: "8760h", leaf: "87600h" } }), "lifetimes.leaf", "lifetimes.leaf: 87600h outlives the CA (8760h)"],
    ["layout", base({ pki: { layout: "kubeadm" } }), "pki.layout", 'pki.layout: "kubeadm" is not one of hardened, classic'],
    ["key size", base({ pki: { keyAlgo: "rsa", keySize: 1024 } }), "pki.keySize", "pki.keySize: 1024 is not a rsa key size"],
    ["old kubernetes", base({ versions: { kubernetes: "v1.12.3" } }), "versions.kubernetes", "versions.kubernetes: v1.12.3 is not supported"],
    ["unknown version key", base({ versions: { docker: "18.09" } }), "versions.docker", "versions.docker: unknown field"],
    ["unknown top-level", base({ insecurePort: 8080 }), "insecurePort", "insecurePort: unknown field"],
    ["cluster name", base({ clusterName: "My Cluster" }), "clusterName", 'clusterName: "My Cluster" is not a DNS-1123 label'],
    ["nodes not a list", base({ nodes: "node1" }), "nodes", "nodes: must be a list, not string"],
  ])("%s", (_name, raw, field, message) => {
    let err: unknown;
    try {
      validateInventory(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeployError);
    const e = err as DeployError;
    expect(e.code).toBe("inventory-invalid");
    expect(e.field).toBe(field);
    expect(e.message.startsWith(message)).toBe(true);
  });

  it("extra API server SANs go into the API server certificate's SANs, IPs before names", () => {
    const inv = validateInventory(base({ apiserver: { extraSans: ["api.example.com", "203.0.113.7", "192.168.95.11"] } }));
    expect(inv.apiserver.extraSans).toEqual(["api.example.com", "203.0.113.7", "192.168.95.11"]);
    const sans = apiserverSans(inv);
    expect(sans).toContain("api.example.com");
    expect(sans.indexOf("203.0.113.7")).toBeLessThan(sans.indexOf("kubernetes"));
    expect(sans.filter((s) => s === "192.168.95.11")).toHaveLength(1);
    expect(apiserverSans(validateInventory(base()))).not.toContain("api.example.com");
  });

  it("fills the defaults", () => {
    const inv = validateInventory({ nodes: [node("solo", "10.0.0.5")] });
    expect(inv).toMatchObject({
      clusterName: "kubernetes",
      serviceCidr: "10.254.0.0/16",
      podCidr: "172.30.0.0/16",
      podSubnetLen: 21,
      dnsDomain: "cluster.local",
      lifetimes: { ca: "87600h", leaf: "8760h" },
      pki: { layout: "hardened", keyAlgo: "ecdsa", keySize: 256 },
      apiserver: { port: 6443 },
      versions: { kubernetes: "v1.37.2", etcd: "v3.7.3" },
    });
  });

  it("orders roles canonically", () => {
    expect(validateInventory({ nodes: [node("a", "10.0.0.1", ["worker", "etcd", "master"])] }).nodes[0]!.roles).toEqual(["etcd", "master", "worker"]);
  });

  it("parses YAML and JSON alike; the built-in YAML equals defaultInventory()", () => {
    expect(parseInventory(DEFAULT_INVENTORY_YAML)).toEqual(defaultInventory());
    expect(parseInventory(JSON.stringify(base()))).toEqual(validateInventory(base()));
  });

  it("reports YAML syntax errors as inventory-invalid", () => {
    expect(() => parseInventory("nodes: [", "inv.yaml")).toThrow(/inv\.yaml/);
  });

  it("the default inventory is the classic three-node cluster", () => {
    const inv = defaultInventory();
    expect(inv.nodes.map((n) => `${n.name} ${n.address} ${n.roles.join(",")}`)).toEqual([
      "node1 192.168.95.11 etcd,master,worker",
      "node2 192.168.95.12 etcd,master,worker",
      "node3 192.168.95.13 etcd,master,worker",
    ]);
  });
});
