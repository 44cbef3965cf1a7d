// Plan: a pure, deterministic function of the inventory. Every certificate
// (subject, SANs, profile, lifetime, signing CA: the PKI layout's table), every
// file per node with its mode and source, every unit with its inputs and stage
// (each component's plan step, components/). Render fills in the bytes;
// nothing here touches the clock, randomness or the file system.
import { posix } from "node:path";
import { COMPONENTS } from "./components/index.js";
import type { Component, NodePlanner } from "./components/component.js";
import { etcdClientUrl, etcdPeerUrl } from "./components/etcd.js";
import { DeployError } from "./errors.js";
import { cidrHost, nodesWith, type Inventory, type InventoryNode, type Role } from "./inventory.js";
import { pkiLayout, type CertIds, type LayoutPaths, type PkiLayoutSpec } from "./pki-layouts.js";
import type { Derived, FileSource, Plan, PlanNode, PlannedFile, PlannedUnit, Template } from "./plan-model.js";

export {
  apiserverSans,
  layoutPaths,
  PROFILE_USAGES,
  type CertIds,
  type CertProfile,
  type LayoutPaths,
  type PkiLayoutSpec,
  type PlannedCert,
} from "./pki-layouts.js";
export { APPROVER_USER } from "./components/well-known.js";
export { apiserverUrlFor, findCert, nodeApiserverUrl, runsKubeLb, type Derived, type FileSource, type Plan, type PlanNode, type PlannedFile, type PlannedUnit, type Template } from "./plan-model.js";

/** One node's files and units, as the components declare them. */
class NodeBuilder implements NodePlanner {
  private readonly files = new Map<string, PlannedFile>();
  private readonly units: PlannedUnit[] = [];
  private component: Component | undefined;
  readonly paths: LayoutPaths;
  constructor(
    readonly node: InventoryNode,
    readonly inv: Inventory,
    readonly layout: PkiLayoutSpec,
    readonly derived: Derived,
  ) {
    this.paths = layout.paths;
  }

  has(role: Role): boolean {
    return this.node.roles.includes(role);
  }
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
  script(path: string, template: Template): string {
    return this.add(path, 0o755, { kind: "config", template });
  }
  copy(path: string, localPath: string): string {
    return this.add(path, 0o644, { kind: "local-file", localPath });
  }
  unit(name: string, inputs: string[]): void {
    const c = this.component;
    if (c === undefined || c.templates[name as Template] === undefined) {
      throw new DeployError("render-failed", `${this.node.name}: unit ${name} has no template in component ${c?.name ?? "?"}`, { field: name });
    }
    const unitPath = this.config(`${this.paths.units}/${name}`, name as Template);
    this.units.push({ name, stage: c.stage, inputs: [unitPath, ...[...new Set(inputs)].filter((p) => p !== unitPath)] });
  }
  /** Runs a component's plan step when the node has one of its roles. */
  plan(c: Component): void {
    if (!c.roles.some((r) => this.has(r))) return;
    this.component = c;
    try {
      c.plan(this);
    } finally {
      this.component = undefined;
    }
  }
  build(): PlanNode {
    const files = [...this.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { name: this.node.name, address: this.node.address, roles: [...this.node.roles], files, units: this.units };
  }
}

/** Values several components share, computed once from the inventory. */
function deriveValues(inv: Inventory): Derived {
  const etcd = nodesWith(inv, "etcd");
  const firstMaster = nodesWith(inv, "master")[0]!;
  return {
    apiserverServiceIp: cidrHost(inv.serviceCidr, 1),
    dnsServiceIp: cidrHost(inv.serviceCidr, 2),
    clusterEndpoint: `https://${inv.apiserver.lbName ?? inv.apiserver.vip ?? firstMaster.address}:${inv.apiserver.port}`,
    etcdEndpoints: etcd.map((n) => etcdClientUrl(n.address)),
    etcdInitialCluster: etcd.map((n) => `${n.name}=${etcdPeerUrl(n.address)}`).join(","),
    flannelEtcdPrefix: "/kubernetes/network",
    serviceAccountIssuer: `https://kubernetes.default.svc.${inv.dnsDomain}`,
    firstEtcd: etcd[0]!.name,
    firstMaster: firstMaster.name,
  };
}

/** Builds the plan. Pure: same inventory, same plan. */
export function buildPlan(inv: Inventory): Plan {
  const layout = pkiLayout(inv);
  const paths = layout.paths;
  const derived = deriveValues(inv);
  const certs = layout.certs(inv);
  const nodes = inv.nodes.map((n) => {
    const b = new NodeBuilder(n, inv, layout, derived);
    for (const c of COMPONENTS) b.plan(c);
    return b.build();
  });
  return { inventory: inv, derived, certs, nodes, paths };
}

/** What the plan should tell its reader about the inventory options in use, component by component. */
export function planNotes(plan: Plan): string[] {
  return COMPONENTS.flatMap((c) => c.notes?.(plan.inventory) ?? []);
}

/** Certificate ids by role in the layout, for templates. */
export function certIds(plan: Plan): CertIds {
  return { ...pkiLayout(plan.inventory).ids };
}
