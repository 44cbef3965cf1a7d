// CliIo: the process edges a command touches, injectable so commands run in
// process under test with captured output.
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  readStdin(): Promise<Buffer>;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Clock for log lines. */
  now(): Date;
}

let pipeGuarded = false;

/**
 * A reader that stops early (`k8s-pki deploy plan -o json | head`) closes the
 * pipe: end quietly with 141, as cfssl (a Go program, killed by SIGPIPE) does,
 * instead of Node's unhandled EPIPE stack trace.
 */
function guardClosedPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(141);
    throw e;
  });
}

export function processIo(): CliIo {
  guardClosedPipe();
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
  };
}

export const resolvePath = (io: CliIo, p: string): string => (isAbsolute(p) ? p : resolve(io.cwd, p));

/** A plain error, printed as its message (cfssl prints non-cfssl errors that way). */
export class PlainError extends Error {
  override readonly name = "PlainError";
}

/** Reads a file; Go's "open NAME: no such file or directory" wording on failure. */
export async function readPlain(io: CliIo, path: string): Promise<Buffer> {
  try {
    return await readFile(resolvePath(io, path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : String(e);
    throw new PlainError(`open ${path}: ${why}`, { cause: e });
  }
}

/** cfssl's cli.ReadStdin: `-` is standard input. */
export const readStdinOrFile = (io: CliIo, name: string): Promise<Buffer> => (name === "-" ? io.readStdin() : readPlain(io, name));

/** cfssl's helpers.ReadBytes: `file:PATH`, `env:VAR` or a bare path. */
export async function readBytes(io: CliIo, spec: string): Promise<Buffer> {
  const parts = spec.split(":");
  if (parts.length === 1) return readPlain(io, spec);
  const [prefix, ...rest] = parts;
  const value = rest.join(":");
  if (prefix === "env") return Buffer.from(io.env[value] ?? "");
  if (prefix === "file") return readPlain(io, value);
  throw new PlainError(`unknown prefix: ${prefix}`);
}

const pad = (n: number): string => String(n).padStart(2, "0");

/** A log line in Go's log format, as cfssl writes them to stderr. */
export function logLine(io: CliIo, level: "INFO" | "WARNING" | "ERROR", msg: string): void {
  const d = io.now();
  io.stderr(`${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} [${level}] ${msg}\n`);
}

