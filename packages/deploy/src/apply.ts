// apply: puts rendered nodes in place. Stage by stage (STAGES order: every
// node's host stage, then etcd, network, master, bootstrap, worker), each node of a
// stage in parallel (etcd members must start together to form a quorum):
// compare each file with what is on the node (sha256 of the content, mode,
// owner), upload only the changed ones atomically, daemon-reload once if a
// unit file changed, then start units that are not running. Units one of
// whose inputs changed restart afterwards, one node at a time (a rolling
// restart: etcd keeps its quorum, all but one API server keep serving), each
// node's restarted units checked by `waitReady` before the next node's go. A
// second apply with nothing changed changes nothing and says so. At the first failure the stage's other nodes finish
// their step, nothing further is started, and a DeployError names the node,
// the stage and the command's output.
//
// The pure part (which files changed, which units start or restart) is
// exported for tests: fileStages, fileChanged, unitActions, planStage.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { DeployError, type DeployErrorCode } from "./errors.js";
import { checkHostBinaries } from "./host-binaries.js";
import { STAGES, type RenderedFile, type RenderedNode, type RenderedUnit, type Stage } from "./rendered.js";
import type { ServiceManager } from "./service-manager.js";
import { dirnameOf, type RemoteFileState, type Transport } from "./transport/transport.js";

/** What a file should be on the node. */
export interface DesiredFileState {
  sha256: string;
  mode: number;
  /** user:group (or user alone); default root:root. */
  owner: string;
}

export const DEFAULT_OWNER = "root:root";

/**
 * The stage each file is uploaded in: the earliest stage of a unit that reads
 * it; files no unit reads (kubeconfigs for kubectl, the approver's CA key)
 * go with the node's first stage that has units (the first stage when none
 * has), so they are in place before anything needs them.
 */
export function fileStages(node: RenderedNode): Map<string, Stage> {
  const rank = (s: Stage): number => STAGES.indexOf(s);
  const first = STAGES.find((s) => node.units.some((u) => u.stage === s)) ?? (STAGES[0] as Stage);
  const out = new Map<string, Stage>();
  for (const f of node.files) {
    let stage: Stage | undefined;
    for (const u of node.units) {
      if (u.inputs.includes(f.path) && (stage === undefined || rank(u.stage) < rank(stage))) stage = u.stage;
    }
    out.set(f.path, stage ?? first);
  }
  return out;
}

/** Whether a file is a systemd unit (or drop-in), whose change needs daemon-reload. */
export function isUnitFile(path: string, units: readonly RenderedUnit[]): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return units.some((u) => u.name === base) || path.includes("/systemd/");
}

function ownerMatches(desired: string, current: string): boolean {
  if (desired.includes(":")) return desired === current;
  return current.split(":")[0] === desired;
}

/** Whether the node's file differs from the desired one (missing, content, mode or owner). */
export function fileChanged(desired: DesiredFileState, current: RemoteFileState | undefined): boolean {
  if (current === undefined) return true;
  if (current.sha256 !== desired.sha256) return true;
  if ((current.mode & 0o7777) !== (desired.mode & 0o7777)) return true;
  return current.owner !== undefined && !ownerMatches(desired.owner, current.owner);
}

export interface UnitActions {
  /** Not running: enable and start. */
  start: string[];
  /** Running, and an input changed: restart. */
  restart: string[];
  /** Running and unchanged. */
  unchanged: string[];
}

/** Which units start or restart, given the paths changed so far on the node and which units run. */
export function unitActions(units: readonly RenderedUnit[], changed: ReadonlySet<string>, active: ReadonlyMap<string, boolean>): UnitActions {
  const out: UnitActions = { start: [], restart: [], unchanged: [] };
  for (const u of units) {
    if (active.get(u.name) !== true) out.start.push(u.name);
    else if (u.inputs.some((p) => changed.has(p))) out.restart.push(u.name);
    else out.unchanged.push(u.name);
  }
  return out;
}

export interface StagePlan {
  /** Files of this stage to upload, in the node's file order. */
  write: string[];
  unchanged: string[];
  daemonReload: boolean;
  /** Units of this stage. */
  units: UnitActions;
}

/**
 * The pure decision for one node and stage. `changedBefore`: paths written in
 * earlier stages on this node (a CA written in the etcd stage restarts the
 * API server in the master stage).
 */
export function planStage(
  node: RenderedNode,
  stage: Stage,
  desired: ReadonlyMap<string, DesiredFileState>,
  current: ReadonlyMap<string, RemoteFileState | undefined>,
  changedBefore: ReadonlySet<string>,
  active: ReadonlyMap<string, boolean>,
): StagePlan {
  const stages = fileStages(node);
  const write: string[] = [];
  const unchanged: string[] = [];
  for (const f of node.files) {
    if (stages.get(f.path) !== stage) continue;
    const want = desired.get(f.path);
    if (want === undefined) throw new DeployError("render-failed", `${node.name}: no desired state for ${f.path}`, { field: f.path });
    (fileChanged(want, current.get(f.path)) ? write : unchanged).push(f.path);
  }
  const changed = new Set([...changedBefore, ...write]);
  return {
    write,
    unchanged,
    daemonReload: write.some((p) => isUnitFile(p, node.units)),
    units: unitActions(
      node.units.filter((u) => u.stage === stage),
      changed,
      active,
    ),
  };
}

/** Checks a node before anything is written: absolute, unique paths; unit inputs among its files. */
export function validateNode(node: RenderedNode): void {
  const paths = new Set<string>();
  for (const f of node.files) {
    if (!f.path.startsWith("/") || f.path.endsWith("/")) {
      throw new DeployError("render-failed", `${node.name}: file path ${f.path} is not an absolute file path`, { field: f.path });
    }
    if (paths.has(f.path)) throw new DeployError("render-failed", `${node.name}: file ${f.path} is rendered twice`, { field: f.path });
    paths.add(f.path);
  }
  const names = new Set<string>();
  for (const u of node.units) {
    if (names.has(u.name)) throw new DeployError("render-failed", `${node.name}: unit ${u.name} is rendered twice`, { field: u.name });
    names.add(u.name);
    for (const p of u.inputs) {
      if (!paths.has(p)) throw new DeployError("render-failed", `${node.name}: unit ${u.name} reads ${p}, which is not among the node's files`, { field: p });
    }
  }
}

export type ApplyEvent =
  | { kind: "stage-start"; node: string; stage: Stage; files: number; units: number }
  // In a dry run these say what a real apply would do (`dryRun: true`); nothing was done.
  | { kind: "file-written"; node: string; stage: Stage; path: string; dryRun?: boolean }
  | { kind: "daemon-reload"; node: string; stage: Stage; dryRun?: boolean }
  | { kind: "unit-started" | "unit-restarted"; node: string; stage: Stage; unit: string; dryRun?: boolean }
  | {
      kind: "stage-done";
      node: string;
      stage: Stage;
      /** Nothing written, started or restarted. */
      unchanged: boolean;
      written: number;
      unchangedFiles: number;
      started: number;
      restarted: number;
      dryRun: boolean;
    };

/** One line for the terminal. */
export function formatApplyEvent(e: ApplyEvent): string {
  const at = `${e.node} [${e.stage}]`;
  switch (e.kind) {
    case "stage-start":
      return `${at} checking ${e.files} file(s), ${e.units} unit(s)`;
    case "file-written":
      return e.dryRun ? `${at} would write ${e.path}` : `${at} wrote ${e.path}`;
    case "daemon-reload":
      return e.dryRun ? `${at} would daemon-reload` : `${at} daemon-reload`;
    case "unit-started":
      return e.dryRun ? `${at} would start ${e.unit}` : `${at} started ${e.unit}`;
    case "unit-restarted":
      return e.dryRun ? `${at} would restart ${e.unit}` : `${at} restarted ${e.unit}`;
    case "stage-done": {
      const would = e.dryRun ? "would have " : "";
      return e.unchanged
        ? `${at} unchanged (${e.unchangedFiles} file(s))`
        : `${at} ${would}written ${e.written}, unchanged ${e.unchangedFiles}, ${would}started ${e.started}, ${would}restarted ${e.restarted}`;
    }
  }
}

export interface ApplyOptions {
  /** Opens the node's transport; called once per node, closed by apply. */
  transportFor(node: RenderedNode): Promise<Transport>;
  services: ServiceManager;
  onProgress?(e: ApplyEvent): void;
  /**
   * Compare only: nodes are read (file hashes, unit states), never written,
   * started or restarted; the events and the result say what would be.
   */
  dryRun?: boolean;
  /**
   * Runs after every node finished a stage (e.g. write the pod network config
   * into etcd after the etcd stage, or verify the stage). A throw stops the
   * apply with a DeployError naming the stage.
   */
  afterStage?(stage: Stage, ctx: { transports: ReadonlyMap<string, Transport>; dryRun: boolean }): Promise<void>;
  /**
   * Restart the nodes of a stage one at a time (default true); false restarts
   * them all at once, as the first start does.
   */
  rolling?: boolean;
  /**
   * Resolves once a restarted unit serves again (etcd healthy, API server
   * ready); a throw stops the apply before any other node restarts. Called
   * only for restarts, and only when rolling.
   */
  waitReady?(node: RenderedNode, unit: string): Promise<void>;
}

export interface NodeApplyResult {
  node: string;
  written: string[];
  unchanged: string[];
  started: string[];
  restarted: string[];
  daemonReloads: number;
  /** Anything written, started or restarted (or, in a dry run, would be). */
  changed: boolean;
}

export interface ApplyResult {
  nodes: NodeApplyResult[];
  changed: boolean;
  dryRun: boolean;
}

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

function hashFile(path: string): Promise<string> {
  return new Promise((ok, fail) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (b) => h.update(b))
      .once("error", fail)
      .once("end", () => ok(h.digest("hex")));
  });
}

/** Hashes of local binaries, shared by all nodes of one apply. */
class LocalContent {
  private readonly hashes = new Map<string, Promise<string>>();

  hash(f: RenderedFile, node: string): Promise<string> {
    if (Buffer.isBuffer(f.content)) return Promise.resolve(sha256(f.content));
    const local = f.content.localPath;
    let h = this.hashes.get(local);
    if (h === undefined) {
      h = hashFile(local).catch((e: unknown) => {
        throw new DeployError("binary-missing", `${node}: ${f.path}: cannot read local file ${local}: ${(e as Error).message}`, {
          cause: e,
          field: local,
        });
      });
      this.hashes.set(local, h);
    }
    return h;
  }

  async bytes(f: RenderedFile, node: string): Promise<Buffer> {
    if (Buffer.isBuffer(f.content)) return f.content;
    try {
      return await readFile(f.content.localPath);
    } catch (e) {
      throw new DeployError("binary-missing", `${node}: ${f.path}: cannot read local file ${f.content.localPath}: ${(e as Error).message}`, {
        cause: e,
        field: f.content.localPath,
      });
    }
  }
}

function stageError(node: string, stage: Stage, e: unknown): DeployError {
  const code: DeployErrorCode = e instanceof DeployError ? e.code : "transport-failed";
  const raw = e instanceof Error ? e.message : String(e);
  const msg = raw.startsWith(`${node}: `) ? raw.slice(node.length + 2) : raw;
  return new DeployError(code, `node ${node}, stage ${stage}: ${msg}`, { cause: e, field: node });
}

interface NodeState {
  node: RenderedNode;
  transport: Transport;
  desired: Map<string, DesiredFileState>;
  stages: Map<string, Stage>;
  changed: Set<string>;
  result: NodeApplyResult;
}

/**
 * Writes the stage's changed files and starts the units that are not running;
 * returns what is left: restarting the units whose inputs changed (and waiting
 * for them), which the caller runs node by node.
 */
async function applyStage(s: NodeState, stage: Stage, opts: ApplyOptions, content: LocalContent): Promise<() => Promise<void>> {
  const { node, transport: t } = s;
  const name = node.name;
  const dryRun = opts.dryRun === true;
  const files = node.files.filter((f) => s.stages.get(f.path) === stage);
  const units = node.units.filter((u) => u.stage === stage);
  if (files.length === 0 && units.length === 0) return () => Promise.resolve();
  const emit = (e: ApplyEvent): void => opts.onProgress?.(e);
  emit({ kind: "stage-start", node: name, stage, files: files.length, units: units.length });

  const current = await t.inspect(files.map((f) => f.path));
  const active = new Map<string, boolean>();
  for (const u of units) active.set(u.name, await opts.services.isActive(t, u.name));
  const plan = planStage(node, stage, s.desired, current, s.changed, active);

  if (!dryRun) {
    const dirs = [...new Set(plan.write.map(dirnameOf))];
    for (const d of dirs) await t.mkdirp(d, 0o755);
    for (const path of plan.write) {
      const f = files.find((x) => x.path === path);
      if (f === undefined) continue;
      await t.writeFileAtomic(path, await content.bytes(f, name), f.mode & 0o7777, f.owner ?? DEFAULT_OWNER);
      s.changed.add(path);
      emit({ kind: "file-written", node: name, stage, path });
    }
    if (plan.daemonReload) {
      await opts.services.daemonReload(t);
      s.result.daemonReloads++;
      emit({ kind: "daemon-reload", node: name, stage });
    }
    for (const u of units) {
      if (plan.units.start.includes(u.name)) {
        await opts.services.start(t, u.name);
        emit({ kind: "unit-started", node: name, stage, unit: u.name });
      }
    }
  } else {
    // Nothing touches the node: only the events of what a real apply would do.
    for (const p of plan.write) {
      s.changed.add(p);
      emit({ kind: "file-written", node: name, stage, path: p, dryRun: true });
    }
    if (plan.daemonReload) {
      s.result.daemonReloads++;
      emit({ kind: "daemon-reload", node: name, stage, dryRun: true });
    }
    for (const u of plan.units.start) emit({ kind: "unit-started", node: name, stage, unit: u, dryRun: true });
  }
  s.result.written.push(...plan.write);
  s.result.unchanged.push(...plan.unchanged);
  s.result.started.push(...plan.units.start);
  s.result.restarted.push(...plan.units.restart);
  const stageChanged = plan.write.length > 0 || plan.units.start.length > 0 || plan.units.restart.length > 0;
  if (stageChanged) s.result.changed = true;
  return async () => {
    if (dryRun) {
      for (const u of plan.units.restart) emit({ kind: "unit-restarted", node: name, stage, unit: u, dryRun: true });
    } else {
      for (const u of units) {
        if (!plan.units.restart.includes(u.name)) continue;
        await opts.services.restart(t, u.name);
        emit({ kind: "unit-restarted", node: name, stage, unit: u.name });
      }
      if (opts.rolling !== false && opts.waitReady) {
        for (const u of units) if (plan.units.restart.includes(u.name)) await opts.waitReady(node, u.name);
      }
    }
    emit({
      kind: "stage-done",
      node: name,
      stage,
      unchanged: !stageChanged,
      written: plan.write.length,
      unchangedFiles: plan.unchanged.length,
      started: plan.units.start.length,
      restarted: plan.units.restart.length,
      dryRun,
    });
  };
}

/** Applies the nodes; see the top of this file. */
export async function applyNodes(nodes: readonly RenderedNode[], opts: ApplyOptions): Promise<ApplyResult> {
  const names = new Set<string>();
  for (const n of nodes) {
    if (names.has(n.name)) throw new DeployError("render-failed", `node ${n.name} appears twice`, { field: n.name });
    names.add(n.name);
    validateNode(n);
  }
  const content = new LocalContent();
  // Desired state first: a missing binary fails before any node is touched.
  const desired = await Promise.all(
    nodes.map(async (n) => {
      const m = new Map<string, DesiredFileState>();
      for (const f of n.files) m.set(f.path, { sha256: await content.hash(f, n.name), mode: f.mode & 0o7777, owner: f.owner ?? DEFAULT_OWNER });
      return m;
    }),
  );
  // Connect to every node before changing any: an unreachable node stops the apply with nothing done.
  const opened = await Promise.allSettled(nodes.map((n) => opts.transportFor(n)));
  const transports = new Map<string, Transport>();
  opened.forEach((o, i) => {
    const n = nodes[i];
    if (o.status === "fulfilled" && n) transports.set(n.name, o.value);
  });
  try {
    const firstFailure = opened.findIndex((o) => o.status === "rejected");
    if (firstFailure >= 0) {
      const o = opened[firstFailure] as PromiseRejectedResult;
      const name = nodes[firstFailure]?.name ?? "?";
      if (o.reason instanceof DeployError) throw o.reason;
      throw new DeployError("node-unreachable", `node ${name} unreachable: ${(o.reason as Error)?.message ?? String(o.reason)}`, {
        cause: o.reason,
        field: name,
      });
    }
    // Programs the operator installs (not shipped): one missing on any node stops the apply before any node changes.
    for (const n of nodes) await checkHostBinaries(n, transports.get(n.name) as Transport);
    const states: NodeState[] = nodes.map((node, i) => ({
      node,
      transport: transports.get(node.name) as Transport,
      desired: desired[i] ?? new Map(),
      stages: fileStages(node),
      changed: new Set(),
      result: { node: node.name, written: [], unchanged: [], started: [], restarted: [], daemonReloads: 0, changed: false },
    }));
    for (const stage of STAGES) {
      const settled = await Promise.allSettled(states.map((s) => applyStage(s, stage, opts, content)));
      const failed = settled.findIndex((r) => r.status === "rejected");
      if (failed >= 0) {
        throw stageError(states[failed]?.node.name ?? "?", stage, (settled[failed] as PromiseRejectedResult).reason);
      }
      const restarts = settled.map((r) => (r as PromiseFulfilledResult<() => Promise<void>>).value);
      if (opts.rolling === false) {
        const done = await Promise.allSettled(restarts.map((r) => r()));
        const bad = done.findIndex((r) => r.status === "rejected");
        if (bad >= 0) throw stageError(states[bad]?.node.name ?? "?", stage, (done[bad] as PromiseRejectedResult).reason);
      } else {
        for (const [i, restart] of restarts.entries()) {
          try {
            await restart();
          } catch (e) {
            throw stageError(states[i]?.node.name ?? "?", stage, e);
          }
        }
      }
      if (opts.afterStage) {
        try {
          await opts.afterStage(stage, { transports, dryRun: opts.dryRun === true });
        } catch (e) {
          const code: DeployErrorCode = e instanceof DeployError ? e.code : "verify-failed";
          throw new DeployError(code, `stage ${stage}: ${e instanceof Error ? e.message : String(e)}`, {
            cause: e,
            field: e instanceof DeployError && e.field !== undefined ? e.field : stage,
          });
        }
      }
    }
    const results = states.map((s) => s.result);
    return { nodes: results, changed: results.some((r) => r.changed), dryRun: opts.dryRun === true };
  } finally {
    await Promise.allSettled([...transports.values()].map((t) => t.close()));
  }
}
