// Local mode teardown: `deploy apply --local DIR` leaves its units running as
// detached processes, each with a pid file `<DIR>/<node>/run/local-units/<unit>.pid`
// (pid on the first line, the command it ran on the second). stopLocalUnits
// reads them all, signals only processes whose /proc/<pid>/cmdline is still
// that command under that node's root (never a process that reused the pid),
// dependents before what they depend on (kubelet, masters, flanneld, etcd),
// SIGTERM first and SIGKILL after the grace period, then removes the pid files
// and the `.done` markers of RemainAfterExit units.
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

/** Node path of the pid files, relative to a node's root. */
export const LOCAL_UNITS_RUN_DIR = "run/local-units";

export interface PidFile {
  pid: number;
  /** The command that was started (absent in pid files from older versions). */
  command?: string;
}

/** `<pid>\n[<command>\n]`; undefined when missing or malformed. */
export function readPidFile(path: string): PidFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const [first, second] = text.split("\n");
  const pid = Number(first?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const command = second?.trim();
  return command ? { pid, command } : { pid };
}

export function pidFileText(pid: number, command: string): string {
  return `${pid}\n${command}\n`;
}

/** argv of a live process; undefined when gone or a zombie (empty command line). */
function argvOf(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (raw === "") return undefined;
    return raw.replace(/\0$/, "").split("\0");
  } catch {
    return undefined;
  }
}

/**
 * The process `pid` is alive and still the one the pid file names: its command
 * line names the node root and its argv[0] is `command` (or, with no command
 * recorded, has the basename `binary`). A reused pid fails this.
 */
export function pidMatches(pid: number, root: string, expect: { command?: string; binary?: string }): boolean {
  const argv = argvOf(pid);
  if (argv === undefined || !argv.join("\0").includes(root)) return false;
  const argv0 = argv[0] ?? "";
  if (expect.command !== undefined) return argv0 === expect.command;
  if (expect.binary !== undefined) return basename(argv0) === expect.binary;
  return true;
}

export type LocalUnitOutcome = "stopped" | "killed" | "not-running" | "pid-reused" | "cleared";

export interface StoppedLocalUnit {
  node: string;
  unit: string;
  pid?: number;
  outcome: LocalUnitOutcome;
}

export interface StopLocalUnitsOptions {
  /** Grace period between SIGTERM and SIGKILL; default 10 s. */
  timeoutMs?: number;
  /** Node path of the unit files (to name the binary for old pid files); default /etc/systemd/system. */
  unitDir?: string;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function unitBinary(root: string, unitDir: string, unit: string): string | undefined {
  try {
    const text = readFileSync(join(root, unitDir, unit), "utf8").replace(/\\\n/g, " ");
    const bin = /^ExecStart=[-@]?(\S+)/m.exec(text)?.[1];
    return bin === undefined ? undefined : basename(bin);
  } catch {
    return undefined;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // exited meanwhile
  }
}

/** Stops every unit process that `deploy apply --local dir` started, on every node under `dir`. */
export async function stopLocalUnits(dir: string, opts: StopLocalUnitsOptions = {}): Promise<StoppedLocalUnit[]> {
  const unitDir = (opts.unitDir ?? "/etc/systemd/system").replace(/^\/+/, "");
  const out: StoppedLocalUnit[] = [];
  const targets: { entry: StoppedLocalUnit; root: string; expect: { command?: string; binary?: string }; file: string }[] = [];
  const nodes = isDir(dir) ? readdirSync(dir).sort() : [];
  for (const node of nodes) {
    const root = join(dir, node);
    const runDir = join(root, LOCAL_UNITS_RUN_DIR);
    if (!isDir(runDir)) continue;
    for (const f of readdirSync(runDir).sort()) {
      const file = join(runDir, f);
      if (f.endsWith(".done")) {
        rmSync(file, { force: true });
        out.push({ node, unit: f.slice(0, -".done".length), outcome: "cleared" });
        continue;
      }
      if (!f.endsWith(".pid")) continue;
      const unit = f.slice(0, -".pid".length);
      const pf = readPidFile(file);
      if (pf === undefined) {
        rmSync(file, { force: true });
        out.push({ node, unit, outcome: "not-running" });
        continue;
      }
      const expect = pf.command !== undefined ? { command: pf.command } : { binary: unitBinary(root, unitDir, unit) ?? "" };
      const entry: StoppedLocalUnit = { node, unit, pid: pf.pid, outcome: "not-running" };
      out.push(entry);
      if (!pidMatches(pf.pid, root, expect)) {
        entry.outcome = argvOf(pf.pid) === undefined ? "not-running" : "pid-reused";
        rmSync(file, { force: true });
        continue;
      }
      targets.push({ entry, root, expect, file });
    }
  }
  // Dependents first (kubelet before the API servers before etcd), as systemd would stop them;
  // each tier: SIGTERM, up to timeoutMs for it to exit, SIGKILL for survivors.
  const tiers = [...new Set(targets.map((t) => stopTier(t.entry.unit)))].sort((a, b) => a - b);
  for (const tier of tiers) {
    const group = targets.filter((t) => stopTier(t.entry.unit) === tier);
    for (const t of group) {
      signal(t.entry.pid!, "SIGTERM");
      t.entry.outcome = "stopped";
    }
    const live = (): typeof group => group.filter((t) => pidMatches(t.entry.pid!, t.root, t.expect));
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    while (live().length > 0 && Date.now() < deadline) await delay(100);
    for (const t of live()) {
      signal(t.entry.pid!, "SIGKILL");
      t.entry.outcome = "killed";
    }
    for (let i = 0; i < 50 && live().length > 0; i++) await delay(100);
  }
  for (const t of targets) rmSync(t.file, { force: true });
  return out;
}

/** Stop order of the units local mode runs: unknown ones and workers first, etcd last. */
const STOP_ORDER = ["kube-scheduler.service", "kube-controller-manager.service", "kube-apiserver.service", "flanneld.service", "etcd.service"];

function stopTier(unit: string): number {
  return STOP_ORDER.indexOf(unit) + 1;
}

/** One line per unit, e.g. `node1 etcd.service: stopped (pid 1234)`. */
export function formatStoppedLocalUnit(s: StoppedLocalUnit): string {
  const pid = s.pid === undefined ? "" : ` (pid ${s.pid})`;
  switch (s.outcome) {
    case "stopped":
      return `${s.node} ${s.unit}: stopped${pid}`;
    case "killed":
      return `${s.node} ${s.unit}: killed${pid} after SIGTERM timed out`;
    case "not-running":
      return `${s.node} ${s.unit}: was not running${pid}; pid file removed`;
    case "pid-reused":
      return `${s.node} ${s.unit}: pid ${s.pid} is now another process, left alone; pid file removed`;
    case "cleared":
      return `${s.node} ${s.unit}: cleared (oneshot unit that remained active)`;
  }
}
