// Pins the accept/refuse set of the inventory's IPv4 and CIDR helpers (inventory.ts), which are IPv4 views over
// @k8s/pki's port of Go's net.ParseIP/ParseCIDR: where Go accepts more (IPv6, v4-mapped, zones, a 3-digit prefix)
// the inventory must still refuse, and where the inventory is laxer than Go's netip (a prefix with a leading zero) it stays so.
import { describe, expect, it } from "vitest";
import { cidrHost, formatIpv4, parseCidr, parseIpv4 } from "../../packages/deploy/src/inventory.js";
import { validateInventory } from "@k8s/deploy";

describe("parseIpv4", () => {
  it.each<[string, string, number | undefined]>([
    ["dotted quad", "192.168.95.11", 0xc0a85f0b],
    ["all zeros", "0.0.0.0", 0],
    ["all ones", "255.255.255.255", 0xffffffff],
    ["single zero octets", "10.0.0.1", 0x0a000001],
    ["octet over 255", "192.168.95.300", undefined],
    ["leading zero", "192.168.095.11", undefined],
    ["double zero", "10.00.0.1", undefined],
    ["three octets", "10.0.0", undefined],
    ["five octets", "10.0.0.0.1", undefined],
    ["empty octet", "10..0.1", undefined],
    ["trailing dot", "10.0.0.1.", undefined],
    ["IPv6 loopback", "::1", undefined],
    ["v4-mapped IPv6", "::ffff:192.168.95.11", undefined],
    ["IPv6", "fd00::1", undefined],
    ["zone", "192.168.95.11%eth0", undefined],
    ["leading space", " 192.168.95.11", undefined],
    ["trailing newline", "192.168.95.11\n", undefined],
    ["sign", "+10.0.0.1", undefined],
    ["fullwidth digit", "\uff11.2.3.4", undefined],
    ["Arabic-Indic digit", "\u0661.2.3.4", undefined],
    ["hex octet", "0x0a.0.0.1", undefined],
    ["CIDR", "10.0.0.0/8", undefined],
    ["empty", "", undefined],
  ])("%s: %j", (_name, s, want) => {
    expect(parseIpv4(s)).toBe(want);
  });
});

describe("parseCidr", () => {
  it.each<[string, string, { base: number; prefix: number } | undefined]>([
    ["network", "10.254.0.0/16", { base: 0x0afe0000, prefix: 16 }],
    ["host bits kept (checked by the caller)", "10.254.0.5/16", { base: 0x0afe0005, prefix: 16 }],
    ["prefix 0", "0.0.0.0/0", { base: 0, prefix: 0 }],
    ["prefix 32", "10.0.0.1/32", { base: 0x0a000001, prefix: 32 }],
    ["prefix with a leading zero", "10.0.0.0/08", { base: 0x0a000000, prefix: 8 }],
    ["prefix 00", "0.0.0.0/00", { base: 0, prefix: 0 }],
    ["three-digit prefix (Go's ParseCIDR takes it)", "10.0.0.0/008", undefined],
    ["prefix 33", "10.0.0.0/33", undefined],
    ["prefix 99", "10.0.0.0/99", undefined],
    ["no prefix", "10.0.0.0", undefined],
    ["empty prefix", "10.0.0.0/", undefined],
    ["signed prefix", "10.0.0.0/+8", undefined],
    ["negative prefix", "10.0.0.0/-1", undefined],
    ["space in prefix", "10.0.0.0/ 8", undefined],
    ["two slashes", "10.0.0.0//8", undefined],
    ["two prefixes", "10.0.0.0/8/8", undefined],
    ["fullwidth prefix digit", "10.0.0.0/\uff18", undefined],
    ["leading zero in the address", "010.0.0.0/8", undefined],
    ["IPv6", "fd00::/64", undefined],
    ["v4-mapped IPv6 (Go's ParseCIDR takes it)", "::ffff:10.0.0.0/104", undefined],
    ["v4-mapped IPv6 with an IPv4-sized prefix", "::ffff:10.0.0.0/8", undefined],
    ["zone", "10.0.0.0%eth0/8", undefined],
    ["trailing newline", "10.0.0.0/8\n", undefined],
    ["empty", "", undefined],
  ])("%s: %j", (_name, s, want) => {
    expect(parseCidr(s)).toEqual(want);
  });
});

describe("formatIpv4", () => {
  it.each<[number, string]>([
    [0, "0.0.0.0"],
    [0x0afe0001, "10.254.0.1"],
    [0xffffffff, "255.255.255.255"],
    // Wraps as the >>> arithmetic does: one past the last address is 0.0.0.0.
    [0x100000000, "0.0.0.0"],
    [-1, "255.255.255.255"],
  ])("formats %i as %j", (n, want) => {
    expect(formatIpv4(n)).toBe(want);
  });
});

describe("cidrHost", () => {
  it.each<[string, number, string]>([
    ["10.254.0.0/16", 1, "10.254.0.1"],
    ["10.254.0.0/16", 2, "10.254.0.2"],
    ["10.254.0.0/08", 10, "10.254.0.10"],
    ["10.0.0.0/24", 256, "10.0.1.0"],
  ])("host %i of %j is %j", (cidr, n, want) => {
    expect(cidrHost(cidr, n)).toBe(want);
  });

  it.each(["fd00::/64", "10.0.0.0/008", "10.0.0.0"])("refuses %j with the inventory's error", (cidr) => {
    expect(() => cidrHost(cidr, 1)).toThrow(`cidr: ${JSON.stringify(cidr)} is not an IPv4 CIDR`);
  });
});

describe("inventory addresses (validateInventory)", () => {
  const node = (name: string, address: string) => ({ name, address, roles: ["etcd", "master", "worker"] });
  const base = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ clusterName: "k8s", nodes: [node("node1", "192.168.95.11")], ...over });
  const messageOf = (raw: Record<string, unknown>): string | undefined => {
    try {
      validateInventory(raw);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  };

  it.each<[string, Record<string, unknown>, string | undefined]>([
    ["v4-mapped node address", base({ nodes: [node("node1", "::ffff:192.168.95.11")] }), 'nodes[0].address: "::ffff:192.168.95.11" is not an IPv4 address'],
    ["IPv6 node address", base({ nodes: [node("node1", "fd00::11")] }), 'nodes[0].address: "fd00::11" is not an IPv4 address'],
    ["zoned VIP", base({ apiserver: { vip: "192.168.95.10%eth0" } }), 'apiserver.vip: "192.168.95.10%eth0" is not an IPv4 address'],
    ["IPv6 extra SAN", base({ apiserver: { extraSans: ["fd00::1"] } }), 'apiserver.extraSans[0]: "fd00::1" is neither an IPv4 address nor a DNS-1123 name'],
    ["three-digit service prefix", base({ serviceCidr: "10.254.0.0/016" }), 'serviceCidr: "10.254.0.0/016" is not an IPv4 CIDR'],
    ["IPv6 pod CIDR", base({ podCidr: "fd00::/64" }), 'podCidr: "fd00::/64" is not an IPv4 CIDR'],
    ["service prefix with a leading zero", base({ serviceCidr: "10.0.0.0/09" }), undefined],
    ["pod prefix with a leading zero", base({ podCidr: "172.30.0.0/09" }), 'podCidr: "172.30.0.0/09" has host bits set (network address is 172.0.0.0/9)'],
  ])("%s", (_name, raw, want) => {
    expect(messageOf(raw)).toBe(want);
  });
});
