// applyCluster: the whole of `deploy apply` as one call, for the CLI and any
// other front end (an operator, a CI job). It keeps or makes the state (PKI
// and secrets), renders every node, picks how nodes are reached and how
// units run (local processes or systemd over SSH), and applies stage by
// stage. It prints nothing: progress goes to `onEvent`, the outcome is
// returned.
import { isAbsolute, resolve } from "node:path";
import { applyNodes, type ApplyEvent, type ApplyResult } from "../apply.js";
import type { Plan } from "../plan.js";
import { ProcessServiceManager, spawnLauncher } from "../process-service-manager.js";
import { renderCluster } from "../render.js";
import { SystemdServiceManager, type ServiceManager } from "../service-manager.js";
import { loadOrCreateState } from "../state.js";
import { readinessWaiter } from "../unit-readiness.js";
import { localBinaryFinder } from "./binaries.js";
import { nodeTransports, type SshSettings, type TransportFor } from "./node-transports.js";

/** Local mode: node N is `<root>/N` on this machine and its units run as processes. */
export interface LocalNodes {
  /** The local cluster's folder (absolute). */
  root: string;
  /** Folders holding the binaries, searched in order; default the inventory's binDir (colon-separated). */
  binDirs?: readonly string[];
  /** The running k8s-pki's launcher, run by the approver unit when no folder holds a k8s-pki. */
  selfBinary?: string;
}

export interface ApplyClusterOptions {
  /** The cluster (in local mode, built from `localInventory(inventory)`). */
  plan: Plan;
  /** Where the PKI and cluster secrets are kept and reused (absolute). */
  stateDir: string;
  /** How the nodes are reached: local folders, or SSH (systemd on the nodes). */
  nodes: { local: LocalNodes } | { ssh: SshSettings };
  /** Write nothing anywhere (no state folder, no node file, no unit started); events and result say what would be. */
  dryRun?: boolean;
  /** Restart the nodes of a stage one at a time, each checked before the next (default true). */
  rolling?: boolean;
  /** Clock of the certificates and tokens the state makes. */
  now?: () => Date;
  /** Randomness of the keys, serials and secrets the state makes; default Node's CSPRNG. */
  randomBytes?: (n: number) => Uint8Array;
  /** What relative paths in the settings (key file, known_hosts, binary folders) are relative to; default the process's. */
  cwd?: string;
  /** Home folder for the default known_hosts; default the user's. */
  homeDir?: string;
  /** Progress, in order: the state first, then the apply's own events. */
  onEvent?(e: ApplyClusterEvent): void;
  /** Replaces the service manager the mode picks (tests: an in-memory one). */
  services?: ServiceManager;
  /** Replaces the transports the mode picks (tests: fakes). */
  transportFor?: TransportFor;
  /** Replaces the readiness check after a rolling restart (default: the unit's health endpoint). */
  waitReady?(node: { name: string; address: string }, unit: string): Promise<void>;
}

/** The state is ready (or, in a dry run, worked out): made now, or kept with `issued` re-issued from the kept CAs. */
export interface StateEvent {
  kind: "state";
  stateDir: string;
  created: boolean;
  issued: string[];
  /** The files a real run writes into the state folder (CA keys included). */
  wouldWrite: string[];
  dryRun: boolean;
}

export type ApplyClusterEvent = StateEvent | ApplyEvent;

export interface ApplyClusterResult {
  stateDir: string;
  /** The state folder was empty: new CAs and secrets. */
  created: boolean;
  /** Certificates issued from kept CAs (everything, when created). */
  issued: string[];
  apply: ApplyResult;
  /** Names of the nodes where something was (or, in a dry run, would be) written, started or restarted. */
  changedNodes: string[];
}

/**
 * Applies the plan to its nodes. Errors are DeployErrors from the steps
 * (state, render, transport settings, apply); the state is made before the
 * node access is checked, as `deploy apply` always did.
 */
export async function applyCluster(o: ApplyClusterOptions): Promise<ApplyClusterResult> {
  const dryRun = o.dryRun === true;
  const { plan, stateDir } = o;
  const st = await loadOrCreateState(plan, stateDir, { ...(o.now ? { now: o.now } : {}), ...(o.randomBytes ? { randomBytes: o.randomBytes } : {}), dryRun });
  const { pki, secrets, created, issued, wouldWrite } = st;
  o.onEvent?.({ kind: "state", stateDir, created, issued, wouldWrite, dryRun });
  const local = "local" in o.nodes ? o.nodes.local : undefined;
  const nodes = renderCluster(plan, { pki, secrets, ...(local ? { local: { root: local.root } } : {}) });
  const { services, transportFor } = await reachNodes(o);
  const apply = await applyNodes(nodes, {
    transportFor,
    services,
    dryRun,
    ...(o.rolling === undefined ? {} : { rolling: o.rolling }),
    waitReady: o.waitReady ?? readinessWaiter({ plan, pki }),
    onProgress: (e) => o.onEvent?.(e),
  });
  return { stateDir, created, issued, apply, changedNodes: apply.nodes.filter((n) => n.changed).map((n) => n.node) };
}

/** The mode's service manager and transports (unless the caller gave its own). */
async function reachNodes(o: ApplyClusterOptions): Promise<{ services: ServiceManager; transportFor: TransportFor }> {
  const { nodes } = o;
  if ("local" in nodes) {
    const cwd = o.cwd ?? process.cwd();
    const dirs = (nodes.local.binDirs ?? o.plan.inventory.binDir.split(":")).map((d) => (isAbsolute(d) ? d : resolve(cwd, d)));
    const services = o.services ?? new ProcessServiceManager({ binaryFor: localBinaryFinder(dirs, nodes.local.selfBinary), launch: spawnLauncher({ detached: true }) });
    return { services, transportFor: o.transportFor ?? (await nodeTransports({ local: nodes.local.root })) };
  }
  // Same access as certs check --inventory and rotate-ca finish: key auth, host keys from known_hosts.
  const transportFor = o.transportFor ?? (await nodeTransports({ ssh: nodes.ssh }, { ...(o.cwd ? { cwd: o.cwd } : {}), ...(o.homeDir ? { homeDir: o.homeDir } : {}) }));
  return { services: o.services ?? new SystemdServiceManager(), transportFor };
}
