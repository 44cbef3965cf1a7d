// The classic three-node cluster of the Ansible layout: 192.168.95.11-13, each
// etcd, master and worker; as a compact YAML, as a validated value, and as the
// annotated sample `k8s-pki deploy print-defaults inventory` prints.
import { COREDNS_DEFAULTS } from "./addons.js";
import { DEFAULT_VERSIONS, validateInventory, type Inventory } from "./inventory.js";

export const DEFAULT_INVENTORY_YAML = `# The classic three-node cluster: every node runs etcd, a master and a worker.
clusterName: kubernetes
nodes:
  - { name: node1, address: 192.168.95.11, roles: [etcd, master, worker] }
  - { name: node2, address: 192.168.95.12, roles: [etcd, master, worker] }
  - { name: node3, address: 192.168.95.13, roles: [etcd, master, worker] }
serviceCidr: 10.254.0.0/16
podCidr: 172.30.0.0/16
podSubnetLen: 21
dnsDomain: cluster.local
binDir: ./bin
lifetimes: { ca: 87600h, leaf: 8760h }
pki: { layout: hardened, keyAlgo: ecdsa }
`;

export function defaultInventory(): Inventory {
  return validateInventory({
    clusterName: "kubernetes",
    nodes: [
      { name: "node1", address: "192.168.95.11", roles: ["etcd", "master", "worker"] },
      { name: "node2", address: "192.168.95.12", roles: ["etcd", "master", "worker"] },
      { name: "node3", address: "192.168.95.13", roles: ["etcd", "master", "worker"] },
    ],
  });
}

const versionLines = Object.entries(DEFAULT_VERSIONS)
  .map(([k, v]) => `  ${k}: ${/^\d/.test(v) ? `"${v}"` : v}`)
  .join("\n");

/**
 * Every inventory field with its default value and what it does; parsed, it
 * is {@link defaultInventory} (the built-in cluster), so `deploy plan` accepts
 * it unchanged. The starting point for a real inventory, as
 * `kubeadm config print init-defaults` is for kubeadm.
 */
export const ANNOTATED_INVENTORY_YAML = `# k8s-pki deploy inventory: the one input of deploy plan, render, apply and verify
# (--inventory FILE). These are the built-in defaults: the classic three-node cluster
# where every node runs etcd, a master and a worker. Edit the nodes, keep the rest or
# change it; a field left out takes the value shown here.

# Cluster name: the kubeconfigs' cluster and context name (a DNS-1123 label).
clusterName: kubernetes

# The machines. name: a DNS-1123 name (it becomes the node name and system:node:<name>);
# address: IPv4 the others reach it at (in the etcd, API server and kubelet certificates);
# roles: any of etcd (an odd number of nodes in all), master (at least one), worker.
nodes:
  - name: node1
    address: 192.168.95.11
    roles: [etcd, master, worker]
  - name: node2
    address: 192.168.95.12
    roles: [etcd, master, worker]
  - name: node3
    address: 192.168.95.13
    roles: [etcd, master, worker]

# Service IPs: the first is the kubernetes Service (a SAN of the API server
# certificate), the second the cluster DNS. Must not overlap podCidr or the nodes.
serviceCidr: 10.254.0.0/16

# Pod network (flannel, vxlan), cut into one /podSubnetLen per node.
podCidr: 172.30.0.0/16
podSubnetLen: 21

# Cluster DNS domain (no trailing dot): kubernetes.default.svc.<dnsDomain> is a SAN.
dnsDomain: cluster.local

# How nodes reach the API servers. Without vip or lbName every node uses the first master.
apiserver:
  # vip: 192.168.95.100           # a virtual IP in front of the masters (keepalived, ...)
  # lbName: api.example.internal  # a load balancer's DNS name
  # extraSans: [203.0.113.10, k8s.example.com]   # more names in the API server certificate only
  port: 6443

# Node-local API load balancer (kube-lb): HAProxy on every worker, on loopback, in front of
# every master's API server with health checks; the kubelet and kube-proxy connect through it,
# so losing one master does not take the nodes down. kind: haproxy or none; left out, it is
# haproxy when there is more than one master and neither apiserver.vip nor apiserver.lbName
# is set (with either, your own load balancer is in front of the masters), none otherwise;
# haproxy below is that default for these three masters: delete the line to keep the rule.
# HAProxy is not copied from binDir: install it on the nodes (Debian: apt-get install haproxy).
loadBalancer:
  kind: haproxy
  port: 6444                      # loopback port on each node; the API servers keep apiserver.port
  binary: /usr/sbin/haproxy       # where HAProxy is on the nodes

# Component versions the units and the binary manifest are written for.
versions:
${versionLines}

# Local folder holding the binaries (etcd, kube-apiserver, kubelet, ...) to copy to the nodes.
binDir: ./bin

# Certificate lifetimes, as Go durations (at least 1h; a leaf never outlives its CA).
lifetimes:
  ca: 87600h
  leaf: 8760h

# PKI layout: hardened (a CA each for the cluster, etcd and the front proxy; a certificate
# per component and purpose) or classic (one CA and one all-purpose "kubernetes" profile,
# as the classic cfssl scripts do). Keys: ecdsa (256, 384, 521) or rsa (2048, 3072, 4096).
pki:
  layout: hardened
  keyAlgo: ecdsa
  keySize: 256

# How Secrets are encrypted in etcd: secretbox or aescbc.
encryptionProvider: secretbox

# Kubelet client certificates: bootstrap (TLS bootstrap with a token per worker; serving
# certificates approved by k8s-pki approver) or presigned (the deployer signs one per worker).
kubeletCerts: bootstrap

# kube-proxy mode: nftables or iptables.
kubeProxyMode: nftables

# Cluster add-ons, applied as objects by cluster-addons.service on the first master.
# coredns: the cluster DNS, a Service at the second IP of serviceCidr (the kubelets'
# clusterDNS) in front of a Deployment. upstream: where other names go, the nodes'
# /etc/resolv.conf or a list of resolvers (e.g. [192.0.2.53, "[2001:db8::53]:53"]); use
# resolvers when resolv.conf names a local stub (127.0.0.53), which CoreDNS's loop check refuses.
# enabled: false stops applying it (objects already in the cluster stay).
addons:
  coredns:
    enabled: ${COREDNS_DEFAULTS.enabled}
    image: ${COREDNS_DEFAULTS.image}
    replicas: ${COREDNS_DEFAULTS.replicas}
    upstream: ${String(COREDNS_DEFAULTS.upstream)}
# Host preparation (first stage, every node): k8s-pki-host-prep.service loads overlay and
# br_netfilter, sets IP forwarding and bridge netfilter (plus sysctls), and checks time sync.
# swap: off (swapoff -a, swap lines commented out of /etc/fstab) or tolerate (the kubelet
# accepts swap; pods get none). cgroupV1: true on cgroup v1 hosts (deprecated in Kubernetes).
# restrictOomScoreAdj: true where OOM scores cannot be lowered (nodes in containers).
# conntrack: kube-proxy's conntrack limits, where it cannot write them; 0 leaves the kernel's.
host:
  swap: "off"
  cgroupV1: false
  restrictOomScoreAdj: false
  # conntrack: { maxPerCore: 0, min: 0 }
  sysctls: {}
  # sysctls: { net.core.somaxconn: 4096 }

# Image archives (OCI layout or docker save) copied to every worker and imported into
# containerd before the kubelet starts (pause, CoreDNS, ...), for networks without a
# registry. Relative paths are relative to the working folder, as binDir's are.
images: []
# images: [images/pause-3.10.2.tar, images/coredns.tar]

# containerd's pulls: registry mirrors (one hosts.toml per registry; the mirrors are tried
# in order, then the registry) and a proxy (NO_PROXY also gets serviceCidr, podCidr and
# every node's address).
containerd:
  mirrors: {}
  # mirrors: { docker.io: [https://mirror.example.internal] }
  # httpProxy: http://proxy.example.internal:3128
  # httpsProxy: http://proxy.example.internal:3128
  noProxy: []
`;
