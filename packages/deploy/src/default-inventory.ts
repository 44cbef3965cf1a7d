// The classic three-node cluster of the Ansible layout: 192.168.95.11-13, each etcd, master and worker.
import { validateInventory, type Inventory } from "./inventory.js";

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
