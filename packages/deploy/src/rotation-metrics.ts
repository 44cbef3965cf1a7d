// The CA rotation step as node_exporter lines, for `certs check --inventory
// --textfile`: which CAs are between `rotate-ca start` and `finish`, so an
// alert can say a rotation was left half done (every node trusting two CAs).
import type { RotationState, RotationStep } from "./ca-rotation.js";
import type { Plan } from "./plan.js";

const STEPS: readonly ("none" | RotationStep)[] = ["none", "trust-both", "reissued"];

const esc = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

/**
 * `k8s_pki_ca_rotation_step{ca,step}`: for each CA of the plan, 1 on its current
 * step (`none`, `trust-both` after start, `reissued` after reissue) and 0 on the others,
 * so a query needs no knowledge of which steps exist.
 */
export function caRotationTextfile(plan: Plan, rotation: RotationState): string {
  const cas = plan.certs.filter((c) => c.kind === "ca").map((c) => c.id);
  const lines = [
    "# HELP k8s_pki_ca_rotation_step 1 on the CA rotation step each CA of the deploy state is at (none, trust-both, reissued), 0 on the others.",
    "# TYPE k8s_pki_ca_rotation_step gauge",
  ];
  for (const ca of cas) {
    const at = rotation.cas[ca] ?? "none";
    for (const step of STEPS) lines.push(`k8s_pki_ca_rotation_step{ca="${esc(ca)}",step="${step}"} ${step === at ? 1 : 0}`);
  }
  return lines.join("\n") + "\n";
}
