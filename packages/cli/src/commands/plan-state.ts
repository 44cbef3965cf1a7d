// deploy plan --state: what the next apply would issue from a kept state
// folder, and why; reads the state, writes nothing.
import { diffState, formatStateDiff, loadKeptPki, type Plan } from "@k8s/deploy";
import { ExitError } from "../errors.js";
import type { CliIo } from "../io.js";

/** Prints the `## state` section; exit 1 (after printing) when apply would refuse the state (a lost CA). */
export async function printStateDiff(io: CliIo, plan: Plan, stateDir: string): Promise<void> {
  const diff = diffState(plan, await loadKeptPki(plan, stateDir), io.now());
  io.stdout("\n" + formatStateDiff(diff, stateDir));
  if (diff.errors.length > 0) {
    io.stderr(`apply would refuse this state: ${stateDir} lost ${diff.errors.map((e) => e.id).join(", ")}\n`);
    throw new ExitError(1);
  }
}
