// checkClusterFiles: the certificate files on a deployed cluster's nodes,
// read over the nodes' transports and compared with what the deploy state
// renders (`certs check --inventory`). Each planned file is current, STALE
// (its bytes differ from the state's), MISSING, absent (optional) or
// unchecked (no state to compare with); each certificate found gets an
// expiry row. It prints nothing: warnings go to `onWarning` as they arise,
// the report is returned.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { prometheusTextfile } from "@k8s/pki";
import { readRotation } from "../ca-rotation.js";
import { DeployError } from "../errors.js";
import { checkNodeCertFiles, nodeCertFiles, nodeCertReport, nodeFileStateTextfile, readNodeFiles, renderedContents, type NodeCertCheck, type NodeCertRow } from "../node-certs.js";
import type { Plan } from "../plan.js";
import { renderCluster } from "../render.js";
import { caRotationTextfile } from "../rotation-metrics.js";
import { loadState } from "../state.js";
import { nodeTransports, type NodeAccess, type NodeTransportsOptions, type TransportFor } from "./node-transports.js";

export interface CheckClusterFilesOptions extends NodeTransportsOptions {
  /** The cluster (in local mode, built from `localInventory(inventory)`). */
  plan: Plan;
  /** The deploy state folder (absolute). */
  stateDir: string;
  /**
   * The state folder was named by the user: it must render. Otherwise a
   * folder without `pki/` only means nothing is compared (a warning), and
   * files are reported `unchecked` instead of current or STALE.
   */
  stateRequired?: boolean;
  /** How the nodes are reached. */
  nodes: NodeAccess;
  /** Expiry threshold in milliseconds: rows expiring within it are flagged. */
  warnMs: number;
  /** Clock of the expiry rows; read once, after the nodes are read. */
  now?: () => Date;
  /** Also read the CA rotation step for {@link clusterFilesTextfile} (only known with a state). */
  rotationMetrics?: boolean;
  /** Replaces the transports `nodes` picks (tests: fakes). */
  transportFor?: TransportFor;
  /**
   * A problem that does not stop the check, in the order met: no state to
   * compare with, a node that could not be read, a file that does not parse.
   */
  onWarning?(message: string): void;
}

export interface CheckClusterFilesResult {
  stateDir: string;
  /** Whether node files were compared with the state (false: no state folder, STALE not checked). */
  stateChecked: boolean;
  /** Every planned file of the nodes read, with its state and certificates. */
  checks: NodeCertCheck[];
  /** One row per certificate found, soonest expiry first. */
  rows: NodeCertRow[];
  /** The planned files not on their nodes. */
  missing: NodeCertCheck[];
  /** Nodes that could not be read (their files are in none of the lists above). */
  failures: { node: string; error: string }[];
  /** The stale files. */
  stale: NodeCertCheck[];
  /** The clock reading the rows were made with. */
  now: Date;
  /** node_exporter lines of the CA rotation step; "" unless `rotationMetrics` and a state. */
  rotationTextfile: string;
}

/**
 * Reads and checks every certificate file the plan puts on each node (and
 * the kubelet's own). A state that is there but does not render throws
 * DeployError("render-failed", field "stateDir"); bad SSH settings throw as
 * {@link nodeTransports} does. Unreadable nodes are not errors here: they
 * are in `failures`.
 */
export async function checkClusterFiles(o: CheckClusterFilesOptions): Promise<CheckClusterFilesResult> {
  const { plan, stateDir } = o;
  const local = "local" in o.nodes ? o.nodes.local : undefined;
  let expected: Map<string, Buffer> | undefined;
  const stateThere = await stat(join(stateDir, "pki")).then(
    () => true,
    () => false,
  );
  if (o.stateRequired !== true && !stateThere) {
    o.onWarning?.(`no deploy state in ${stateDir}: STALE not checked (--state DIR)`);
  } else {
    try {
      const { pki, secrets } = await loadState(plan, stateDir);
      expected = renderedContents(renderCluster(plan, { pki, secrets, ...(local ? { local: { root: local } } : {}) }));
    } catch (e) {
      throw new DeployError(
        "render-failed",
        `cannot render the nodes' files from the state in ${stateDir}: ${(e as Error).message} (k8s-pki deploy plan --state shows what the next apply would issue)`,
        { cause: e, field: "stateDir" },
      );
    }
  }
  const files = nodeCertFiles(plan);
  const transportFor = o.transportFor ?? (await nodeTransports(o.nodes, o));
  const { read, failures } = await readNodeFiles(files, plan.nodes, transportFor);
  for (const f of failures) o.onWarning?.(f.error);
  const checks = checkNodeCertFiles(files, read, expected);
  for (const c of checks) if (c.error !== undefined) o.onWarning?.(`${c.name}: ${c.error}`);
  const now = (o.now ?? (() => new Date()))();
  const { rows, missing } = nodeCertReport(checks, now, o.warnMs);
  // The rotation step is only known with a deploy state.
  const rotationTextfile = expected && o.rotationMetrics === true ? caRotationTextfile(plan, await readRotation(stateDir)) : "";
  const stale = checks.filter((c) => c.state === "stale");
  return { stateDir, stateChecked: expected !== undefined, checks, rows, missing, failures, stale, now, rotationTextfile };
}

/** The node_exporter textfile of a check: expiry, stale and missing files, and the CA rotation step when read. */
export function clusterFilesTextfile(r: Pick<CheckClusterFilesResult, "rows" | "checks" | "now" | "rotationTextfile">): string {
  return prometheusTextfile(r.rows, r.now) + nodeFileStateTextfile(r.checks) + r.rotationTextfile;
}
