// Plan: a pure, deterministic function of the inventory. Every certificate
// (subject, SANs, profile, lifetime, signing CA), every file per node with its
// mode and source, every unit with its inputs and stage. Render fills in the
// bytes; nothing here touches the clock, randomness or the file system.
import { posix } from "node:path";
import { DeployError } from "./errors.js";
import { cidrHost, nodesWith, type Inventory, type InventoryNode, type Role } from "./inventory.js";
import type { Stage } from "./rendered.js";

export type CertProfile = "ca" | "server" | "client" | "peer" | "kubernetes";

export const PROFILE_USAGES: Record<CertProfile, string[]> = {
  ca: ["cert sign", "crl sign"],
  server: ["signing", "key encipherment", "server auth"],
  client: ["signing", "key encipherment", "client auth"],
  peer: ["signing", "key encipherment", "server auth", "client auth"],
  // The classic layout's single all-purpose profile (FMI's ca-config.json).
  kubernetes: ["signing", "key encipherment", "server auth", "client auth"],
};

export interface PlannedCert {
  /** Unique id, e.g. `apiserver`, `etcd-server-node1`, `sa`. */
  id: string;
  /** ca: self-signed root; cert: a leaf signed by `ca`; keypair: a bare key pair (service accounts). */
  kind: "ca" | "cert" | "keypair";
  cn: string;
  o: string[];
  /** SANs in certificate order: IP addresses first, then DNS names. */
  sans: string[];
  profile: CertProfile | "none";
  usages: string[];
  lifetime: string;
  /** Signing CA id; undefined for self-signed roots and key pairs. */
  ca?: string;
  /** Why it exists (printed in the plan). */
  purpose: string;
}

export type Template =
  | "etcd.service"
  | "flannel-net-conf.json"
  | "flannel-network-config.service"
  | "flanneld.service"
  | "10-flannel.conflist"
  | "containerd-config.toml"
  | "containerd.service"
  | "kube-apiserver.service"
  | "encryption-config.yaml"
  | "kube-controller-manager.kubeconfig"
  | "kube-controller-manager.service"
  | "kube-scheduler.kubeconfig"
  | "kube-scheduler.yaml"
  | "kube-scheduler.service"
  | "admin.kubeconfig"
  | "csr-crb.yaml"
  | "approver.yaml"
  | "bootstrap-tokens.yaml"
  | "cluster-objects.service"
  | "k8s-pki-approver.kubeconfig"
  | "k8s-pki-approver.service"
  | "kubelet-config.yaml"
  | "kubelet-bootstrap.kubeconfig"
  | "kubelet.kubeconfig"
  | "kubelet.service"
  | "kube-proxy.kubeconfig"
  | "kube-proxy-config.yaml"
  | "kube-proxy.service"
  | "k8s-pki-certs-check.service"
  | "k8s-pki-certs-check.timer"
  | "k8s-pki-certs-renew.service"
  | "k8s-pki-certs-renew.timer";

export type FileSource =
  | { kind: "cert"; id: string }
  /**
   * A CA certificate alone, never a bundle: kube-controller-manager's
   * --cluster-signing-cert-file must hold exactly the certificate of its key,
   * while the CA's `cert` file becomes a bundle during a rotation.
   */
  | { kind: "signing-cert"; id: string }
  | { kind: "key"; id: string }
  | { kind: "public-key"; id: string }
  | { kind: "binary"; name: string }
  | { kind: "config"; template: Template };

export interface PlannedFile {
  path: string;
  mode: number;
  owner: string;
  source: FileSource;
  /** Holds a private key, token or encryption key. */
  secret: boolean;
}

export interface PlannedUnit {
  name: string;
  stage: Stage;
  /** The unit file itself, then what it reads. */
  inputs: string[];
}

export interface PlanNode {
  name: string;
  address: string;
  roles: Role[];
  files: PlannedFile[];
  units: PlannedUnit[];
}

/** Values computed from the inventory that several templates share. */
export interface Derived {
  /** First IP of the service CIDR: the `kubernetes` Service. */
  apiserverServiceIp: string;
  /** Second IP: the cluster DNS Service. */
  dnsServiceIp: string;
  /** What nodes that are not masters use: the LB name, else the VIP, else the first master. */
  clusterEndpoint: string;
  etcdEndpoints: string[];
  etcdInitialCluster: string;
  flannelEtcdPrefix: string;
  serviceAccountIssuer: string;
  /** The first etcd member writes the pod network config; the first master applies the cluster objects. */
  firstEtcd: string;
  firstMaster: string;
}

export interface Plan {
  inventory: Inventory;
  derived: Derived;
  certs: PlannedCert[];
  nodes: PlanNode[];
  paths: LayoutPaths;
}

/** Where things go, per layout. */
export interface LayoutPaths {
  bin: string;
  units: string;
  conf: string;
  cniBin: string;
  certPath(id: string): string;
  /** The CA certificate its key signs with (see FileSource "signing-cert"). */
  signingCertPath(id: string): string;
  keyPath(id: string): string;
  /** Kubeconfig file paths by name. */
  kubeconfig: Record<"admin" | "kube-controller-manager" | "kube-scheduler" | "kube-proxy" | "kubelet-bootstrap" | "kubelet" | "k8s-pki-approver", string>;
}

const HARDENED_CERT_FILES: Record<string, string> = {
  "kubernetes-ca": "ca",
  "etcd-ca": "etcd/ca",
  "front-proxy-ca": "front-proxy-ca",
  apiserver: "apiserver",
  "apiserver-etcd-client": "apiserver-etcd-client",
  "apiserver-kubelet-client": "apiserver-kubelet-client",
  "front-proxy-client": "front-proxy-client",
  "etcd-healthcheck-client": "etcd/healthcheck-client",
  flanneld: "flanneld",
  "k8s-pki-approver": "k8s-pki-approver",
};

/** Kubeconfigs live in /etc/kubernetes in both layouts; only the admin's name differs (classic: kubectl.kubeconfig). */
function kubeconfigPaths(adminName: string): LayoutPaths["kubeconfig"] {
  const names = ["kube-controller-manager", "kube-scheduler", "kube-proxy", "kubelet-bootstrap", "kubelet", "k8s-pki-approver"] as const;
  return {
    admin: `/etc/kubernetes/${adminName}.kubeconfig`,
    ...(Object.fromEntries(names.map((n) => [n, `/etc/kubernetes/${n}.kubeconfig`])) as Record<(typeof names)[number], string>),
  };
}

function hardenedPaths(): LayoutPaths {
  const pki = "/etc/kubernetes/pki";
  const base = (id: string): string => {
    if (id.startsWith("etcd-server-")) return `${pki}/etcd/server`;
    if (id.startsWith("etcd-peer-")) return `${pki}/etcd/peer`;
    if (id.startsWith("kubelet-")) return `${pki}/kubelet`;
    const f = HARDENED_CERT_FILES[id];
    if (f === undefined) throw new DeployError("render-failed", `no file name for certificate ${id}`, { field: id });
    return `${pki}/${f}`;
  };
  return {
    bin: "/usr/local/bin",
    units: "/etc/systemd/system",
    conf: "/etc/kubernetes",
    cniBin: "/opt/cni/bin",
    certPath: (id) => (id === "sa" ? `${pki}/sa.pub` : `${base(id)}.pem`),
    signingCertPath: (id) => `${base(id)}-signing.pem`,
    keyPath: (id) => (id === "sa" ? `${pki}/sa.key` : `${base(id)}-key.pem`),
    kubeconfig: kubeconfigPaths("admin"),
  };
}

// The classic (FMI) names: one CA at /etc/kubernetes/cert, etcd.pem at /etc/etcd/cert, flanneld.pem at /etc/flanneld/cert.
function classicPaths(): LayoutPaths {
  const cert = "/etc/kubernetes/cert";
  const base = (id: string): string => {
    if (id === "ca") return `${cert}/ca`;
    if (id === "etcd") return "/etc/etcd/cert/etcd";
    if (id === "flanneld") return "/etc/flanneld/cert/flanneld";
    if (id.startsWith("kubelet-")) return `${cert}/kubelet`;
    return `${cert}/${id}`;
  };
  return {
    bin: "/opt/k8s/bin",
    units: "/etc/systemd/system",
    conf: "/etc/kubernetes",
    cniBin: "/opt/cni/bin",
    certPath: (id) => `${base(id)}.pem`,
    signingCertPath: (id) => `${base(id)}-signing.pem`,
    keyPath: (id) => `${base(id)}-key.pem`,
    kubeconfig: kubeconfigPaths("kubectl"),
  };
}

export const layoutPaths = (inv: Inventory): LayoutPaths => (inv.pki.layout === "classic" ? classicPaths() : hardenedPaths());

/** IPs first (in the order given, deduplicated), then DNS names. */
function sanList(hosts: (string | undefined)[]): string[] {
  const seen = new Set<string>();
  const ips: string[] = [];
  const dns: string[] = [];
  for (const h of hosts) {
    if (h === undefined || seen.has(h)) continue;
    seen.add(h);
    (/^\d+\.\d+\.\d+\.\d+$/.test(h) ? ips : dns).push(h);
  }
  return [...ips, ...dns];
}

/** The API server's SANs: service IP, loopback, masters, VIP; then the in-cluster names, master names, localhost, the LB name, the extra SANs. */
export function apiserverSans(inv: Inventory): string[] {
  const masters = nodesWith(inv, "master");
  const d = inv.dnsDomain;
  return sanList([
    cidrHost(inv.serviceCidr, 1),
    "127.0.0.1",
    ...masters.map((m) => m.address),
    inv.apiserver.vip,
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    // FMI compatibility only, and only where it means something.
    ...(inv.pki.layout === "classic" && d === "cluster.local" ? ["kubernetes.default.svc.cluster"] : []),
    `kubernetes.default.svc.${d}`,
    "localhost",
    ...masters.map((m) => m.name),
    inv.apiserver.lbName,
    ...(inv.apiserver.extraSans ?? []),
  ]);
}

/** The CSR approver's user: no group, bound only to the approver's ClusterRole and its Lease (render/approver.ts). */
export const APPROVER_USER = "system:k8s-pki-approver";
const APPROVER_PURPOSE = "the CSR approver's client (k8s-pki-approver.kubeconfig on masters; RBAC grants it only CSR approval and its Lease)";

function certsFor(inv: Inventory): PlannedCert[] {
  const { ca: caLife, leaf } = inv.lifetimes;
  const etcd = nodesWith(inv, "etcd");
  const masters = nodesWith(inv, "master");
  const workers = nodesWith(inv, "worker");
  const mk = (id: string, ca: string | undefined, profile: CertProfile, cn: string, o: string[], sans: (string | undefined)[], purpose: string): PlannedCert => ({
    id,
    kind: profile === "ca" ? "ca" : "cert",
    cn,
    o,
    sans: sanList(sans),
    profile,
    usages: PROFILE_USAGES[profile],
    lifetime: profile === "ca" ? caLife : leaf,
    ...(ca === undefined ? {} : { ca }),
    purpose,
  });
  const kubelets = (ca: string, profile: CertProfile, o: string[]): PlannedCert[] =>
    inv.kubeletCerts === "presigned"
      ? workers.map((w) => mk(`kubelet-${w.name}`, ca, profile, `system:node:${w.name}`, o, [w.address, w.name], `kubelet client and serving certificate of ${w.name}`))
      : [];

  if (inv.pki.layout === "classic") {
    const k8s = ["k8s"];
    const loopAndMasters = ["127.0.0.1", ...masters.map((m) => m.address)];
    return [
      mk("ca", undefined, "ca", "kubernetes", k8s, [], "the one CA: signs everything, trusted by everything; its key also signs service-account tokens"),
      mk("etcd", "ca", "kubernetes", "etcd", k8s, ["127.0.0.1", ...etcd.map((n) => n.address)], "etcd server, peer and etcdctl client (shared by all members)"),
      mk("flanneld", "ca", "kubernetes", "flanneld", k8s, [], "flanneld's etcd client"),
      mk("kubernetes", "ca", "kubernetes", "kubernetes", k8s, apiserverSans(inv), "kube-apiserver serving, etcd client and kubelet client"),
      mk("kube-controller-manager", "ca", "kubernetes", "system:kube-controller-manager", ["system:kube-controller-manager"], loopAndMasters, "kube-controller-manager client and serving"),
      mk("kube-scheduler", "ca", "kubernetes", "system:kube-scheduler", ["system:kube-scheduler"], loopAndMasters, "kube-scheduler client and serving"),
      mk("proxy-client", "ca", "kubernetes", "aggregator", k8s, [], "kube-apiserver front proxy (aggregation) client"),
      mk("admin", "ca", "kubernetes", "admin", ["system:masters"], [], "cluster admin (kubectl.kubeconfig)"),
      mk("kube-proxy", "ca", "kubernetes", "system:kube-proxy", k8s, [], "kube-proxy client"),
      mk("k8s-pki-approver", "ca", "kubernetes", APPROVER_USER, [], [], APPROVER_PURPOSE),
      ...kubelets("ca", "kubernetes", ["system:nodes"]),
    ];
  }
  return [
    mk("kubernetes-ca", undefined, "ca", "kubernetes-ca", [], [], "cluster CA: API clients, kubelets; kube-controller-manager signs kubelet CSRs with it"),
    mk("etcd-ca", undefined, "ca", "etcd-ca", [], [], "etcd CA: members and etcd clients only"),
    mk("front-proxy-ca", undefined, "ca", "front-proxy-ca", [], [], "front-proxy CA: the aggregation layer's request-header client"),
    {
      id: "sa",
      kind: "keypair",
      cn: "",
      o: [],
      sans: [],
      profile: "none",
      usages: [],
      lifetime: "-",
      purpose: "service-account token signing key (kube-apiserver signs, kube-controller-manager signs, both verify)",
    },
    ...etcd.flatMap((n) => [
      mk(`etcd-server-${n.name}`, "etcd-ca", "peer", n.name, [], [n.address, "127.0.0.1", n.name, "localhost"], `etcd client-facing server certificate of ${n.name}`),
      mk(`etcd-peer-${n.name}`, "etcd-ca", "peer", n.name, [], [n.address, "127.0.0.1", n.name, "localhost"], `etcd peer certificate of ${n.name}`),
    ]),
    mk("etcd-healthcheck-client", "etcd-ca", "client", "kube-etcd-healthcheck-client", [], [], "etcdctl on etcd members (health checks, pod network config)"),
    mk("apiserver-etcd-client", "etcd-ca", "client", "kube-apiserver-etcd-client", [], [], "kube-apiserver's etcd client"),
    mk("flanneld", "etcd-ca", "client", "flanneld", [], [], "flanneld's etcd client"),
    mk("apiserver", "kubernetes-ca", "server", "kube-apiserver", [], apiserverSans(inv), "kube-apiserver serving"),
    mk("apiserver-kubelet-client", "kubernetes-ca", "client", "kube-apiserver-kubelet-client", [], [], "kube-apiserver -> kubelet client (bound to system:kubelet-api-admin by RBAC)"),
    mk("front-proxy-client", "front-proxy-ca", "client", "front-proxy-client", [], [], "kube-apiserver aggregation proxy client"),
    mk("kube-controller-manager", "kubernetes-ca", "client", "system:kube-controller-manager", [], [], "kube-controller-manager client (kubeconfig)"),
    mk("kube-scheduler", "kubernetes-ca", "client", "system:kube-scheduler", [], [], "kube-scheduler client (kubeconfig)"),
    mk("admin", "kubernetes-ca", "client", "admin", ["system:masters"], [], "cluster admin (admin.kubeconfig); the only system:masters"),
    mk("kube-proxy", "kubernetes-ca", "client", "system:kube-proxy", [], [], "kube-proxy client (bound by the built-in system:node-proxier)"),
    mk("k8s-pki-approver", "kubernetes-ca", "client", APPROVER_USER, [], [], APPROVER_PURPOSE),
    ...kubelets("kubernetes-ca", "peer", ["system:nodes"]),
  ];
}

const UNIT_STAGE: Record<string, Stage> = {
  "etcd.service": "etcd",
  "flannel-network-config.service": "network",
  "flanneld.service": "network",
  "kube-apiserver.service": "master",
  "kube-controller-manager.service": "master",
  "kube-scheduler.service": "master",
  "cluster-objects.service": "bootstrap",
  "k8s-pki-approver.service": "bootstrap",
  "containerd.service": "worker",
  "kubelet.service": "worker",
  "kube-proxy.service": "worker",
  // Timers last: what they run needs the cluster up.
  "k8s-pki-certs-check.timer": "worker",
  "k8s-pki-certs-renew.timer": "worker",
};

class NodeBuilder {
  private readonly files = new Map<string, PlannedFile>();
  readonly units: PlannedUnit[] = [];
  constructor(
    readonly node: InventoryNode,
    readonly paths: LayoutPaths,
  ) {}

  add(path: string, mode: number, source: FileSource, secret = false): string {
    const prev = this.files.get(path);
    if (prev && JSON.stringify(prev.source) !== JSON.stringify(source)) {
      throw new DeployError("render-failed", `${this.node.name}: ${path} planned twice with different contents`, { field: path });
    }
    this.files.set(path, { path, mode, owner: "root:root", source, secret });
    return path;
  }
  bin(name: string): string {
    const dir = name.startsWith("cni/") ? this.paths.cniBin : this.paths.bin;
    return this.add(posix.join(dir, posix.basename(name)), 0o755, { kind: "binary", name });
  }
  cert(id: string): string {
    return this.add(this.paths.certPath(id), 0o644, id === "sa" ? { kind: "public-key", id } : { kind: "cert", id });
  }
  signingCert(id: string): string {
    return this.add(this.paths.signingCertPath(id), 0o644, { kind: "signing-cert", id });
  }
  key(id: string): string {
    return this.add(this.paths.keyPath(id), 0o600, { kind: "key", id }, true);
  }
  pair(id: string): string[] {
    return [this.cert(id), this.key(id)];
  }
  config(path: string, template: Template, secret = false): string {
    return this.add(path, secret ? 0o600 : 0o644, { kind: "config", template }, secret);
  }
  unit(name: string, inputs: string[]): void {
    const unitPath = this.config(`${this.paths.units}/${name}`, name as Template);
    this.units.push({ name, stage: UNIT_STAGE[name]!, inputs: [unitPath, ...[...new Set(inputs)].filter((p) => p !== unitPath)] });
  }
  build(): PlanNode {
    const files = [...this.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { name: this.node.name, address: this.node.address, roles: [...this.node.roles], files, units: this.units };
  }
}

/** Builds the plan. Pure: same inventory, same plan. */
export function buildPlan(inv: Inventory): Plan {
  const paths = layoutPaths(inv);
  const classic = inv.pki.layout === "classic";
  const etcd = nodesWith(inv, "etcd");
  const masters = nodesWith(inv, "master");
  const firstMaster = masters[0]!;
  const port = inv.apiserver.port;
  const derived: Derived = {
    apiserverServiceIp: cidrHost(inv.serviceCidr, 1),
    dnsServiceIp: cidrHost(inv.serviceCidr, 2),
    clusterEndpoint: `https://${inv.apiserver.lbName ?? inv.apiserver.vip ?? firstMaster.address}:${port}`,
    etcdEndpoints: etcd.map((n) => `https://${n.address}:2379`),
    etcdInitialCluster: etcd.map((n) => `${n.name}=https://${n.address}:2380`).join(","),
    flannelEtcdPrefix: "/kubernetes/network",
    serviceAccountIssuer: `https://kubernetes.default.svc.${inv.dnsDomain}`,
    firstEtcd: etcd[0]!.name,
    firstMaster: firstMaster.name,
  };
  const certs = certsFor(inv);
  const mainCa = classic ? "ca" : "kubernetes-ca";
  const etcdCa = classic ? "ca" : "etcd-ca";
  const frontCa = classic ? "ca" : "front-proxy-ca";
  const etcdctlClient = classic ? "etcd" : "etcd-healthcheck-client";
  const etcdClientOfApiserver = classic ? "kubernetes" : "apiserver-etcd-client";
  const kubeletClientOfApiserver = classic ? "kubernetes" : "apiserver-kubelet-client";
  const apiserverCert = classic ? "kubernetes" : "apiserver";
  const proxyClient = classic ? "proxy-client" : "front-proxy-client";
  const saKey = classic ? mainCa : "sa";

  const nodes = inv.nodes.map((n) => {
    const b = new NodeBuilder(n, paths);
    const has = (r: Role): boolean => n.roles.includes(r);
    const kc = paths.kubeconfig;
    if (has("etcd")) {
      const inputs = [b.bin("etcd"), b.cert(etcdCa)];
      if (classic) inputs.push(...b.pair("etcd"));
      else inputs.push(...b.pair(`etcd-server-${n.name}`), ...b.pair(`etcd-peer-${n.name}`));
      b.unit("etcd.service", inputs);
      // etcdctl and its client certificate, for health checks on the member.
      b.bin("etcdctl");
      b.pair(etcdctlClient);
      if (n.name === derived.firstEtcd) {
        const conf = b.config("/etc/flannel/net-conf.json", "flannel-net-conf.json");
        b.unit("flannel-network-config.service", [conf, paths.bin + "/etcdctl", paths.certPath(etcdCa), ...b.pair(etcdctlClient)]);
      }
    }
    if (has("master") || has("worker")) {
      b.unit("flanneld.service", [b.bin("flanneld"), b.cert(etcdCa), ...b.pair("flanneld")]);
    }
    if (has("master")) {
      const shared = [b.cert(mainCa), b.cert(etcdCa), b.cert(frontCa)];
      const api = [
        b.bin("kube-apiserver"),
        ...shared,
        ...b.pair(apiserverCert),
        ...b.pair(etcdClientOfApiserver),
        ...b.pair(kubeletClientOfApiserver),
        ...b.pair(proxyClient),
        b.cert(saKey),
        b.key(saKey),
        b.config(`${paths.conf}/encryption-config.yaml`, "encryption-config.yaml", true),
      ];
      b.unit("kube-apiserver.service", api);
      const kcmInputs = [
        b.bin("kube-controller-manager"),
        b.cert(mainCa),
        b.signingCert(mainCa),
        b.key(mainCa),
        b.cert(frontCa),
        b.key(saKey),
        b.config(kc["kube-controller-manager"], "kube-controller-manager.kubeconfig", true),
      ];
      if (classic) kcmInputs.push(...b.pair("kube-controller-manager"));
      b.unit("kube-controller-manager.service", kcmInputs);
      const schedInputs = [
        b.bin("kube-scheduler"),
        b.config(kc["kube-scheduler"], "kube-scheduler.kubeconfig", true),
        b.config(`${paths.conf}/kube-scheduler.yaml`, "kube-scheduler.yaml"),
      ];
      if (classic) schedInputs.push(...b.pair("kube-scheduler"));
      b.unit("kube-scheduler.service", schedInputs);
      b.bin("kubectl");
      b.config(kc.admin, "admin.kubeconfig", true);
      if (n.name === derived.firstMaster) {
        const m = `${paths.conf}/manifests`;
        b.unit("cluster-objects.service", [
          paths.bin + "/kubectl",
          kc.admin,
          b.config(`${m}/csr-crb.yaml`, "csr-crb.yaml"),
          b.config(`${m}/approver.yaml`, "approver.yaml"),
          ...(inv.kubeletCerts === "bootstrap" ? [b.config(`${m}/bootstrap-tokens.yaml`, "bootstrap-tokens.yaml", true)] : []),
        ]);
      }
      // The CSR approver on every master; its Lease elects one leader.
      b.unit("k8s-pki-approver.service", [b.bin("k8s-pki"), b.config(kc["k8s-pki-approver"], "k8s-pki-approver.kubeconfig", true)]);
    }
    if (has("worker")) {
      const cni = ["bridge", "host-local", "loopback", "portmap", "flannel"].map((p) => b.bin(`cni/${p}`));
      const cniConf = b.config("/etc/cni/net.d/10-flannel.conflist", "10-flannel.conflist");
      b.unit("containerd.service", [
        b.bin("containerd"),
        b.bin("containerd-shim-runc-v2"),
        b.bin("runc"),
        b.config("/etc/containerd/config.toml", "containerd-config.toml"),
        ...cni,
        cniConf,
      ]);
      const kubelet = [b.bin("kubelet"), b.cert(mainCa), b.config("/var/lib/kubelet/config.yaml", "kubelet-config.yaml")];
      if (inv.kubeletCerts === "bootstrap") kubelet.push(b.config(kc["kubelet-bootstrap"], "kubelet-bootstrap.kubeconfig", true));
      else kubelet.push(...b.pair(`kubelet-${n.name}`), b.config(kc.kubelet, "kubelet.kubeconfig", true));
      b.unit("kubelet.service", kubelet);
      b.unit("kube-proxy.service", [
        b.bin("kube-proxy"),
        b.config(kc["kube-proxy"], "kube-proxy.kubeconfig", true),
        b.config("/var/lib/kube-proxy/config.yaml", "kube-proxy-config.yaml"),
      ]);
    }
    if (inv.renewal !== undefined) {
      // The timer is the unit apply enables and starts; its service only runs when the timer fires.
      const k8sPki = () => b.bin("k8s-pki");
      if (has("master")) b.unit("k8s-pki-certs-check.timer", [b.config(`${paths.units}/k8s-pki-certs-check.service`, "k8s-pki-certs-check.service"), k8sPki()]);
      if (inv.renewal.renew?.node === n.name) b.unit("k8s-pki-certs-renew.timer", [b.config(`${paths.units}/k8s-pki-certs-renew.service`, "k8s-pki-certs-renew.service"), k8sPki()]);
    }
    return b.build();
  });
  return { inventory: inv, derived, certs, nodes, paths };
}

/** The kubeconfig server a node's components use: masters talk to their own API server. */
export function apiserverUrlFor(plan: Plan, node: { roles: Role[]; address: string }): string {
  return node.roles.includes("master") ? `https://${node.address}:${plan.inventory.apiserver.port}` : plan.derived.clusterEndpoint;
}

/** Certificate ids by role in the layout, for templates. */
export function certIds(plan: Plan): {
  mainCa: string;
  etcdCa: string;
  frontCa: string;
  etcdctlClient: string;
  apiserver: string;
  apiserverEtcdClient: string;
  apiserverKubeletClient: string;
  proxyClient: string;
  saKey: string;
} {
  const classic = plan.inventory.pki.layout === "classic";
  return classic
    ? {
        mainCa: "ca",
        etcdCa: "ca",
        frontCa: "ca",
        etcdctlClient: "etcd",
        apiserver: "kubernetes",
        apiserverEtcdClient: "kubernetes",
        apiserverKubeletClient: "kubernetes",
        proxyClient: "proxy-client",
        saKey: "ca",
      }
    : {
        mainCa: "kubernetes-ca",
        etcdCa: "etcd-ca",
        frontCa: "front-proxy-ca",
        etcdctlClient: "etcd-healthcheck-client",
        apiserver: "apiserver",
        apiserverEtcdClient: "apiserver-etcd-client",
        apiserverKubeletClient: "apiserver-kubelet-client",
        proxyClient: "front-proxy-client",
        saKey: "sa",
      };
}

export const findCert = (plan: Plan, id: string): PlannedCert => {
  const c = plan.certs.find((x) => x.id === id);
  if (!c) throw new DeployError("render-failed", `no certificate ${id} in the plan`, { field: id });
  return c;
};
