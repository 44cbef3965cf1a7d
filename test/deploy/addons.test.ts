// Inventory `addons` (packages/deploy/src/addons.ts): every refusal names its
// field, unknown keys are refused, and what passes comes back as written, with
// the defaults filled in.
import { describe, expect, it } from "vitest";
import { DeployError, parseInventory, validateInventory, type Inventory } from "@k8s/deploy";
import { COREDNS_DEFAULTS, describeAddons } from "../../packages/deploy/src/addons.js";

const nodes = [{ name: "node1", address: "192.168.95.11", roles: ["etcd", "master", "worker"] }];
const withAddons = (addons: unknown): Inventory => validateInventory({ nodes, addons });
const withCoreDns = (coredns: Record<string, unknown>): Inventory => withAddons({ coredns });

describe("inventory addons", () => {
  it.each<[string, unknown, string, string]>([
    ["addons not a mapping", [], "addons", "addons: must be a mapping, not array"],
    ["unknown add-on", { dashboard: {} }, "addons.dashboard", "addons.dashboard: unknown field (known: coredns)"],
    ["coredns not a mapping", { coredns: "yes" }, "addons.coredns", "addons.coredns: must be a mapping, not string"],
    ["unknown coredns key", { coredns: { replica: 3 } }, "addons.coredns.replica", "addons.coredns.replica: unknown field (known: enabled, image, replicas, upstream)"],
    ["enabled as a string", { coredns: { enabled: "true" } }, "addons.coredns.enabled", 'addons.coredns.enabled: must be true or false, not "true"'],
    ["zero replicas", { coredns: { replicas: 0 } }, "addons.coredns.replicas", "addons.coredns.replicas: must be an integer of at least 1, not 0"],
    ["fractional replicas", { coredns: { replicas: 1.5 } }, "addons.coredns.replicas", "addons.coredns.replicas: must be an integer of at least 1, not 1.5"],
    ["replicas as a string", { coredns: { replicas: "2" } }, "addons.coredns.replicas", 'addons.coredns.replicas: must be an integer of at least 1, not "2"'],
    ["image not a string", { coredns: { image: 42 } }, "addons.coredns.image", "addons.coredns.image: must be a string, not number"],
    ["image with a space", { coredns: { image: "coredns/coredns :v1.15.0" } }, "addons.coredns.image", 'addons.coredns.image: "coredns/coredns :v1.15.0" is not an image reference'],
    ["image with upper case in the path", { coredns: { image: "registry.k8s.io/CoreDNS/coredns:v1.15.0" } }, "addons.coredns.image", "is not an image reference"],
    ["image without a tag", { coredns: { image: "registry.k8s.io/coredns/coredns" } }, "addons.coredns.image", 'addons.coredns.image: "registry.k8s.io/coredns/coredns" names no tag or digest'],
    ["registry port is not a tag", { coredns: { image: "localhost:5000/coredns" } }, "addons.coredns.image", 'addons.coredns.image: "localhost:5000/coredns" names no tag or digest'],
    ["short digest", { coredns: { image: "coredns/coredns@sha256:abc" } }, "addons.coredns.image", "is not an image reference"],
    ["upstream another file", { coredns: { upstream: "/run/systemd/resolve/resolv.conf" } }, "addons.coredns.upstream", 'addons.coredns.upstream: must be "/etc/resolv.conf" or a list of resolver addresses, not "/run/systemd/resolve/resolv.conf"'],
    ["upstream a bare address", { coredns: { upstream: "1.1.1.1" } }, "addons.coredns.upstream", 'not "1.1.1.1"'],
    ["upstream empty", { coredns: { upstream: [] } }, "addons.coredns.upstream", "addons.coredns.upstream: must list 1 to 15 resolver addresses, not 0"],
    ["upstream too many", { coredns: { upstream: Array.from({ length: 16 }, (_, i) => `192.0.2.${i + 1}`) } }, "addons.coredns.upstream", "must list 1 to 15 resolver addresses, not 16"],
    ["upstream a name", { coredns: { upstream: ["192.0.2.53", "dns.example.com"] } }, "addons.coredns.upstream[1]", 'addons.coredns.upstream[1]: "dns.example.com" is not a resolver address'],
    ["upstream bad IPv4", { coredns: { upstream: ["192.0.2.300"] } }, "addons.coredns.upstream[0]", 'addons.coredns.upstream[0]: "192.0.2.300" is not a resolver address'],
    ["upstream port out of range", { coredns: { upstream: ["192.0.2.53:65536"] } }, "addons.coredns.upstream[0]", "is not a resolver address"],
    ["upstream IPv6 in brackets without a port", { coredns: { upstream: ["[2001:db8::53]"] } }, "addons.coredns.upstream[0]", 'addons.coredns.upstream[0]: "[2001:db8::53]" is not a resolver address'],
    ["upstream IPv6 with a zone", { coredns: { upstream: ["fe80::1%eth0"] } }, "addons.coredns.upstream[0]", "is not a resolver address"],
    ["upstream IPv4 in brackets", { coredns: { upstream: ["[192.0.2.53]:53"] } }, "addons.coredns.upstream[0]", "is not a resolver address"],
    ["upstream not a string", { coredns: { upstream: [53] } }, "addons.coredns.upstream[0]", "addons.coredns.upstream[0]: must be a string, not number"],
    ["upstream twice", { coredns: { upstream: ["192.0.2.53", "192.0.2.53"] } }, "addons.coredns.upstream[1]", 'addons.coredns.upstream[1]: "192.0.2.53" is already addons.coredns.upstream[0]'],
  ])("refuses %s", (_name, addons, field, message) => {
    let err: unknown;
    try {
      withAddons(addons);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeployError);
    expect(err).toMatchObject({ code: "inventory-invalid", field });
    expect((err as Error).message).toContain(message);
  });

  it("fills every default when addons, coredns or a field is left out", () => {
    const defaults = { enabled: true, image: "registry.k8s.io/coredns/coredns:v1.15.0", replicas: 2, upstream: "/etc/resolv.conf" };
    expect(COREDNS_DEFAULTS).toEqual(defaults);
    expect(validateInventory({ nodes }).addons).toEqual({ coredns: defaults });
    expect(withAddons({}).addons.coredns).toEqual(defaults);
    expect(withAddons(null).addons.coredns).toEqual(defaults);
    expect(withCoreDns({ replicas: 3 }).addons.coredns).toEqual({ ...defaults, replicas: 3 });
  });

  it.each<[string, Record<string, unknown>, Partial<Inventory["addons"]["coredns"]>]>([
    ["disabled", { enabled: false }, { enabled: false }],
    ["one replica", { replicas: 1 }, { replicas: 1 }],
    ["a mirror with a port and a tag", { image: "mirror.internal:5000/coredns/coredns:v1.14.6" }, { image: "mirror.internal:5000/coredns/coredns:v1.14.6" }],
    ["a digest", { image: `coredns/coredns@sha256:${"ab".repeat(32)}` }, { image: `coredns/coredns@sha256:${"ab".repeat(32)}` }],
    ["a tag and a digest", { image: `coredns/coredns:1.15.0@sha256:${"0".repeat(64)}` }, { image: `coredns/coredns:1.15.0@sha256:${"0".repeat(64)}` }],
    ["resolvers of both families, with and without ports", { upstream: ["192.0.2.53", "198.51.100.1:5353", "2001:db8::53", "[2001:db8::54]:53"] }, { upstream: ["192.0.2.53", "198.51.100.1:5353", "2001:db8::53", "[2001:db8::54]:53"] }],
    ["resolv.conf spelled out", { upstream: "/etc/resolv.conf" }, { upstream: "/etc/resolv.conf" }],
  ])("accepts %s", (_name, coredns, expected) => {
    expect(withCoreDns(coredns).addons.coredns).toMatchObject(expected);
  });

  it("reads addons from YAML as written, booleans and integers typed", () => {
    const inv = parseInventory(`nodes: [{ name: node1, address: 192.168.95.11, roles: [etcd, master, worker] }]
addons:
  coredns:
    enabled: false
    replicas: 3
    upstream: [192.0.2.53, "[2001:db8::53]:53"]
`);
    expect(inv.addons.coredns).toEqual({ enabled: false, image: COREDNS_DEFAULTS.image, replicas: 3, upstream: ["192.0.2.53", "[2001:db8::53]:53"] });
  });

  it("a validated inventory validates again to itself (the plan re-validates it in local mode)", () => {
    const inv = withCoreDns({ replicas: 4, upstream: ["192.0.2.53"] });
    expect(validateInventory(inv)).toEqual(inv);
  });

  it("describeAddons: the plan's line names the image, replicas, upstream and the node that applies them, or none", () => {
    const inv = withCoreDns({ image: "mirror.internal/coredns:v1.14.6", replicas: 3, upstream: ["192.0.2.53", "[2001:db8::53]:53"] });
    expect(describeAddons(inv.addons, "m1")).toBe("CoreDNS mirror.internal/coredns:v1.14.6, 3 replica(s), upstream 192.0.2.53 [2001:db8::53]:53 (cluster-addons.service on m1)");
    expect(describeAddons(withCoreDns({ enabled: false }).addons, "m1")).toBe("none");
  });
});
