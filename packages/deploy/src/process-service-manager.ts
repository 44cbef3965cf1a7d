// Local mode: the rendered units run as child processes of this machine
// instead of under systemd. A unit file is read from the node's local root
// (LocalTransport), its ExecStart taken with the binary swapped for the local
// one of the same name (`binaryFor`) and every absolute path in the arguments
// moved under the node's root; Environment= is passed on; output goes to a
// log file. A `.js` binary (the k8s-pki CLI) runs under this Node. Type=oneshot
// runs to completion (retried as Restart=on-failure would); Restart=always|on-failure
// is honoured; RemainAfterExit=yes keeps a unit active after its process exits.
// restart = stop + start; close() stops everything this manager started. A pid
// file per unit under the node's `/run/local-units` (pid and command, see
// local-stop.ts) lets another manager (a later `deploy apply`) see it and
// `deploy stop` (stopLocalUnits) end it.
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { DeployError } from "./errors.js";
import { pidFileText, pidMatches, readPidFile } from "./local-stop.js";
import type { ServiceManager } from "./service-manager.js";
import { LocalTransport } from "./transport/local.js";
import type { Transport } from "./transport/transport.js";

export interface ParsedUnit {
  exec: string[];
  env: Record<string, string>;
  type: string;
  restart: string;
  restartSec: number;
  remainAfterExit: boolean;
  /** StandardInput=file:PATH */
  stdinPath?: string;
}

const serviceValue = (lines: string[], key: string): string | undefined => {
  const l = lines.filter((x) => x.startsWith(`${key}=`)).pop();
  return l === undefined ? undefined : l.slice(key.length + 1).trim();
};

/** Environment= words as systemd splits them: whitespace separates, "..." or '...' quote (`"NODE_OPTIONS=--a --b"`). */
export function environmentWords(value: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  let quote: string | undefined;
  for (const ch of value) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur ??= "";
    } else if (/\s/.test(ch)) {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else {
      cur = (cur ?? "") + ch;
    }
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

/** The [Service] settings local mode uses. */
export function parseUnitFile(text: string): ParsedUnit {
  const lines = text.replace(/\\\n/g, " ").split("\n");
  const exec = (serviceValue(lines, "ExecStart") ?? "").split(/\s+/).filter((x) => x !== "");
  const env: Record<string, string> = {};
  for (const l of lines.filter((x) => x.startsWith("Environment="))) {
    for (const kv of environmentWords(l.slice("Environment=".length))) {
      const eq = kv.indexOf("=");
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  const stdin = serviceValue(lines, "StandardInput");
  return {
    exec: exec[0]?.startsWith("-") || exec[0]?.startsWith("@") ? [exec[0].slice(1), ...exec.slice(1)] : exec,
    env,
    type: serviceValue(lines, "Type") ?? "simple",
    restart: serviceValue(lines, "Restart") ?? "no",
    restartSec: Number(serviceValue(lines, "RestartSec") ?? "0.1"),
    remainAfterExit: /^(yes|true|1|on)$/i.test(serviceValue(lines, "RemainAfterExit") ?? "no"),
    ...(stdin?.startsWith("file:") ? { stdinPath: stdin.slice(5) } : {}),
  };
}

/** Top folders whose paths are files on the node; other absolute values (etcd keys like /kubernetes/network) are left alone. */
const NODE_DIRS = /^\/(etc|var|run|opt|usr|srv|tmp)\//;

/** Moves absolute file paths in arguments (`/etc/x` or `--flag=/etc/x`) under the node's root. */
export function remapArgs(args: readonly string[], hostPath: (p: string) => string, root: string): string[] {
  const map = (v: string): string => (NODE_DIRS.test(v) && !v.startsWith(root + "/") ? hostPath(v) : v);
  return args.map((a) => {
    const m = /^(--?[\w-]+=)(.*)$/.exec(a);
    return m ? m[1]! + map(m[2]!) : map(a);
  });
}

export interface LaunchSpec {
  /** `<node>-<unit without .service>`: the log file is `<logDir>/<name>.log`. */
  name: string;
  node: string;
  unit: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logDir: string;
  stdinPath?: string;
}

export interface LaunchedProcess {
  readonly pid: number;
  readonly running: boolean;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<unknown>;
  /** The end of its log. */
  logTail(lines?: number): string;
}

export type Launcher = (spec: LaunchSpec) => Promise<LaunchedProcess>;

/** Spawns with output appended to `<logDir>/<name>.log`; `detached` processes outlive this one (the CLI). */
export function spawnLauncher(opts: { detached?: boolean; stopTimeoutMs?: number } = {}): Launcher {
  return async (spec) => {
    mkdirSync(spec.logDir, { recursive: true });
    const logPath = join(spec.logDir, `${spec.name}.log`);
    const fd = openSync(logPath, "a");
    const inFd = spec.stdinPath === undefined ? undefined : openSync(spec.stdinPath, "r");
    let status: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    try {
      const child = spawn(spec.command, spec.args, { env: spec.env, stdio: [inFd ?? "ignore", fd, fd], detached: opts.detached === true });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) =>
        child.once("exit", (code, signal) => {
          status = { code, signal };
          ok(status);
        }),
      );
      await new Promise<void>((ok, fail) => {
        child.once("spawn", ok);
        child.once("error", (e) => fail(new Error(`cannot start ${spec.command}: ${e.message}`, { cause: e })));
      });
      if (opts.detached === true) child.unref();
      const pid = child.pid ?? 0;
      return {
        pid,
        get running() {
          return status === undefined;
        },
        exited,
        stop: async () => {
          if (status !== undefined) return status;
          child.kill("SIGTERM");
          const t = delay(opts.stopTimeoutMs ?? 10_000, "timeout" as const);
          if ((await Promise.race([exited, t])) === "timeout") child.kill("SIGKILL");
          return exited;
        },
        logTail: (lines = 40) => tailOf(logPath, lines),
      };
    } finally {
      closeSync(fd);
      if (inFd !== undefined) closeSync(inFd);
    }
  };
}

function tailOf(path: string, lines: number): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

export interface ProcessServiceManagerOptions {
  /** Local path of a binary by its name (the basename of the unit's ExecStart). */
  binaryFor(name: string): string;
  /** How processes are started; default {@link spawnLauncher}. Tests pass their process registry's. */
  launch?: Launcher;
  /** Node path of the unit files; default /etc/systemd/system. */
  unitDir?: string;
  /** Upper bound on RestartSec, so local clusters come up quickly; default 2000 ms. */
  maxRestartDelayMs?: number;
  /** How long a oneshot unit may keep failing before start() gives up; default 120 s. */
  oneshotTimeoutMs?: number;
  /** How long a started process must stay up for start() to succeed; default 1000 ms. */
  settleMs?: number;
}

interface UnitState {
  node: string;
  unit: string;
  proc?: LaunchedProcess;
  stopped: boolean;
  /** RemainAfterExit and its process ran. */
  done: boolean;
  generation: number;
}

export class ProcessServiceManager implements ServiceManager {
  private readonly units = new Map<string, UnitState>();
  private readonly launch: Launcher;

  constructor(private readonly opts: ProcessServiceManagerOptions) {
    this.launch = opts.launch ?? spawnLauncher();
  }

  private local(t: Transport): LocalTransport {
    if (!(t instanceof LocalTransport)) throw new DeployError("command-failed", `${t.node}: local mode needs a LocalTransport`, { field: t.node });
    return t;
  }

  private pidFile(t: LocalTransport, unit: string, ext: "pid" | "done"): string {
    return t.hostPath(`/run/local-units/${unit}.${ext}`);
  }

  /** The process of a unit started by this manager (for tests: stop one member). */
  processOf(node: string, unit: string): LaunchedProcess | undefined {
    return this.units.get(`${node}/${unit}`)?.proc;
  }

  daemonReload(): Promise<void> {
    return Promise.resolve(); // unit files are read at every start
  }

  async isActive(t: Transport, unit: string): Promise<boolean> {
    const lt = this.local(t);
    const s = this.units.get(`${t.node}/${unit}`);
    if (s !== undefined && !s.stopped) return s.proc?.running === true || s.done;
    try {
      readFileSync(this.pidFile(lt, unit, "done"));
      return true;
    } catch {
      // not a finished RemainAfterExit unit
    }
    const pf = readPidFile(this.pidFile(lt, unit, "pid"));
    if (pf === undefined) return false;
    if (pidMatches(pf.pid, lt.root, pf)) return true;
    // Started by an earlier (detached) manager and exited since, with nobody left to write the
    // `.done` marker: a RemainAfterExit unit has then run, as this manager's own exit handler would say.
    const text = await lt.readFile(`${this.opts.unitDir ?? "/etc/systemd/system"}/${unit}`);
    return text !== undefined && parseUnitFile(text.toString("utf8")).remainAfterExit;
  }

  async start(t: Transport, unit: string): Promise<void> {
    if (await this.isActive(t, unit)) return;
    const lt = this.local(t);
    const unitPath = `${this.opts.unitDir ?? "/etc/systemd/system"}/${unit}`;
    const text = await lt.readFile(unitPath);
    if (text === undefined) throw new DeployError("command-failed", `${t.node}: starting ${unit}: no unit file ${unitPath}`, { field: t.node });
    const u = parseUnitFile(text.toString("utf8"));
    const [bin, ...rest] = u.exec;
    if (bin === undefined) throw new DeployError("command-failed", `${t.node}: starting ${unit}: no ExecStart`, { field: t.node });
    const name = basename(bin);
    let local: string;
    try {
      local = this.opts.binaryFor(name);
    } catch (e) {
      throw new DeployError("binary-missing", `${t.node}: starting ${unit}: no local ${name}: ${(e as Error).message}`, { cause: e, field: name });
    }
    // A Node script (the k8s-pki CLI) runs under this Node: then the process's argv[0] is a
    // path the pid file can name (through its shebang it would be a bare `node`).
    const script = isNodeScript(local);
    const command = script ? process.execPath : local;
    const args = remapArgs(rest, (p) => lt.hostPath(p), lt.root);
    const spec: LaunchSpec = {
      name: `${t.node}-${unit.replace(/\.service$/, "")}`,
      node: t.node,
      unit,
      command,
      args: script ? [local, ...args] : args,
      env: { ...process.env, ...u.env },
      logDir: lt.hostPath("/var/log/local-units"),
      ...(u.stdinPath === undefined ? {} : { stdinPath: lt.hostPath(u.stdinPath) }),
    };
    mkdirSync(lt.hostPath("/run/local-units"), { recursive: true });
    const state: UnitState = { node: t.node, unit, stopped: false, done: false, generation: 0 };
    this.units.set(`${t.node}/${unit}`, state);
    const restartMs = Math.min(u.restartSec * 1000, this.opts.maxRestartDelayMs ?? 2000);
    const fail = (why: string, p?: LaunchedProcess): DeployError =>
      new DeployError("command-failed", `${t.node}: starting ${unit} failed: ${why}${p ? `\n--- last lines of its log:\n${p.logTail(30)}` : ""}`, { field: t.node });

    if (u.type === "oneshot") {
      const deadline = Date.now() + (this.opts.oneshotTimeoutMs ?? 120_000);
      for (;;) {
        const p = await this.launch(spec);
        state.proc = p;
        // A detached (unref'd) child does not keep the event loop alive: without this,
        // a CLI whose last pending work is a oneshot unit would exit mid-await (code 13).
        const keepAlive = setInterval(() => undefined, 60_000);
        const st = await p.exited.finally(() => clearInterval(keepAlive));
        if (state.stopped) return;
        if (st.code === 0) break;
        if (u.restart === "no" || Date.now() > deadline) throw fail(`exited with ${st.signal ?? `code ${st.code}`}`, p);
        await delay(Math.max(restartMs, 500));
      }
      state.done = u.remainAfterExit;
      if (state.done) writeFileSync(this.pidFile(lt, unit, "done"), "");
      return;
    }

    const run = async (): Promise<LaunchedProcess> => {
      const p = await this.launch(spec);
      state.proc = p;
      writeFileSync(this.pidFile(lt, unit, "pid"), pidFileText(p.pid, spec.command));
      const gen = ++state.generation;
      void p.exited.then(async (st) => {
        if (state.stopped || gen !== state.generation) return;
        if (u.remainAfterExit) {
          state.done = true;
          writeFileSync(this.pidFile(lt, unit, "done"), "");
          return;
        }
        const again = u.restart === "always" || (u.restart === "on-failure" && st.code !== 0);
        if (!again) return;
        await delay(restartMs);
        if (!state.stopped && gen === state.generation) await run().catch(() => undefined);
      });
      return p;
    };
    const p = await run();
    if (u.remainAfterExit) return;
    // A unit that dies at once (bad flag, port taken) fails the apply with its log.
    const settled = await Promise.race([p.exited, delay(this.opts.settleMs ?? 1000, "up" as const)]);
    if (settled !== "up" && settled.code !== 0) throw fail(`exited with ${settled.signal ?? `code ${settled.code}`}`, p);
  }

  /** Stops a unit (SIGTERM, then SIGKILL); also one started by an earlier manager, through its pid file. */
  async stop(t: Transport, unit: string): Promise<void> {
    const lt = this.local(t);
    const s = this.units.get(`${t.node}/${unit}`);
    rmSync(this.pidFile(lt, unit, "done"), { force: true });
    if (s !== undefined) {
      s.stopped = true;
      s.done = false;
      await s.proc?.stop();
    } else {
      const pf = readPidFile(this.pidFile(lt, unit, "pid"));
      if (pf !== undefined && pidMatches(pf.pid, lt.root, pf)) await killPid(pf.pid, () => pidMatches(pf.pid, lt.root, pf));
    }
    rmSync(this.pidFile(lt, unit, "pid"), { force: true });
  }

  async restart(t: Transport, unit: string): Promise<void> {
    await this.stop(t, unit);
    await this.start(t, unit);
  }

  /** Stops every process this manager started. */
  async close(): Promise<void> {
    const all = [...this.units.values()];
    for (const s of all) s.stopped = true;
    await Promise.all(all.map((s) => s.proc?.stop()));
  }
}

/** A `.js` file, or one whose shebang runs node (the standalone k8s-pki). */
function isNodeScript(path: string): boolean {
  if (/\.[cm]?js$/.test(path)) return true;
  try {
    const fd = openSync(path, "r");
    try {
      const head = Buffer.alloc(64);
      const n = readSync(fd, head, 0, 64, 0);
      return /^#!\s*(\/usr\/bin\/env\s+(-S\s+)?node|\S*\/node)\b/.test(head.subarray(0, n).toString("latin1"));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after 10 s; `same()` tells whether the pid is still that process (not exited, not reused). */
async function killPid(pid: number, same: () => boolean): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    await delay(100);
    if (!same()) return;
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
}
