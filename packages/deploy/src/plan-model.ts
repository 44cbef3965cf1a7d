// The plan's shape: what buildPlan (plan.ts) produces and render, apply,
// verify and the components read. Kept apart from buildPlan so that the
// components, which buildPlan loops over, can use it without an import loop.
import { DeployError } from "./errors.js";
import type { Inventory, Role } from "./inventory.js";
import type { LayoutPaths, PlannedCert } from "./pki-layouts.js";
import type { Stage } from "./rendered.js";

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
  | "coredns.yaml"
  | "cluster-addons.service"
  | "k8s-pki-approver.kubeconfig"
  | "k8s-pki-approver.service"
  | "kubelet-config.yaml"
  | "kubelet-bootstrap.kubeconfig"
  | "kubelet.kubeconfig"
  | "kubelet.service"
  | "kube-proxy.kubeconfig"
  | "kube-proxy-config.yaml"
  | "kube-proxy.service"
  | "kube-lb-haproxy.cfg"
  | "kube-lb.service"
  | "k8s-pki-certs-check.service"
  | "k8s-pki-certs-check.timer"
  | "k8s-pki-certs-renew.service"
  | "k8s-pki-certs-renew.timer"
  | "k8s-pki-host-prep"
  | "k8s-pki-host-prep.service"
  | "k8s-pki-modules.conf"
  | "k8s-pki-sysctl.conf"
  | "k8s-pki-images.service"
  | "containerd-hosts.toml";

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
  /** Copied as it is from this machine: an image archive (inventory `images`), relative to the working folder like binDir. */
  | { kind: "local-file"; localPath: string }
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
  /** What nodes that are not masters use where kube-lb does not run: the LB name, else the VIP, else the first master. */
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

/** The kubeconfig server a node's components use: masters talk to their own API server. */
export function apiserverUrlFor(plan: Plan, node: { roles: Role[]; address: string }): string {
  return node.roles.includes("master") ? `https://${node.address}:${plan.inventory.apiserver.port}` : plan.derived.clusterEndpoint;
}

/** Whether kube-lb runs on the node: every worker, when loadBalancer.kind is haproxy. */
export function runsKubeLb(plan: Plan, node: { roles: Role[] }): boolean {
  return plan.inventory.loadBalancer.kind === "haproxy" && node.roles.includes("worker");
}

/**
 * The kubeconfig server of a node's own agents (the kubelet, its bootstrap,
 * kube-proxy): kube-lb on loopback where it runs, masters included, so losing
 * any one API server (the node's own too) does not cut them off; elsewhere
 * {@link apiserverUrlFor}. Control-plane clients keep apiserverUrlFor.
 */
export function nodeApiserverUrl(plan: Plan, node: { roles: Role[]; address: string }): string {
  return runsKubeLb(plan, node) ? `https://127.0.0.1:${plan.inventory.loadBalancer.port}` : apiserverUrlFor(plan, node);
}

export const findCert = (plan: Plan, id: string): PlannedCert => {
  const c = plan.certs.find((x) => x.id === id);
  if (!c) throw new DeployError("render-failed", `no certificate ${id} in the plan`, { field: id });
  return c;
};
