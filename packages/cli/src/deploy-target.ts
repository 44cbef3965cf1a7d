// Which cluster a deploy-side command works on, from the flags they share:
// --inventory (default: the built-in cluster), --local DIR (the same nodes at
// loopback addresses) and --state (default: DIR/state in local mode, else
// ./deploy-state).
import { join } from "node:path";
import { buildPlan, defaultInventory, loadInventory, localInventory, type Inventory, type Plan } from "@k8s/deploy";
import { resolvePath, type CliIo } from "./io.js";

export interface TargetFlags {
  inventory?: string;
  local?: string;
  state?: string;
}

export interface DeployTarget {
  plan: Plan;
  /** The --local folder, resolved; undefined outside local mode. */
  local: string | undefined;
  stateDir: string;
}

export async function inventoryFrom(io: CliIo, file: string | undefined): Promise<Inventory> {
  return file === undefined ? defaultInventory() : loadInventory(resolvePath(io, file));
}

export async function deployTarget(io: CliIo, o: TargetFlags): Promise<DeployTarget> {
  const base = await inventoryFrom(io, o.inventory);
  const local = o.local === undefined ? undefined : resolvePath(io, o.local);
  const plan = buildPlan(local ? localInventory(base) : base);
  const stateDir = o.state !== undefined ? resolvePath(io, o.state) : local !== undefined ? join(local, "state") : resolvePath(io, "deploy-state");
  return { plan, local, stateDir };
}
