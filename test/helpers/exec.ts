// Runs cfssl, cfssljson and k8s-pki as child processes with the same inputs,
// and reads back what they printed and how they exited.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cfssljsonBin, cfsslBin, k8sPkiCommand } from "./cfssl.js";

export interface RunResult {
  /** Exit status (signals are reported as 128 + n, and fail every test that checks the status). */
  code: number;
  stdout: string;
  stderr: string;
  /** The command line, for failure messages. */
  cmd: string;
}

export interface RunOptions {
  cwd: string;
  /** Bytes for standard input; stdin is closed either way. */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

export function run(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 50_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        cmd: `${command} ${args.join(" ")}`,
      });
    });
    child.stdin.on("error", () => undefined); // the child may exit before reading its input
    child.stdin.end(opts.input ?? "");
  });
}

/** Runs the real cfssl. */
export const cfssl = (args: readonly string[], opts: RunOptions): Promise<RunResult> => run(cfsslBin(), args, opts);
/** Runs the real cfssljson. */
export const cfssljson = (args: readonly string[], opts: RunOptions): Promise<RunResult> => run(cfssljsonBin(), args, opts);
/** Runs the built k8s-pki. */
export function k8sPki(args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const [node, bin] = k8sPkiCommand();
  return run(node, [bin, ...args], opts);
}

/** Runs the same cfssl command line with both programs (cfssl's first, then ours; in parallel). */
export async function both(args: readonly string[], opts: RunOptions): Promise<{ cfssl: RunResult; ours: RunResult }> {
  const [c, o] = await Promise.all([cfssl(args, opts), k8sPki(args, opts)]);
  return { cfssl: c, ours: o };
}

/** cfssl's CLI JSON output ({"cert","csr","key"}), failing with the command's stderr when it is not JSON. */
export function outputJson(r: RunResult): Record<string, string> {
  if (r.code !== 0) throw new Error(`${r.cmd} exited ${r.code}:\n${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as Record<string, string>;
  } catch {
    throw new Error(`${r.cmd} printed no JSON:\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

/** The last `{"code":N,"message":...}` object on stderr (cfssl prints log lines before it). */
export function errorJson(stderr: string): { code: number; message: string } | undefined {
  const lines = stderr.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /(\{"code":.*\})\s*$/.exec(lines[i]!);
    if (!m) continue;
    try {
      const v = JSON.parse(m[1]!) as { code: number; message: string };
      if (typeof v.code === "number") return v;
    } catch {
      // not JSON after all; keep looking
    }
  }
  return undefined;
}

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(prefix = "k8s-pki-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
