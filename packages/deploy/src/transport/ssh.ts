// SshTransport: a node reached over SSH (ssh2, key authentication). Commands
// go through `exec` (wrapped in `sudo -n` when the user is not root), files
// through SFTP: written to `<dir>/.<name>.<random>.tmp`, fsynced, chmod and
// chown, then renamed over the target with posix-rename@openssh.com so the
// replacement is atomic. A non-root user cannot write /etc over SFTP, so with
// sudo the same steps run as one `sudo sh -c` fed the content on stdin.
//
// ssh2 is loaded on first connect, so commands that never reach a node do
// not pay for it (and bundlers can keep it external).
import { createHash, randomBytes } from "node:crypto";
import type { Client, ClientChannel, ConnectConfig, SFTPWrapper } from "ssh2";
import { DeployError } from "../errors.js";
import {
  dirnameOf,
  execOrThrow,
  inspectScript,
  outputOf,
  parseInspectOutput,
  shq,
  type ExecOptions,
  type ExecResult,
  type RemoteFileState,
  type Transport,
} from "./transport.js";

export interface SshTransportOptions {
  /** Node name, for messages. */
  node: string;
  host: string;
  port?: number;
  username: string;
  /** OpenSSH-format private key (ed25519, ecdsa or rsa). */
  privateKey: Buffer | string;
  passphrase?: string;
  /** Use `sudo -n` for commands and file writes when `username` is not root; default true. */
  sudo?: boolean;
  /**
   * Expected host key fingerprint(s), `SHA256:<base64>` as `ssh-keygen -lf`
   * prints them. Without it any host key is accepted (like
   * StrictHostKeyChecking=no): pass it whenever the deployer uploads keys.
   */
  hostFingerprints?: readonly string[];
  /** Connect and handshake timeout; default 15 s. */
  timeoutMs?: number;
  /** How files are written: SFTP (default when no sudo is needed) or `sudo sh -c` with the content on stdin. */
  upload?: "sftp" | "exec";
}

/** `SHA256:<base64 without padding>` of an SSH public key blob, as OpenSSH prints it. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

function describeConnectError(e: Error & { code?: string; level?: string }, opts: SshTransportOptions, timeoutMs: number): string {
  if (e.code === "ECONNREFUSED") return "connection refused";
  if (e.code === "ETIMEDOUT" || e.level === "client-timeout" || /timed out/i.test(e.message)) return `timed out after ${timeoutMs} ms`;
  if (e.code === "EHOSTUNREACH" || e.code === "ENETUNREACH") return "no route to host";
  if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") return `cannot resolve ${opts.host}`;
  if (e.level === "client-authentication") return `authentication as ${opts.username} with the given key failed`;
  if (/verification failed|host denied/i.test(e.message)) return "host key does not match the expected fingerprint";
  return e.message;
}

// A specifier in a variable: bundlers (the CLI's esbuild step) leave the
// import alone instead of trying to inline ssh2 and its native addons.
const SSH2_MODULE = "ssh2";
// ssh2 is CommonJS: its exports arrive as the default export.
const loadSsh2 = (): Promise<{ default: typeof import("ssh2") }> => import(SSH2_MODULE) as Promise<{ default: typeof import("ssh2") }>;

const SIGNAL_NUMBERS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ABRT: 6, KILL: 9, SEGV: 11, PIPE: 13, TERM: 15 };

export class SshTransport implements Transport {
  readonly node: string;
  readonly address: string;
  private readonly useSudo: boolean;
  private readonly username: string;
  private readonly upload: "sftp" | "exec";
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private lost: Error | undefined;

  private constructor(
    private readonly client: Client,
    opts: SshTransportOptions,
  ) {
    this.node = opts.node;
    this.address = `${opts.host}:${opts.port ?? 22}`;
    this.username = opts.username;
    this.useSudo = (opts.sudo ?? true) && opts.username !== "root";
    this.upload = opts.upload ?? (this.useSudo ? "exec" : "sftp");
    client.on("error", (e: Error) => {
      this.lost ??= e;
    });
    client.on("close", () => {
      this.lost ??= new Error("connection closed");
    });
  }

  /** Connects and authenticates; DeployError("node-unreachable") naming the node and address otherwise. */
  static async connect(opts: SshTransportOptions): Promise<SshTransport> {
    const { default: ssh2 } = await loadSsh2();
    const timeoutMs = opts.timeoutMs ?? 15_000;
    const address = `${opts.host}:${opts.port ?? 22}`;
    const client = new ssh2.Client();
    const expected = opts.hostFingerprints;
    const config: ConnectConfig = {
      host: opts.host,
      port: opts.port ?? 22,
      username: opts.username,
      privateKey: opts.privateKey,
      readyTimeout: timeoutMs,
      timeout: timeoutMs,
      keepaliveInterval: 15_000,
      ...(opts.passphrase === undefined ? {} : { passphrase: opts.passphrase }),
      ...(expected === undefined ? {} : { hostVerifier: (key: Buffer): boolean => expected.includes(sshFingerprint(key)) }),
    };
    await new Promise<void>((ok, fail) => {
      const onError = (e: Error & { code?: string; level?: string }): void => {
        client.removeListener("ready", onReady);
        client.end();
        fail(
          new DeployError("node-unreachable", `node ${opts.node} (${address}) unreachable: ${describeConnectError(e, opts, timeoutMs)}`, {
            cause: e,
            field: opts.node,
          }),
        );
      };
      const onReady = (): void => {
        client.removeListener("error", onError);
        ok();
      };
      client.once("ready", onReady);
      client.once("error", onError);
      try {
        client.connect(config);
      } catch (e) {
        // thrown synchronously for a key ssh2 cannot parse
        onError(new Error(`cannot use the private key: ${(e as Error).message}`));
        return;
      }
      // Requests are small and latency-bound: no Nagle.
      client.setNoDelay(true);
    });
    return new SshTransport(client, opts);
  }

  private fail(what: string, e: unknown, field?: string): DeployError {
    if (e instanceof DeployError) return e;
    const reason = this.lost ? `connection lost (${this.lost.message})` : (e as Error).message;
    return new DeployError("transport-failed", `${this.node} (${this.address}): ${what}: ${reason}`, { cause: e, field: field ?? this.node });
  }

  private wrap(cmd: string, sudo: boolean | undefined): string {
    return sudo && this.useSudo ? `sudo -n -- sh -c ${shq(cmd)}` : cmd;
  }

  exec(cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const wrapped = this.wrap(cmd, opts.sudo);
    return new Promise<ExecResult>((ok, fail) => {
      if (this.lost) return fail(this.fail(`cannot run \`${cmd}\``, this.lost));
      const onChannel = (err: Error | undefined, ch: ClientChannel): void => {
        if (err) return fail(this.fail(`cannot run \`${cmd}\``, err));
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | undefined;
        ch.on("data", (b: Buffer) => out.push(b));
        ch.stderr.on("data", (b: Buffer) => errOut.push(b));
        ch.on("exit", (...args: unknown[]) => {
          const [c, signal] = args;
          if (typeof c === "number") code = c;
          else if (typeof signal === "string") code = 128 + (SIGNAL_NUMBERS[signal] ?? 127);
        });
        ch.on("close", () => {
          const stdout = Buffer.concat(out).toString("utf8");
          const stderr = Buffer.concat(errOut).toString("utf8");
          if (code === undefined) return fail(this.fail(`\`${cmd}\` ended without an exit status`, new Error(outputOf({ stdout, stderr }) || "no output")));
          ok({ code, stdout, stderr });
        });
        ch.end(opts.stdin);
      };
      try {
        this.client.exec(wrapped, onChannel);
      } catch (e) {
        fail(this.fail(`cannot run \`${cmd}\``, e));
      }
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise<SFTPWrapper>((ok, fail) => {
      this.client.sftp((err: Error | undefined, s: SFTPWrapper) => (err ? fail(this.fail("cannot open SFTP", err)) : ok(s)));
    });
    this.sftpSession.catch(() => {
      this.sftpSession = undefined;
    });
    return this.sftpSession;
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    if (this.upload === "exec") {
      // base64: exec output is decoded as text
      const r = await this.exec(`if [ -e ${shq(path)} ]; then base64 < ${shq(path)}; else exit 3; fi`, { sudo: true });
      if (r.code === 3) return undefined;
      if (r.code !== 0) throw this.fail(`cannot read ${path}`, new Error(outputOf(r)), path);
      return Buffer.from(r.stdout.replace(/\s+/g, ""), "base64");
    }
    const sftp = await this.sftp();
    return new Promise((ok, fail) => {
      sftp.readFile(path, (err: (Error & { code?: number | string }) | undefined, data: Buffer) => {
        if (!err) return ok(data);
        if (err.code === 2 || err.code === "ENOENT") return ok(undefined); // SSH_FX_NO_SUCH_FILE
        fail(this.fail(`cannot read ${path}`, err, path));
      });
    });
  }

  async inspect(paths: readonly string[]): Promise<Map<string, RemoteFileState | undefined>> {
    if (paths.length === 0) return new Map();
    const r = await this.exec(inspectScript(paths), { sudo: true });
    if (r.code !== 0) throw this.fail("cannot inspect files", new Error(outputOf(r)));
    return parseInspectOutput(paths, r.stdout);
  }

  async mkdirp(path: string, mode: number): Promise<void> {
    await execOrThrow(this, `mkdir -p -m ${mode.toString(8)} -- ${shq(path)}`, { sudo: true });
  }

  async writeFileAtomic(path: string, content: Buffer, mode: number, owner?: string): Promise<void> {
    const dir = dirnameOf(path);
    const base = path.slice(path.lastIndexOf("/") + 1);
    const tmp = `${dir === "/" ? "" : dir}/.${base}.${randomBytes(6).toString("hex")}.tmp`;
    if (this.upload === "exec") return this.writeWithShell(path, tmp, content, mode, owner);
    const sftp = await this.sftp();
    try {
      await sftpWrite(sftp, tmp, content);
      await call<void>((cb) => sftp.chmod(tmp, mode, cb));
      // Every exec costs a session on the node (~100 ms): root's files are root's already.
      const rootsAlready = this.username === "root" && (owner === "root" || owner === "root:root");
      if (owner !== undefined && !rootsAlready) await execOrThrow(this, `chown ${shq(owner)} -- ${shq(tmp)}`, { sudo: true });
      try {
        await call<void>((cb) => sftp.ext_openssh_rename(tmp, path, cb));
      } catch (e) {
        if (!/does not support/.test((e as Error).message)) throw e;
        await execOrThrow(this, `mv -f -- ${shq(tmp)} ${shq(path)}`, { sudo: true });
      }
    } catch (e) {
      await call<void>((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
      throw this.fail(`cannot write ${path}`, e, path);
    }
  }

  private async writeWithShell(path: string, tmp: string, content: Buffer, mode: number, owner: string | undefined): Promise<void> {
    const q = shq(tmp);
    const script =
      `umask 077; trap 'rm -f -- ${q}' EXIT; set -e; cat > ${q}; ` +
      `chmod ${mode.toString(8)} -- ${q}; ${owner === undefined ? "" : `chown ${shq(owner)} -- ${q}; `}` +
      `sync -- ${q} 2>/dev/null || true; mv -f -- ${q} ${shq(path)}`;
    const r = await this.exec(`sh -c ${shq(script)}`, { sudo: true, stdin: content });
    if (r.code !== 0) throw this.fail(`cannot write ${path}`, new Error(outputOf(r) || `exit code ${r.code}`), path);
  }

  async close(): Promise<void> {
    if (this.lost) return;
    await new Promise<void>((ok) => {
      const timer = setTimeout(ok, 2000);
      this.client.once("close", () => {
        clearTimeout(timer);
        ok();
      });
      this.client.end();
    });
  }
}

/** Adapts a node-style callback call to a promise. */
function call<T>(f: (cb: (err: Error | undefined | null, v?: T) => void) => void): Promise<T> {
  return new Promise<T>((ok, fail) => {
    try {
      f((err, v) => (err ? fail(err) : ok(v as T)));
    } catch (e) {
      fail(e as Error);
    }
  });
}

/** Creates `path` exclusively (0600), writes `content` with a few writes in flight, fsyncs if the server can, closes. */
async function sftpWrite(sftp: SFTPWrapper, path: string, content: Buffer): Promise<void> {
  const handle = await call<Buffer>((cb) => sftp.open(path, "wx", { mode: 0o600 }, cb));
  let closed = false;
  try {
    const chunk = 64 * 1024;
    const inFlight = 8;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < content.length) {
        const offset = next;
        next += chunk;
        const len = Math.min(chunk, content.length - offset);
        await call<void>((cb) => sftp.write(handle, content, offset, len, offset, cb));
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, Math.ceil(content.length / chunk)) }, worker));
    try {
      await call<void>((cb) => sftp.ext_openssh_fsync(handle, cb));
    } catch {
      // server without fsync@openssh.com: the rename is still atomic, only not durable
    }
    closed = true;
    await call<void>((cb) => sftp.close(handle, cb));
  } finally {
    if (!closed) await call<void>((cb) => sftp.close(handle, cb)).catch(() => undefined);
  }
}
