// Before `rotate-ca finish` drops the old CAs: what on the nodes is still
// signed only by them. Reads every node's certificate files (as
// `certs check --inventory` does) and lists the leaves a retiring CA signed;
// the caller decides whether that refuses the step.
import { leavesOfRetiringCas, retiringCas } from "../ca-rotation.js";
import { certificatesInNodeFile, nodeCertFiles, nodeFileName, readNodeFiles } from "../node-certs.js";
import type { Plan } from "../plan.js";
import { nodeTransports, type NodeAccess, type NodeTransportsOptions, type TransportFor } from "./node-transports.js";

export interface CaRetirementOptions extends NodeTransportsOptions {
  plan: Plan;
  /** The deploy state folder (absolute). */
  stateDir: string;
  /** How the nodes are reached. */
  nodes: NodeAccess;
  /** Replaces the transports `nodes` picks (tests: fakes). */
  transportFor?: TransportFor;
}

export interface CaRetirementCheck {
  /** The CAs `rotate-ca finish` would retire (step "reissued"); empty: nothing was read. */
  retiring: string[];
  /** Nodes that could not be read: nothing can be said about them. */
  failures: { node: string; error: string }[];
  /** Node certificates (node:path, `#n` for a bundle's n-th) still signed by a retiring CA. */
  leftovers: string[];
}

/** Which node certificates still hang on the CAs a finished rotation retires. */
export async function checkCaRetirement(o: CaRetirementOptions): Promise<CaRetirementCheck> {
  const retiring = await retiringCas(o.stateDir);
  if (retiring.size === 0) return { retiring: [], failures: [], leftovers: [] };
  const files = nodeCertFiles(o.plan);
  const { read, failures } = await readNodeFiles(files, o.plan.nodes, o.transportFor ?? (await nodeTransports(o.nodes, o)));
  if (failures.length > 0) return { retiring: [...retiring.keys()], failures, leftovers: [] };
  const certs = files.flatMap((f) => {
    const bytes = read.get(nodeFileName(f));
    if (bytes === undefined) return [];
    try {
      return certificatesInNodeFile(f, bytes).map((c) => ({ name: c.name, der: c.certificate.raw }));
    } catch {
      return []; // certs check reports unreadable files; they hold nothing to keep working
    }
  });
  return { retiring: [...retiring.keys()], failures, leftovers: leavesOfRetiringCas(certs, [...retiring.values()]) };
}
