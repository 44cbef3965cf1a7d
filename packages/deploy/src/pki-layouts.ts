// The two PKI layouts as values: where certificates, keys and kubeconfigs go,
// which certificate plays which part (the CAs, the API server's clients, the
// service-account key), and the role -> certificate table. The inventory's
// `pki.layout` selects one value once (pkiLayout); nothing else asks "classic?".
// classic: the FMI scripts' one CA and one all-purpose profile; hardened: a CA
// per trust domain and a certificate per purpose, kubeadm's file names.
import { DeployError } from "./errors.js";
import { cidrHost, nodesWith, type Inventory, type PkiLayout } from "./inventory.js";
import { APPROVER_USER } from "./components/well-known.js";

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

/** Certificate ids by the part they play, for templates, probes and checks. */
export interface CertIds {
  mainCa: string;
  etcdCa: string;
  frontCa: string;
  etcdctlClient: string;
  apiserver: string;
  apiserverEtcdClient: string;
  apiserverKubeletClient: string;
  proxyClient: string;
  saKey: string;
}

/** One PKI layout: its paths, its certificate ids per purpose and its certificate table. */
export interface PkiLayoutSpec {
  name: PkiLayout;
  paths: LayoutPaths;
  ids: CertIds;
  /** etcd's client-facing server and peer certificates of a member (classic: one shared `etcd`). */
  etcdServer(node: string): string;
  etcdPeer(node: string): string;
  /** Serving certificates of the controller-manager and scheduler; undefined: they serve a self-signed one. */
  controllerManagerServing?: string;
  schedulerServing?: string;
  /** FMI compatibility: the API server also carries `kubernetes.default.svc.cluster` (with dnsDomain cluster.local). */
  legacyClusterSan: boolean;
  /** Every certificate and key pair of the inventory, by role. */
  certs(inv: Inventory): PlannedCert[];
}

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

/** Kubeconfigs live in /etc/kubernetes in both layouts; only the admin's name differs (classic: kubectl.kubeconfig). */
function kubeconfigPaths(adminName: string): LayoutPaths["kubeconfig"] {
  const names = ["kube-controller-manager", "kube-scheduler", "kube-proxy", "kubelet-bootstrap", "kubelet", "k8s-pki-approver"] as const;
  return {
    admin: `/etc/kubernetes/${adminName}.kubeconfig`,
    ...(Object.fromEntries(names.map((n) => [n, `/etc/kubernetes/${n}.kubeconfig`])) as Record<(typeof names)[number], string>),
  };
}

const APPROVER_PURPOSE = "the CSR approver's client (k8s-pki-approver.kubeconfig on masters; RBAC grants it only CSR approval and its Lease)";

type CertMaker = (id: string, ca: string | undefined, profile: CertProfile, cn: string, o: string[], sans: (string | undefined)[], purpose: string) => PlannedCert;

function certMaker(inv: Inventory): CertMaker {
  const { ca: caLife, leaf } = inv.lifetimes;
  return (id, ca, profile, cn, o, sans, purpose) => ({
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
}

/** Pre-signed kubelet certificates, one per worker (none with TLS bootstrap). */
function kubeletCerts(inv: Inventory, mk: CertMaker, ca: string, profile: CertProfile): PlannedCert[] {
  return inv.kubeletCerts === "presigned"
    ? nodesWith(inv, "worker").map((w) => mk(`kubelet-${w.name}`, ca, profile, `system:node:${w.name}`, ["system:nodes"], [w.address, w.name], `kubelet client and serving certificate of ${w.name}`))
    : [];
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

/** One CA at /etc/kubernetes/cert, one all-purpose profile, the CA key signs service-account tokens. */
export const CLASSIC_LAYOUT: PkiLayoutSpec = {
  name: "classic",
  get paths() {
    return classicPaths();
  },
  ids: {
    mainCa: "ca",
    etcdCa: "ca",
    frontCa: "ca",
    etcdctlClient: "etcd",
    apiserver: "kubernetes",
    apiserverEtcdClient: "kubernetes",
    apiserverKubeletClient: "kubernetes",
    proxyClient: "proxy-client",
    saKey: "ca",
  },
  etcdServer: () => "etcd",
  etcdPeer: () => "etcd",
  controllerManagerServing: "kube-controller-manager",
  schedulerServing: "kube-scheduler",
  legacyClusterSan: true,
  certs(inv) {
    const mk = certMaker(inv);
    const k8s = ["k8s"];
    const masters = nodesWith(inv, "master");
    const loopAndMasters = ["127.0.0.1", ...masters.map((m) => m.address)];
    return [
      // CN kubernetes-ca as FMI master and kubeasz name it: FMI v1.12's CN "kubernetes" (told apart only by its OU, C, ST
      // and L, which this layout does not write) would make the API server's certificate, CN kubernetes, O k8s, look
      // self-issued, and OpenSSL clients (Node's TLS, so the approver) refuse it as "self-signed certificate".
      mk("ca", undefined, "ca", "kubernetes-ca", k8s, [], "the one CA: signs everything, trusted by everything; its key also signs service-account tokens"),
      mk("etcd", "ca", "kubernetes", "etcd", k8s, ["127.0.0.1", ...nodesWith(inv, "etcd").map((n) => n.address)], "etcd server, peer and etcdctl client (shared by all members)"),
      mk("flanneld", "ca", "kubernetes", "flanneld", k8s, [], "flanneld's etcd client"),
      mk("kubernetes", "ca", "kubernetes", "kubernetes", k8s, apiserverSans(inv), "kube-apiserver serving, etcd client and kubelet client"),
      mk("kube-controller-manager", "ca", "kubernetes", "system:kube-controller-manager", ["system:kube-controller-manager"], loopAndMasters, "kube-controller-manager client and serving"),
      mk("kube-scheduler", "ca", "kubernetes", "system:kube-scheduler", ["system:kube-scheduler"], loopAndMasters, "kube-scheduler client and serving"),
      mk("proxy-client", "ca", "kubernetes", "aggregator", k8s, [], "kube-apiserver front proxy (aggregation) client"),
      mk("admin", "ca", "kubernetes", "admin", ["system:masters"], [], "cluster admin (kubectl.kubeconfig)"),
      mk("kube-proxy", "ca", "kubernetes", "system:kube-proxy", k8s, [], "kube-proxy client"),
      mk("k8s-pki-approver", "ca", "kubernetes", APPROVER_USER, [], [], APPROVER_PURPOSE),
      ...kubeletCerts(inv, mk, "ca", "kubernetes"),
    ];
  },
};

/** Three CAs (cluster, etcd, front proxy), a certificate per purpose, a dedicated service-account key pair. */
export const HARDENED_LAYOUT: PkiLayoutSpec = {
  name: "hardened",
  get paths() {
    return hardenedPaths();
  },
  ids: {
    mainCa: "kubernetes-ca",
    etcdCa: "etcd-ca",
    frontCa: "front-proxy-ca",
    etcdctlClient: "etcd-healthcheck-client",
    apiserver: "apiserver",
    apiserverEtcdClient: "apiserver-etcd-client",
    apiserverKubeletClient: "apiserver-kubelet-client",
    proxyClient: "front-proxy-client",
    saKey: "sa",
  },
  etcdServer: (node) => `etcd-server-${node}`,
  etcdPeer: (node) => `etcd-peer-${node}`,
  legacyClusterSan: false,
  certs(inv) {
    const mk = certMaker(inv);
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
      ...nodesWith(inv, "etcd").flatMap((n) => [
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
      ...kubeletCerts(inv, mk, "kubernetes-ca", "peer"),
    ];
  },
};

export const PKI_LAYOUTS: Readonly<Record<PkiLayout, PkiLayoutSpec>> = { classic: CLASSIC_LAYOUT, hardened: HARDENED_LAYOUT };

/** The inventory's layout. */
export const pkiLayout = (inv: Inventory): PkiLayoutSpec => PKI_LAYOUTS[inv.pki.layout];

/** Where things go in the inventory's layout. */
export const layoutPaths = (inv: Inventory): LayoutPaths => pkiLayout(inv).paths;

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
    ...(pkiLayout(inv).legacyClusterSan && d === "cluster.local" ? ["kubernetes.default.svc.cluster"] : []),
    `kubernetes.default.svc.${d}`,
    "localhost",
    ...masters.map((m) => m.name),
    inv.apiserver.lbName,
    ...(inv.apiserver.extraSans ?? []),
  ]);
}
