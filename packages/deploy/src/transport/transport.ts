// Transport: how the deployer reaches one node. Two implementations: SSH
// (ssh.ts, for real nodes) and the local machine under a root folder
// (local.ts, for local mode and tests).
import { DeployError } from "../errors.js";

export interface ExecOptions {
  /** Run as root: `sudo -n` when the transport's user is not root; ignored otherwise. */
  sudo?: boolean;
  /** Bytes written to the command's standard input (then closed). */
  stdin?: Buffer;
}

export interface ExecResult {
  /** Exit code; a command killed by a signal reports 128 + the signal number, or 255 if unknown. */
  code: number;
  stdout: string;
  stderr: string;
}

/** What is on the node at a path, as far as apply compares it. */
export interface RemoteFileState {
  /** Hex sha256 of the content. */
  sha256: string;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  /** user:group names; undefined when the transport does not manage owners (local mode as non-root). */
  owner: string | undefined;
}

export interface Transport {
  /** Node name, for messages. */
  readonly node: string;
  /** Runs a shell command; resolves whatever its exit code (see {@link execOrThrow}). */
  exec(cmd: string, opts?: ExecOptions): Promise<ExecResult>;
  /** The file's bytes, or undefined when it does not exist. */
  readFile(path: string): Promise<Buffer | undefined>;
  /** sha256, mode and owner of each path (undefined: not a regular file), in one round trip. */
  inspect(paths: readonly string[]): Promise<Map<string, RemoteFileState | undefined>>;
  /**
   * Uploads to a temp name in the same directory (`.<name>.<random>.tmp`),
   * sets mode and owner, then renames over `path`. The temp file is removed
   * on failure, so the node has either the old file or the new one.
   */
  writeFileAtomic(path: string, content: Buffer, mode: number, owner?: string): Promise<void>;
  /** mkdir -p; `mode` applies to the directories it creates. */
  mkdirp(path: string, mode: number): Promise<void>;
  close(): Promise<void>;
}

/** Quotes a string for a POSIX shell. */
export function shq(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The last `max` characters of a command's output, for error messages. */
export function outputOf(r: Pick<ExecResult, "stdout" | "stderr">, max = 4000): string {
  const all = [r.stdout.trimEnd(), r.stderr.trimEnd()].filter((s) => s !== "").join("\n");
  return all.length > max ? `...${all.slice(-max)}` : all;
}

/** Runs a command and throws DeployError("command-failed") with its output unless it exits 0. */
export async function execOrThrow(t: Transport, cmd: string, opts?: ExecOptions): Promise<ExecResult> {
  const r = await t.exec(cmd, opts);
  if (r.code !== 0) {
    const out = outputOf(r);
    throw new DeployError("command-failed", `${t.node}: \`${cmd}\` exited with code ${r.code}${out === "" ? " and no output" : `:\n${out}`}`, {
      field: t.node,
    });
  }
  return r;
}

/** The random part of temp file names. */
export function tempName(path: string): string {
  const slash = path.lastIndexOf("/");
  const dir = slash <= 0 ? (slash === 0 ? "" : ".") : path.slice(0, slash);
  const base = path.slice(slash + 1);
  const rand = Math.random().toString(36).slice(2, 10);
  return `${dir}/.${base}.${rand}.tmp`;
}

export function dirnameOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? (slash === 0 ? "/" : ".") : path.slice(0, slash);
}

/**
 * A POSIX shell script that prints, per path, `ok <mode-octal> <user:group> <sha256>`
 * or `missing`, one line each, in order. Needs coreutils (stat, sha256sum).
 */
export function inspectScript(paths: readonly string[]): string {
  const body =
    'for f in "$@"; do if [ -f "$f" ] && [ ! -L "$f" ]; then ' +
    'm=$(stat -c "%a %U:%G" -- "$f") && h=$(sha256sum < "$f") && echo "ok $m ${h%% *}" || exit 1; ' +
    "else echo missing; fi; done";
  return `sh -c ${shq(body)} inspect ${paths.map(shq).join(" ")}`;
}

/** Parses the output of {@link inspectScript}. */
export function parseInspectOutput(
  paths: readonly string[],
  stdout: string,
  withOwner = true,
): Map<string, RemoteFileState | undefined> {
  const lines = stdout.split("\n").filter((l) => l !== "");
  if (lines.length !== paths.length) {
    throw new DeployError("transport-failed", `inspect: expected ${paths.length} lines, got ${lines.length}: ${stdout.slice(0, 500)}`);
  }
  const out = new Map<string, RemoteFileState | undefined>();
  paths.forEach((p, i) => {
    const line = lines[i] ?? "";
    const m = /^ok ([0-7]+) (\S+) ([0-9a-f]{64})$/.exec(line);
    if (line === "missing") out.set(p, undefined);
    else if (m) out.set(p, { mode: parseInt(m[1] ?? "0", 8) & 0o7777, owner: withOwner ? m[2] : undefined, sha256: m[3] ?? "" });
    else throw new DeployError("transport-failed", `inspect ${p}: unexpected output ${JSON.stringify(line)}`);
  });
  return out;
}
