// A real OpenSSH server (Debian's openssh-server) on a free loopback port,
// for the SSH transport's tests: fresh ed25519 host and client keys, a
// config that accepts only that client key (as root), logs to the harness
// log file, and stops with the test's temp folder like every other process.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "./ports.js";
import { startProcess, waitFor, type ManagedProcess } from "./process.js";

export const SSHD = "/usr/sbin/sshd";

export interface Sshd {
  host: string;
  port: number;
  username: string;
  /** The client's private key, OpenSSH format. */
  privateKey: Buffer;
  /** `SHA256:...` of the host key, as `ssh-keygen -lf` prints it. */
  hostFingerprint: string;
  process: ManagedProcess;
  dir: string;
  stop(): Promise<void>;
}

function keygen(path: string, comment: string): void {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path], { stdio: ["ignore", "pipe", "pipe"] });
  chmodSync(path, 0o600);
}

/** Fingerprint of a `.pub` file's key, computed like OpenSSH does. */
export function fingerprintOfPublicKeyFile(pubPath: string): string {
  const blob = readFileSync(pubPath, "utf8").trim().split(/\s+/)[1];
  if (blob === undefined) throw new Error(`${pubPath}: not an OpenSSH public key`);
  return `SHA256:${createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64").replace(/=+$/, "")}`;
}

/** Resolves once a TCP connection to the port gets an SSH banner. */
function banner(host: string, port: number): Promise<string | undefined> {
  return new Promise((ok) => {
    const s = connect({ host, port });
    let data = "";
    const done = (v: string | undefined): void => {
      s.destroy();
      ok(v);
    };
    s.setTimeout(2000, () => done(undefined));
    s.on("data", (b: Buffer) => {
      data += b.toString("latin1");
      if (data.includes("\n")) done(data.startsWith("SSH-2.0-") ? data.trim() : undefined);
    });
    s.on("error", () => done(undefined));
    s.on("end", () => done(undefined));
  });
}

/** Starts sshd with everything under `dir` (keys, config, pid file, log `<dir>/<name>.log`). */
export async function startSshd(opts: { dir: string; name?: string }): Promise<Sshd> {
  const name = opts.name ?? "sshd";
  const dir = join(opts.dir, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKey = join(dir, "ssh_host_ed25519_key");
  const clientKey = join(dir, "client_ed25519");
  keygen(hostKey, `${name}-host`);
  keygen(clientKey, `${name}-client`);
  const authorized = join(dir, "authorized_keys");
  writeFileSync(authorized, readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  // sshd refuses to start without its privilege separation directory.
  if (!existsSync("/run/sshd")) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorized}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "StrictModes no",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UseDNS no",
      "LogLevel VERBOSE",
      "Subsystem sftp internal-sftp",
      "",
    ].join("\n"),
  );
  try {
    execFileSync(SSHD, ["-t", "-f", config], { stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: Buffer };
    throw new Error(`sshd rejects ${config}: ${err.stderr?.toString() ?? String(e)}`, { cause: e });
  }
  // sshd must be started by absolute path (it re-executes itself).
  const proc = await startProcess({ name, command: SSHD, args: ["-D", "-e", "-f", config], logDir: opts.dir, stopTimeoutMs: 5000 });
  await waitFor(() => banner("127.0.0.1", port), { what: `${name} banner on 127.0.0.1:${port}`, timeoutMs: 20_000, processes: [proc] });
  return {
    host: "127.0.0.1",
    port,
    username: "root",
    privateKey: readFileSync(clientKey),
    hostFingerprint: fingerprintOfPublicKeyFile(`${hostKey}.pub`),
    process: proc,
    dir,
    stop: async () => {
      await proc.stop();
    },
  };
}
