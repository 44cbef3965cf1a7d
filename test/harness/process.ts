// Child processes of the harness: output goes straight to a log file (the
// child writes it itself, so nothing is lost if the worker dies), every
// process is tracked in a registry, and nothing may outlive the test run:
// stop() in hooks, SIGKILL on worker exit or signal, and a detached watchdog
// for the one case no handler sees (the worker itself being SIGKILLed).
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

export interface StartProcessOptions {
  /** Short name: the log file is `<logDir>/<name>.log` and errors name it. */
  name: string;
  command: string;
  args: readonly string[];
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** File to feed on standard input (default: none). */
  stdinPath?: string;
  /** Grace period between SIGTERM and SIGKILL in stop(); default 10 s. */
  stopTimeoutMs?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const registry = new Set<ManagedProcess>();

/** A started component. */
export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;
  private stopping: Promise<ExitStatus> | undefined;
  private readonly stopTimeoutMs: number;

  /** @internal use {@link startProcess} */
  constructor(
    private readonly child: ChildProcess,
    exit: Promise<ExitStatus>,
    private readonly watchdog: ChildProcess | undefined,
    opts: StartProcessOptions,
    logPath: string,
  ) {
    if (child.pid === undefined) throw new Error(`${opts.name}: no pid`);
    this.name = opts.name;
    this.pid = child.pid;
    this.logPath = logPath;
    this.command = opts.command;
    this.args = opts.args;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
    this.exited = exit.then((status) => {
      this.status = status;
      registry.delete(this);
      this.killWatchdog();
      return status;
    });
  }

  get running(): boolean {
    return this.status === undefined;
  }

  get exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  /** The last lines of the component's log. */
  logTail(lines = 60): string {
    try {
      const all = readFileSync(this.logPath, "utf8").trimEnd().split("\n");
      return all.slice(-lines).join("\n");
    } catch (e) {
      return `(log ${this.logPath} unreadable: ${(e as Error).message})`;
    }
  }

  describeExit(): string {
    const s = this.status;
    if (!s) return `${this.name} (pid ${this.pid}) is running`;
    return `${this.name} (pid ${this.pid}) exited with ${s.signal ? `signal ${s.signal}` : `code ${s.code}`}`;
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
  stop(timeoutMs = this.stopTimeoutMs): Promise<ExitStatus> {
    if (this.status) return Promise.resolve(this.status);
    this.stopping ??= (async () => {
      this.signal("SIGTERM");
      const ac = new AbortController();
      const timedOut = delay(timeoutMs, "timeout" as const, { signal: ac.signal }).catch(() => "aborted" as const);
      if ((await Promise.race([this.exited, timedOut])) === "timeout") this.signal("SIGKILL");
      ac.abort();
      return this.exited;
    })();
    return this.stopping;
  }

  /** Immediate, synchronous SIGKILL: for exit and signal handlers, which cannot wait. */
  killNow(): void {
    this.signal("SIGKILL");
    this.killWatchdog();
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.status) return;
    try {
      this.child.kill(sig);
    } catch {
      // already gone
    }
  }

  private killWatchdog(): void {
    try {
      this.watchdog?.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

// Polls once a second; if this worker disappears while the child still runs,
// the child is killed. Detached so that killing the worker's process group
// does not take the watchdog with it.
const WATCHDOG = 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -0 "$1" 2>/dev/null || kill -9 "$2" 2>/dev/null';

function startWatchdog(childPid: number): ChildProcess | undefined {
  try {
    const w = spawn("sh", ["-c", WATCHDOG, "harness-watchdog", String(process.pid), String(childPid)], {
      detached: true,
      stdio: "ignore",
    });
    w.on("error", () => undefined);
    w.unref();
    return w;
  } catch {
    return undefined;
  }
}

let hooksInstalled = false;

function killAllNow(): void {
  for (const p of registry) p.killNow();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", killAllNow);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const handler = (): void => {
      killAllNow();
      process.off(sig, handler);
      // Our listener suppressed the default action; restore it unless someone else handles the signal.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

/** Starts a component with stdout and stderr appended to `<logDir>/<name>.log`. */
export async function startProcess(opts: StartProcessOptions): Promise<ManagedProcess> {
  installExitHooks();
  mkdirSync(opts.logDir, { recursive: true });
  const logPath = join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logPath, "a");
  const inFd = opts.stdinPath === undefined ? undefined : openSync(opts.stdinPath, "r");
  let child: ChildProcess;
  let exit: Promise<ExitStatus>;
  try {
    child = spawn(opts.command, [...opts.args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [inFd ?? "ignore", fd, fd],
    });
    // Listen before anything else can run, so a fast exit is never missed.
    exit = new Promise((ok) => child.once("exit", (code, signal) => ok({ code, signal })));
    await new Promise<void>((ok, fail) => {
      child.once("spawn", ok);
      child.once("error", (e) => fail(new Error(`${opts.name}: cannot start ${opts.command}: ${e.message}`, { cause: e })));
    });
  } finally {
    closeSync(fd);
    if (inFd !== undefined) closeSync(inFd);
  }
  const managed = new ManagedProcess(child, exit, startWatchdog(child.pid ?? 0), opts, logPath);
  registry.add(managed);
  return managed;
}

/** Processes started by this worker that have not exited yet. */
export function runningProcesses(): ManagedProcess[] {
  return [...registry];
}

/** Stops every running process, or only those whose log is under `dir`. */
export async function stopAllProcesses(dir?: string): Promise<void> {
  const prefix = dir === undefined ? undefined : resolve(dir) + "/";
  const targets = [...registry].filter((p) => prefix === undefined || resolve(p.logPath).startsWith(prefix));
  await Promise.all(targets.map((p) => p.stop()));
}

/** Live processes (any owner) whose command line contains `fragment`, read from /proc like `pgrep -f`. */
export function processesMatching(fragment: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      // Zombies have an empty command line and are not running anything.
      if (cmdline !== "" && cmdline.includes(fragment)) found.push({ pid, cmdline });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

export interface WaitForOptions {
  /** What is awaited, for the error message ("kube-apiserver /readyz"). */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** Fail as soon as one of these exits, with the tail of its log. */
  processes?: readonly ManagedProcess[];
}

type Ready<T> = Exclude<T, undefined | null | false>;

function isReady<T>(v: T): v is Ready<T> {
  return v !== undefined && v !== null && v !== false;
}

function tails(processes: readonly ManagedProcess[]): string {
  return processes.map((p) => `\n--- ${p.describeExit()}; last lines of ${p.logPath}:\n${p.logTail()}`).join("");
}

/**
 * Polls `predicate` until it returns something other than undefined, null or
 * false, and resolves to that. A throwing predicate counts as not ready; its
 * last error is reported on timeout.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, opts: WaitForOptions): Promise<Ready<T>> {
  const { what, timeoutMs = 60_000, intervalMs = 250, processes = [] } = opts;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  const attempt = async (): Promise<Ready<T> | undefined> => {
    try {
      const v = await predicate();
      return isReady(v) ? v : undefined;
    } catch (e) {
      lastError = e;
      return undefined;
    }
  };
  const last = (): string => (lastError === undefined ? "" : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  for (;;) {
    const v = await attempt();
    if (v !== undefined) return v;
    const dead = processes.filter((p) => !p.running);
    if (dead.length > 0) {
      // The process may have done its job just before exiting (the kubelet does).
      const final = await attempt();
      if (final !== undefined) return final;
      throw new Error(`while waiting for ${what}: ${dead.map((p) => p.describeExit()).join(", ")}${last()}${tails(dead)}`);
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last()}${tails(processes)}`);
    const ac = new AbortController();
    await Promise.race([delay(intervalMs, undefined, { signal: ac.signal }).catch(() => undefined), ...processes.map((p) => p.exited)]);
    ac.abort();
  }
}
