// The plan as a plain document for `deploy plan -o json|yaml`: a stable,
// documented shape (README, "deploy plan -o json") that scripts can read.
import type { Inventory } from "./inventory.js";
import { planNotes, type Derived, type FileSource, type Plan, type PlannedCert, type PlannedUnit } from "./plan.js";
import type { StateDiff } from "./state-diff.js";

export interface PlanDocumentFile {
  path: string;
  /** Octal, four digits ("0600"), as chmod takes it. */
  mode: string;
  owner: string;
  source: FileSource;
  /** Holds a private key, token or encryption key. */
  secret: boolean;
}

export interface PlanDocumentNode {
  name: string;
  address: string;
  roles: string[];
  files: PlanDocumentFile[];
  units: PlannedUnit[];
}

export interface PlanDocument {
  kind: "DeployPlan";
  /** The inventory with every default filled in. */
  inventory: Inventory;
  derived: Derived;
  /** What the inventory options in use mean (as `deploy plan` prints under "notes"); empty when none is used. */
  notes: string[];
  certificates: PlannedCert[];
  nodes: PlanDocumentNode[];
  /** With a state folder: what the next apply would issue, and what it would refuse. */
  state?: { dir: string } & StateDiff;
}

export function planDocument(plan: Plan, state?: { dir: string; diff: StateDiff }): PlanDocument {
  return {
    kind: "DeployPlan",
    inventory: plan.inventory,
    derived: plan.derived,
    notes: planNotes(plan),
    certificates: plan.certs,
    nodes: plan.nodes.map((n) => ({
      name: n.name,
      address: n.address,
      roles: [...n.roles],
      files: n.files.map((f) => ({ path: f.path, mode: f.mode.toString(8).padStart(4, "0"), owner: f.owner, source: f.source, secret: f.secret })),
      units: n.units,
    })),
    ...(state ? { state: { dir: state.dir, ...state.diff } } : {}),
  };
}
