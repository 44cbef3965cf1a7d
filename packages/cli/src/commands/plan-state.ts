// deploy plan --state: what the next apply would issue from a kept state
// folder, and why; reads the state, writes nothing.
import { diffState, formatStateDiff, loadKeptPki, planDocument, StateStore, type Plan } from "@k8s/deploy";
import { ExitError } from "../errors.js";
import type { CliIo } from "../io.js";
import { printStructured } from "../output-format.js";

/** Prints the `## state` section; exit 1 (after printing) when apply would refuse the state (a lost CA). */
export async function printStateDiff(io: CliIo, plan: Plan, stateDir: string): Promise<void> {
  const diff = diffState(plan, await loadKeptPki(plan, stateDir), io.now(), await new StateStore(stateDir).readSecrets());
  io.stdout("\n" + formatStateDiff(diff, stateDir));
  if (diff.errors.length > 0) {
    io.stderr(`apply would refuse this state: ${stateDir} lost ${diff.errors.map((e) => e.id).join(", ")}\n`);
    throw new ExitError(1);
  }
}

/** deploy plan -o json|yaml: the plan document, with the state section when a state is given; exit 1 (after printing) as above. */
export async function printPlanDocument(io: CliIo, plan: Plan, stateDir: string | undefined, format: "json" | "yaml"): Promise<void> {
  const diff = stateDir === undefined ? undefined : diffState(plan, await loadKeptPki(plan, stateDir), io.now(), await new StateStore(stateDir).readSecrets());
  await printStructured(io, format, planDocument(plan, diff && stateDir !== undefined ? { dir: stateDir, diff } : undefined));
  if (diff && diff.errors.length > 0) {
    io.stderr(`apply would refuse this state: ${stateDir} lost ${diff.errors.map((e) => e.id).join(", ")}\n`);
    throw new ExitError(1);
  }
}
