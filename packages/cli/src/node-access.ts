// How a command reaches a deployed cluster's nodes: local mode (node N is
// <dir>/N on this machine) or SSH with known_hosts checking, from the same
// flags as `deploy apply`.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { LocalTransport, sshTransportFor, type Transport } from "@k8s/deploy";
import type { Command } from "commander";
import { PlainError, resolvePath, type CliIo } from "./io.js";

export interface NodeAccessFlags {
  local?: string;
  sshUser: string;
  sshKey?: string;
  sshPort: string;
  knownHosts?: string;
}

/** Adds --local, --ssh-user, --ssh-key, --ssh-port and --known-hosts, as `deploy apply` has them. */
export function nodeAccessOptions(cmd: Command): Command {
  return cmd
    .option("--local <dir>", "local mode: node N is <dir>/N on this machine (as deploy apply --local)")
    .option("--ssh-user <user>", "SSH user (sudo -n when not root)", "root")
    .option("--ssh-key <file>", "SSH private key (OpenSSH format)")
    .option("--ssh-port <port>", "SSH port", "22")
    .option("--known-hosts <file>", "OpenSSH known_hosts holding every node's host key (default ~/.ssh/known_hosts)");
}

/**
 * One transport per node: LocalTransport over `<local>/<node>` (`local`
 * already resolved), else SSH refusing hosts missing from known_hosts.
 */
export async function nodeTransportFor(io: CliIo, o: NodeAccessFlags, local: string | undefined): Promise<(n: { name: string; address: string }) => Promise<Transport>> {
  if (local !== undefined) return (n) => Promise.resolve(new LocalTransport({ node: n.name, root: join(local, n.name) }));
  if (o.sshKey === undefined) throw new PlainError("--ssh-key is required (or --local DIR for local mode)");
  const port = Number(o.sshPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new PlainError(`invalid --ssh-port ${JSON.stringify(o.sshPort)}`);
  const privateKey = await readFile(resolvePath(io, o.sshKey)).catch((e: Error) => {
    throw new PlainError(`cannot read --ssh-key ${o.sshKey}: ${e.message}`);
  });
  const knownHostsPath = o.knownHosts !== undefined ? resolvePath(io, o.knownHosts) : join(homedir(), ".ssh", "known_hosts");
  const knownHosts = await readFile(knownHostsPath, "utf8").catch(() => "");
  return sshTransportFor({ username: o.sshUser, port, privateKey, knownHosts, knownHostsPath });
}
