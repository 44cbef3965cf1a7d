// Inventory: the one input of the deployer, in YAML or JSON, validated with
// errors that name the field (`nodes[2].address: ...`).
import { readFile } from "node:fs/promises";
import { formatIp, parseGoCidr, parseGoDuration, parseGoIp } from "@k8s/pki";
import jsYaml from "js-yaml";
import { parseAddons, type AddonSettings } from "./addons.js";
import { DeployError } from "./errors.js";
import { parseContainerdSettings, type ContainerdSettings } from "./render/containerd.js";
import { parseHostSettings, type HostSettings } from "./render/host-prep.js";
import { parseImages } from "./render/images.js";
import { parseLoadBalancer, type LoadBalancerSettings } from "./render/kube-lb.js";
import { parseRenewal, type RenewalSettings } from "./render/renewal-timer.js";

export type Role = "etcd" | "master" | "worker";
export const ROLES: readonly Role[] = ["etcd", "master", "worker"];
export type PkiLayout = "hardened" | "classic";
export type EncryptionProvider = "secretbox" | "aescbc";
export type KubeletCerts = "bootstrap" | "presigned";
export type KubeProxyMode = "nftables" | "iptables";

export interface InventoryNode {
  name: string;
  address: string;
  roles: Role[];
}

export interface ComponentVersions {
  kubernetes: string;
  etcd: string;
  containerd: string;
  runc: string;
  cni: string;
  flannel: string;
  pause: string;
}

export interface Inventory {
  clusterName: string;
  nodes: InventoryNode[];
  serviceCidr: string;
  podCidr: string;
  podSubnetLen: number;
  dnsDomain: string;
  /**
   * `extraSans`: more names and addresses the API server certificate must
   * carry (a public name, a second load balancer); adding one re-issues only
   * that certificate.
   */
  apiserver: { vip?: string; lbName?: string; extraSans?: string[]; port: number };
  versions: ComponentVersions;
  /** Local folder holding the binaries (etcd, kube-apiserver, ...). */
  binDir: string;
  lifetimes: { ca: string; leaf: string };
  pki: { layout: PkiLayout; keyAlgo: "ecdsa" | "rsa"; keySize: number };
  encryptionProvider: EncryptionProvider;
  /** bootstrap: kubelets get their client certificate by TLS bootstrap; presigned: the deployer signs one per worker. */
  kubeletCerts: KubeletCerts;
  kubeProxyMode: KubeProxyMode;
  /** Optional renewal timer: expiry checks for node_exporter on masters, and opt-in renew + apply (render/renewal-timer.ts). */
  renewal?: RenewalSettings;
  /** Cluster add-ons applied as objects by the first master (addons.ts); every one has defaults. */
  addons: AddonSettings;
  /** What real hosts need: swap, cgroup v1, restricted OOM scores, conntrack limits, extra sysctls (render/host-prep.ts). */
  host: HostSettings;
  /** Local image archives imported into containerd on every worker before the kubelet starts (render/images.ts). */
  images: string[];
  /** Registry mirrors and an HTTP proxy for containerd's pulls (render/containerd.ts). */
  containerd: ContainerdSettings;
  /** The node-local API server load balancer on every worker (render/kube-lb.ts); the kind defaults by master count, VIP and LB name. */
  loadBalancer: LoadBalancerSettings;
}

/** Current versions; Kubernetes, etcd and flannel as pinned for the real binaries the tests run (deploy.md §7.1 for the rest). */
export const DEFAULT_VERSIONS: Readonly<ComponentVersions> = {
  kubernetes: "v1.37.2",
  etcd: "v3.7.3",
  containerd: "2.3.4",
  runc: "1.4.3",
  cni: "1.9.1",
  flannel: "v0.28.10",
  pause: "3.10.2",
};

const invalid = (field: string, message: string): DeployError => new DeployError("inventory-invalid", `${field}: ${message}`, { field });

// ---- IPv4 and CIDR helpers (the deployer is IPv4-only for now) ----
// IPv4 views over @k8s/pki's port of Go's net.ParseIP/ParseCIDR, the one IP
// parser of the monorepo: an address is IPv4 here when Go reads it as dotted
// IPv4 (4 bytes), so IPv6, v4-mapped forms and zones stay refused.

const ipv4ToNumber = (b: Uint8Array): number => ((b[0]! * 256 + b[1]!) * 256 + b[2]!) * 256 + b[3]!;

/** Parses dotted-quad IPv4; undefined when it is not one. */
export function parseIpv4(s: string): number | undefined {
  const ip = parseGoIp(s);
  return ip?.length === 4 ? ipv4ToNumber(ip) : undefined;
}

export const formatIpv4 = (n: number): string => formatIp(Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255));

export interface Cidr {
  base: number;
  prefix: number;
}

/**
 * An IPv4 CIDR as Go's net.ParseCIDR reads it, with the prefix length written
 * in one or two digits (Go takes any number of leading zeros; "/08" passes here too).
 */
export function parseCidr(s: string): Cidr | undefined {
  if (!/^[^/]+\/\d{1,2}$/.test(s)) return undefined;
  const c = parseGoCidr(s);
  return c?.ip.length === 4 ? { base: ipv4ToNumber(c.ip), prefix: c.bits } : undefined;
}

const cidrSize = (c: Cidr): number => 2 ** (32 - c.prefix);
const inCidr = (ip: number, c: Cidr): boolean => ip >= c.base && ip < c.base + cidrSize(c);

/** The n-th address of a CIDR (1 = the first usable, as the API server's service IP). */
export function cidrHost(cidr: string, n: number): string {
  const c = parseCidr(cidr);
  if (!c) throw invalid("cidr", `${JSON.stringify(cidr)} is not an IPv4 CIDR`);
  return formatIpv4(c.base + n);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const isDns1123Label = (s: string): boolean => s.length <= 63 && DNS1123_LABEL.test(s);
export const isDns1123Subdomain = (s: string): boolean => s.length <= 253 && s.split(".").every(isDns1123Label);

// ---- field readers ----

type Obj = Record<string, unknown>;
const typeOf = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

function object(v: unknown, field: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalid(field, `must be a mapping, not ${typeOf(v)}`);
  return v as Obj;
}

function noUnknown(o: Obj, known: readonly string[], prefix: string): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) throw invalid(prefix + k, `unknown field (known: ${known.join(", ")})`);
}

function str(o: Obj, key: string, field: string, def?: string): string {
  const v = o[key];
  if (v === undefined || v === null) {
    if (def !== undefined) return def;
    throw invalid(field, "is required");
  }
  if (typeof v !== "string") throw invalid(field, `must be a string, not ${typeOf(v)}`);
  return v;
}

function optStr(o: Obj, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw invalid(field, `must be a string, not ${typeOf(v)}`);
  return v;
}

function int(o: Obj, key: string, field: string, def: number): number {
  const v = o[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== "number" || !Number.isInteger(v)) throw invalid(field, `must be an integer, not ${JSON.stringify(v)}`);
  return v;
}

function oneOf<T extends string>(o: Obj, key: string, field: string, allowed: readonly T[], def: T): T {
  const v = str(o, key, field, def);
  if (!(allowed as readonly string[]).includes(v)) throw invalid(field, `${JSON.stringify(v)} is not one of ${allowed.join(", ")}`);
  return v as T;
}

function cidr(o: Obj, key: string, field: string, def: string): string {
  const v = str(o, key, field, def);
  const c = parseCidr(v);
  if (!c) throw invalid(field, `${JSON.stringify(v)} is not an IPv4 CIDR`);
  if (c.prefix > 30) throw invalid(field, `${JSON.stringify(v)} is too small (prefix at most /30)`);
  if ((c.base & (cidrSize(c) - 1)) !== 0) throw invalid(field, `${JSON.stringify(v)} has host bits set (network address is ${formatIpv4(c.base & ~(cidrSize(c) - 1) >>> 0)}/${c.prefix})`);
  return v;
}

function duration(o: Obj, key: string, field: string, def: string): string {
  const v = str(o, key, field, def);
  let ns: bigint;
  try {
    ns = parseGoDuration(v);
  } catch {
    throw invalid(field, `${JSON.stringify(v)} is not a Go duration (e.g. 8760h)`);
  }
  if (ns < 3_600_000_000_000n) throw invalid(field, `${JSON.stringify(v)} is shorter than 1h`);
  return v;
}

const TOP_KEYS = [
  "clusterName",
  "nodes",
  "serviceCidr",
  "podCidr",
  "podSubnetLen",
  "dnsDomain",
  "apiserver",
  "versions",
  "binDir",
  "lifetimes",
  "pki",
  "encryptionProvider",
  "kubeletCerts",
  "kubeProxyMode",
  "renewal",
  "addons",
  "host",
  "images",
  "containerd",
  "loadBalancer",
] as const;

function parseNodes(v: unknown): InventoryNode[] {
  if (!Array.isArray(v)) throw invalid("nodes", v === undefined ? "is required" : `must be a list, not ${typeOf(v)}`);
  if (v.length === 0) throw invalid("nodes", "must list at least one node");
  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  return v.map((raw, i) => {
    const f = `nodes[${i}]`;
    const o = object(raw, f);
    noUnknown(o, ["name", "address", "roles"], `${f}.`);
    const name = str(o, "name", `${f}.name`);
    if (!isDns1123Subdomain(name)) throw invalid(`${f}.name`, `${JSON.stringify(name)} is not a DNS-1123 name (lower-case letters, digits, '-' and '.')`);
    const address = str(o, "address", `${f}.address`);
    if (parseIpv4(address) === undefined) throw invalid(`${f}.address`, `${JSON.stringify(address)} is not an IPv4 address`);
    const prevName = names.get(name);
    if (prevName !== undefined) throw invalid(`${f}.name`, `${JSON.stringify(name)} is already the name of nodes[${prevName}]`);
    const prevAddr = addresses.get(address);
    if (prevAddr !== undefined) throw invalid(`${f}.address`, `${JSON.stringify(address)} is already the address of nodes[${prevAddr}]`);
    names.set(name, i);
    addresses.set(address, i);
    const r = o.roles;
    if (!Array.isArray(r) || r.length === 0) throw invalid(`${f}.roles`, "must be a non-empty list of etcd, master, worker");
    const roles: Role[] = [];
    r.forEach((x, j) => {
      if (typeof x !== "string" || !(ROLES as readonly string[]).includes(x)) throw invalid(`${f}.roles[${j}]`, `${JSON.stringify(x)} is not one of etcd, master, worker`);
      if (roles.includes(x as Role)) throw invalid(`${f}.roles[${j}]`, `${JSON.stringify(x)} is listed twice`);
      roles.push(x as Role);
    });
    // Canonical order, so the plan does not depend on how roles were listed.
    roles.sort((a, b) => ROLES.indexOf(a) - ROLES.indexOf(b));
    return { name, address, roles };
  });
}

/** Validates a decoded inventory and fills in the defaults. */
export function validateInventory(raw: unknown): Inventory {
  const o = object(raw ?? {}, "inventory");
  noUnknown(o, TOP_KEYS, "");
  const clusterName = str(o, "clusterName", "clusterName", "kubernetes");
  if (!isDns1123Label(clusterName)) throw invalid("clusterName", `${JSON.stringify(clusterName)} is not a DNS-1123 label`);
  const nodes = parseNodes(o.nodes);

  const serviceCidr = cidr(o, "serviceCidr", "serviceCidr", "10.254.0.0/16");
  const podCidr = cidr(o, "podCidr", "podCidr", "172.30.0.0/16");
  const svc = parseCidr(serviceCidr)!;
  const pod = parseCidr(podCidr)!;
  if (svc.prefix > 28) throw invalid("serviceCidr", `${JSON.stringify(serviceCidr)} is too small (prefix at most /28)`);
  if (inCidr(svc.base, pod) || inCidr(pod.base, svc)) throw invalid("podCidr", `${podCidr} overlaps serviceCidr ${serviceCidr}`);
  const podSubnetLen = int(o, "podSubnetLen", "podSubnetLen", 21);
  if (podSubnetLen <= pod.prefix || podSubnetLen > 28) throw invalid("podSubnetLen", `${podSubnetLen} must be longer than the pod CIDR prefix /${pod.prefix} and at most 28`);
  nodes.forEach((n, i) => {
    const ip = parseIpv4(n.address)!;
    if (inCidr(ip, svc)) throw invalid(`nodes[${i}].address`, `${n.address} is inside serviceCidr ${serviceCidr}`);
    if (inCidr(ip, pod)) throw invalid(`nodes[${i}].address`, `${n.address} is inside podCidr ${podCidr}`);
  });

  const dnsDomain = str(o, "dnsDomain", "dnsDomain", "cluster.local");
  if (dnsDomain.endsWith(".") || !isDns1123Subdomain(dnsDomain)) throw invalid("dnsDomain", `${JSON.stringify(dnsDomain)} is not a DNS-1123 domain (no trailing dot)`);

  const a = o.apiserver === undefined ? {} : object(o.apiserver, "apiserver");
  noUnknown(a, ["vip", "lbName", "extraSans", "port"], "apiserver.");
  const vip = optStr(a, "vip", "apiserver.vip");
  if (vip !== undefined && parseIpv4(vip) === undefined) throw invalid("apiserver.vip", `${JSON.stringify(vip)} is not an IPv4 address`);
  const lbName = optStr(a, "lbName", "apiserver.lbName");
  if (lbName !== undefined && !isDns1123Subdomain(lbName)) throw invalid("apiserver.lbName", `${JSON.stringify(lbName)} is not a DNS-1123 name`);
  let extraSans: string[] | undefined;
  if (a.extraSans !== undefined) {
    if (!Array.isArray(a.extraSans)) throw invalid("apiserver.extraSans", "must be a list of IPv4 addresses and DNS names");
    extraSans = (a.extraSans as unknown[]).map((v, i) => {
      const field = `apiserver.extraSans[${i}]`;
      if (typeof v !== "string") throw invalid(field, `must be a string, not ${JSON.stringify(v)}`);
      if (parseIpv4(v) === undefined && !isDns1123Subdomain(v)) throw invalid(field, `${JSON.stringify(v)} is neither an IPv4 address nor a DNS-1123 name`);
      return v;
    });
  }
  const port = int(a, "port", "apiserver.port", 6443);
  if (port < 1 || port > 65535) throw invalid("apiserver.port", `${port} is not a TCP port`);
  const loadBalancer = parseLoadBalancer(o.loadBalancer, nodes, { ...(vip === undefined ? {} : { vip }), ...(lbName === undefined ? {} : { lbName }), port });

  const vo = o.versions === undefined ? {} : object(o.versions, "versions");
  const vkeys = Object.keys(DEFAULT_VERSIONS) as (keyof ComponentVersions)[];
  noUnknown(vo, vkeys, "versions.");
  const versions = { ...DEFAULT_VERSIONS };
  for (const k of vkeys) {
    const v = str(vo, k, `versions.${k}`, DEFAULT_VERSIONS[k]);
    if (!/^v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.-]+)?$/.test(v)) throw invalid(`versions.${k}`, `${JSON.stringify(v)} is not a version`);
    versions[k] = v;
  }
  const km = /^v?(\d+)\.(\d+)/.exec(versions.kubernetes)!;
  if (Number(km[1]) !== 1 || Number(km[2]) < 35) throw invalid("versions.kubernetes", `${versions.kubernetes} is not supported (the rendered configuration targets 1.35 and later)`);

  const binDir = str(o, "binDir", "binDir", "./bin");
  if (binDir === "") throw invalid("binDir", "must not be empty");

  const lo = o.lifetimes === undefined ? {} : object(o.lifetimes, "lifetimes");
  noUnknown(lo, ["ca", "leaf"], "lifetimes.");
  const lifetimes = { ca: duration(lo, "ca", "lifetimes.ca", "87600h"), leaf: duration(lo, "leaf", "lifetimes.leaf", "8760h") };
  if (parseGoDuration(lifetimes.leaf) > parseGoDuration(lifetimes.ca)) throw invalid("lifetimes.leaf", `${lifetimes.leaf} outlives the CA (${lifetimes.ca})`);

  const po = o.pki === undefined ? {} : object(o.pki, "pki");
  noUnknown(po, ["layout", "keyAlgo", "keySize"], "pki.");
  const layout = oneOf(po, "layout", "pki.layout", ["hardened", "classic"] as const, "hardened");
  const keyAlgo = oneOf(po, "keyAlgo", "pki.keyAlgo", ["ecdsa", "rsa"] as const, "ecdsa");
  const keySize = int(po, "keySize", "pki.keySize", keyAlgo === "ecdsa" ? 256 : 2048);
  const sizes = keyAlgo === "ecdsa" ? [256, 384, 521] : [2048, 3072, 4096];
  if (!sizes.includes(keySize)) throw invalid("pki.keySize", `${keySize} is not a ${keyAlgo} key size (${sizes.join(", ")})`);

  const etcd = nodes.filter((n) => n.roles.includes("etcd"));
  if (etcd.length === 0) throw invalid("nodes", "no node has the etcd role");
  if (etcd.length % 2 === 0) throw invalid("nodes", `${etcd.length} etcd members: use an odd number (${etcd.map((n) => n.name).join(", ")})`);
  if (!nodes.some((n) => n.roles.includes("master"))) throw invalid("nodes", "no node has the master role");

  return {
    clusterName,
    nodes,
    serviceCidr,
    podCidr,
    podSubnetLen,
    dnsDomain,
    apiserver: { ...(vip === undefined ? {} : { vip }), ...(lbName === undefined ? {} : { lbName }), ...(extraSans === undefined ? {} : { extraSans }), port },
    versions,
    binDir,
    lifetimes,
    pki: { layout, keyAlgo, keySize },
    encryptionProvider: oneOf(o, "encryptionProvider", "encryptionProvider", ["secretbox", "aescbc"] as const, "secretbox"),
    kubeletCerts: oneOf(o, "kubeletCerts", "kubeletCerts", ["bootstrap", "presigned"] as const, "bootstrap"),
    kubeProxyMode: oneOf(o, "kubeProxyMode", "kubeProxyMode", ["nftables", "iptables"] as const, "nftables"),
    ...(o.renewal === undefined || o.renewal === null ? {} : { renewal: parseRenewal(o.renewal, nodes.map((n) => n.name)) }),
    addons: parseAddons(o.addons),
    host: parseHostSettings(o.host),
    images: parseImages(o.images),
    containerd: parseContainerdSettings(o.containerd),
    loadBalancer,
  };
}

/** Parses YAML or JSON (JSON is YAML) and validates it. */
export function parseInventory(text: string, source = "inventory"): Inventory {
  let raw: unknown;
  try {
    raw = jsYaml.load(text, { filename: source, schema: jsYaml.CORE_SCHEMA });
  } catch (e) {
    throw new DeployError("inventory-invalid", `${source}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, field: "inventory" });
  }
  return validateInventory(raw);
}

export async function loadInventory(path: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new DeployError("inventory-invalid", `read ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, field: "inventory" });
  }
  return parseInventory(text, path);
}

export const nodesWith = (inv: Inventory, role: Role): InventoryNode[] => inv.nodes.filter((n) => n.roles.includes(role));
