// How a workflow reaches a cluster's nodes: local mode (node N is <root>/N on
// this machine) or SSH with host keys from known_hosts. The settings are the
// ones `deploy apply`, `certs check --inventory` and `rotate-ca finish` share,
// taken as the user gave them, so the messages name what the user typed.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { DeployError } from "../errors.js";
import { LocalTransport } from "../transport/local.js";
import { sshTransportFor } from "../transport/ssh-connect.js";
import type { Transport } from "../transport/transport.js";

/** SSH access, as given on the command line (`--ssh-user`, `--ssh-key`, `--ssh-port`, `--known-hosts`). */
export interface SshSettings {
  /** SSH user; `sudo -n` is used when it is not root. */
  user: string;
  /** OpenSSH private key file, relative to `cwd` unless absolute; required. */
  keyFile?: string;
  /** 1-65535; a string is parsed as the flag would be. */
  port: string | number;
  /** OpenSSH known_hosts file; default `<homeDir>/.ssh/known_hosts` (a missing file knows no host). */
  knownHostsFile?: string;
}

/** Where a cluster's nodes are: folders on this machine, or hosts over SSH. */
export type NodeAccess = { local: string } | { ssh: SshSettings };

export interface NodeTransportsOptions {
  /** What relative paths in the settings are relative to; default the process's. */
  cwd?: string;
  /** Home folder for the default known_hosts; default the user's. */
  homeDir?: string;
}

/** Opens one node's transport; each call gives a new one, the caller closes it. */
export type TransportFor = (n: { name: string; address: string }) => Promise<Transport>;

/**
 * One transport per node: LocalTransport over `<local>/<node>`, else SSH
 * refusing hosts missing from known_hosts. Bad SSH settings throw
 * DeployError("transport-failed") whose `field` names the setting
 * (`ssh.keyFile`, `ssh.port`); nothing connects before a node is asked for.
 */
export async function nodeTransports(access: NodeAccess, opts: NodeTransportsOptions = {}): Promise<TransportFor> {
  if ("local" in access) {
    const root = access.local;
    return (n) => Promise.resolve(new LocalTransport({ node: n.name, root: join(root, n.name) }));
  }
  const s = access.ssh;
  const cwd = opts.cwd ?? process.cwd();
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));
  if (s.keyFile === undefined) throw new DeployError("transport-failed", "--ssh-key is required (or --local DIR for local mode)", { field: "ssh.keyFile" });
  const port = Number(s.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DeployError("transport-failed", `invalid --ssh-port ${JSON.stringify(s.port)}`, { field: "ssh.port" });
  const keyFile = s.keyFile;
  const privateKey = await readFile(at(keyFile)).catch((e: Error) => {
    throw new DeployError("transport-failed", `cannot read --ssh-key ${keyFile}: ${e.message}`, { field: "ssh.keyFile", cause: e });
  });
  const knownHostsPath = s.knownHostsFile !== undefined ? at(s.knownHostsFile) : join(opts.homeDir ?? homedir(), ".ssh", "known_hosts");
  const knownHosts = await readFile(knownHostsPath, "utf8").catch(() => "");
  return sshTransportFor({ username: s.user, port, privateKey, knownHosts, knownHostsPath });
}
