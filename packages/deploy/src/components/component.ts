// A deploy component (etcd, kube-apiserver, the kubelet, ...) as one value: its
// stage, the roles it runs on, the files and units it puts on a node, the
// templates that render them, how a restarted unit shows it serves, and what
// `deploy verify` checks. plan.ts, render.ts, unit-readiness.ts and verify.ts
// loop over the list in components/index.ts; adding a component is one file
// there plus one line in the list.
import type { Inventory, InventoryNode, Role } from "../inventory.js";
import type { PkiLayoutSpec, LayoutPaths } from "../pki-layouts.js";
import type { Derived, Plan, PlanNode, Template } from "../plan-model.js";
import type { HostBinary, Stage } from "../rendered.js";
import type { RenderContext } from "../render/context.js";
import type { Probe, ProbeContext } from "./readiness-probe.js";
import type { VerifyContext } from "./verify-context.js";

/** What a component's plan step sees of a node, and how it declares files and units there. */
export interface NodePlanner {
  readonly node: InventoryNode;
  readonly inv: Inventory;
  readonly layout: PkiLayoutSpec;
  readonly paths: LayoutPaths;
  readonly derived: Derived;
  has(role: Role): boolean;
  /** A binary from the local binaries folder (`cni/<name>` goes to the CNI folder); returns its node path. */
  bin(name: string): string;
  /** A certificate (for the `sa` key pair, its public key). */
  cert(id: string): string;
  /** A CA certificate alone, never a rotation bundle. */
  signingCert(id: string): string;
  key(id: string): string;
  /** Certificate and key. */
  pair(id: string): string[];
  /** A rendered file; `secret`: mode 0600. */
  config(path: string, template: Template, secret?: boolean): string;
  /** A rendered executable (mode 0755), e.g. a script a unit runs. */
  script(path: string, template: Template): string;
  /** A file copied as it is from this machine (mode 0644), e.g. an image archive; `localPath` as the inventory gives it. */
  copy(path: string, localPath: string): string;
  /** A unit of this component: its file is rendered from the template of its name; `inputs` are what it reads. */
  unit(name: string, inputs: string[]): void;
}

/** `deploy verify`'s checks of a component; see verify.ts for the order they run in. */
export interface ComponentChecks {
  /** Once per node that has one of the component's roles, with the other components of its stage on that node. */
  node?: (v: VerifyContext, node: InventoryNode) => Promise<void>;
  /** Once, after its stage's node checks. */
  cluster?: (v: VerifyContext) => Promise<void>;
  /** Once, through a ready API server, after every stage. */
  api?: (v: VerifyContext) => Promise<void>;
}

export interface Component {
  /** e.g. `etcd`, `kube-apiserver`. */
  name: string;
  /** Every unit of the component starts in this stage. */
  stage: Stage;
  /** Nodes with any of these roles get the component (its plan step may narrow it further, e.g. to the first master). */
  roles: readonly Role[];
  /** Declares the component's files and units on a node. Pure. */
  plan(b: NodePlanner): void;
  /** How each file it declares with config(), script() or unit() is rendered; `path` is the file's (one template may render several). */
  templates: Partial<Record<Template, (c: RenderContext, path: string) => string>>;
  /** Per unit: the probe that says a restarted unit serves again; units without one are ready once running. */
  readiness?: Readonly<Record<string, (p: ProbeContext, node: { address: string }) => Probe>>;
  verify?: ComponentChecks;
  /** What `deploy plan` says about the inventory options this component reads, when they are used. */
  notes?(inv: Inventory): string[];
  /** Local mode (RenderOptions.local) leaves its units out: they need a container runtime, nftables, root or systemd. */
  skippedInLocalMode?: boolean;
  /** Paths its units name that the plan does not ship: data folders, sockets, files it writes itself, files the operator provides. */
  runtimePaths?(plan: Plan, node: PlanNode): string[];
  /** Files it ships that no unit names: tools for operators, binaries found through PATH. */
  unnamedFiles?(plan: Plan, node: PlanNode): string[];
  /** Programs its units run that the operator installs on the node (not shipped from binDir); list them in runtimePaths too. */
  hostBinaries?(plan: Plan, node: PlanNode): HostBinary[];
}
