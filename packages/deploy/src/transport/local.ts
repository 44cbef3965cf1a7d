// LocalTransport: the node is the local machine, with every absolute path
// mapped under a root folder (`/etc/kubernetes/x` -> `<root>/etc/kubernetes/x`)
// so that local mode and tests never touch the real /etc. Commands run with
// `sh -c` as they are; they are not path-mapped (the service manager passes
// mapped paths itself where it needs them, see {@link LocalTransport.hostPath}).
import { spawn } from "node:child_process";
import { chmod, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DeployError } from "../errors.js";
import {
  dirnameOf,
  inspectScript,
  parseInspectOutput,
  shq,
  tempName,
  type ExecOptions,
  type ExecResult,
  type RemoteFileState,
  type Transport,
} from "./transport.js";

export interface LocalTransportOptions {
  node: string;
  /** Folder standing for the node's `/`; "/" means the real file system. */
  root: string;
  /**
   * Apply owners (chown) and compare them. Default: only when running as
   * root, since nobody else can chown; otherwise owners are ignored.
   */
  manageOwners?: boolean;
}

function run(cmd: string, stdin: Buffer | undefined): Promise<ExecResult> {
  return new Promise((ok, fail) => {
    const child = spawn("sh", ["-c", cmd], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.stdin.on("error", () => undefined); // a command that does not read its input
    child.once("error", fail);
    child.once("close", (code, signal) => {
      ok({
        code: code ?? (signal ? 128 + (SIGNALS[signal] ?? 127) : 255),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
    child.stdin.end(stdin);
  });
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export class LocalTransport implements Transport {
  readonly node: string;
  readonly root: string;
  private readonly manageOwners: boolean;

  constructor(opts: LocalTransportOptions) {
    this.node = opts.node;
    this.root = resolve(opts.root);
    this.manageOwners = opts.manageOwners ?? process.getuid?.() === 0;
  }

  /** Where a node path lives on this machine. */
  hostPath(path: string): string {
    if (!path.startsWith("/")) throw new DeployError("transport-failed", `${this.node}: path ${path} is not absolute`, { field: path });
    return this.root === "/" ? path : join(this.root, path);
  }

  exec(cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return run(cmd, opts.stdin).catch((e: unknown) => {
      throw new DeployError("transport-failed", `${this.node}: cannot run \`${cmd}\`: ${(e as Error).message}`, { cause: e, field: this.node });
    });
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.hostPath(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new DeployError("transport-failed", `${this.node}: cannot read ${path}: ${(e as Error).message}`, { cause: e, field: path });
    }
  }

  async inspect(paths: readonly string[]): Promise<Map<string, RemoteFileState | undefined>> {
    if (paths.length === 0) return new Map();
    const host = paths.map((p) => this.hostPath(p));
    const r = await this.exec(inspectScript(host));
    if (r.code !== 0) throw new DeployError("transport-failed", `${this.node}: cannot inspect files: ${r.stderr.trim()}`, { field: this.node });
    const byHost = parseInspectOutput(host, r.stdout, this.manageOwners);
    return new Map(paths.map((p, i) => [p, byHost.get(host[i] ?? "")]));
  }

  async writeFileAtomic(path: string, content: Buffer, mode: number, owner?: string): Promise<void> {
    const target = this.hostPath(path);
    const tmp = tempName(target);
    try {
      const fh = await open(tmp, "wx", 0o600);
      try {
        await fh.writeFile(content);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await chmod(tmp, mode);
      if (owner !== undefined && this.manageOwners) {
        const r = await run(`chown ${shq(owner)} ${shq(tmp)}`, undefined);
        if (r.code !== 0) throw new Error(`chown ${owner}: ${r.stderr.trim()}`);
      }
      await rename(tmp, target);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw new DeployError("transport-failed", `${this.node}: cannot write ${path}: ${(e as Error).message}`, { cause: e, field: path });
    }
    await syncDir(dirnameOf(target));
  }

  async mkdirp(path: string, mode: number): Promise<void> {
    try {
      await mkdir(this.hostPath(path), { recursive: true, mode });
    } catch (e) {
      throw new DeployError("transport-failed", `${this.node}: cannot create ${path}: ${(e as Error).message}`, { cause: e, field: path });
    }
  }

  async close(): Promise<void> {
    // nothing to release
  }
}

/** fsync a directory so the rename is durable; best effort. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // some file systems refuse fsync on directories
  }
}
