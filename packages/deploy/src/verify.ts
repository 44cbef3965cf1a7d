// deploy verify: what a deployed cluster must show, each check ok or failed
// with a reason. The components own their checks (components/): etcd through
// its v3 HTTP gateway with the etcdctl client certificate, the pod network in
// etcd, the API servers, controller-manager and scheduler over HTTPS, the
// leader Leases of the controller-manager, the scheduler and the CSR
// approver, the CSRs and the nodes. This file runs them in order.
import { COMPONENTS } from "./components/index.js";
import { makeVerifyContext, type VerifyCheck, type VerifyOptions } from "./components/verify-context.js";
import { STAGES } from "./rendered.js";

export type { VerifyCheck, VerifyOptions } from "./components/verify-context.js";

/**
 * Runs every check; never throws. Stage by stage: for each node, the node
 * checks of the stage's components it runs, then their cluster checks; last
 * every component's checks through the API, in list order.
 */
export async function verifyCluster(opts: VerifyOptions): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  const v = makeVerifyContext(opts, checks);
  for (const stage of STAGES) {
    const here = COMPONENTS.filter((c) => c.stage === stage && c.verify !== undefined);
    for (const node of v.inv.nodes) {
      for (const c of here) if (c.verify?.node !== undefined && c.roles.some((r) => node.roles.includes(r))) await c.verify.node(v, node);
    }
    for (const c of here) if (c.verify?.cluster !== undefined) await c.verify.cluster(v);
  }
  for (const c of COMPONENTS) if (c.verify?.api !== undefined) await c.verify.api(v);
  return checks;
}

/** One line per check, then a summary. */
export function formatVerify(checks: readonly VerifyCheck[]): string {
  const lines = checks.map((c) => `${c.ok ? "ok    " : "FAILED"} ${c.name}: ${c.detail}`);
  const failed = checks.filter((c) => !c.ok).length;
  lines.push(failed === 0 ? `all ${checks.length} checks passed` : `${failed} of ${checks.length} checks failed`);
  return lines.join("\n") + "\n";
}
