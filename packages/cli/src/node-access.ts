// How a command reaches a deployed cluster's nodes, from the same flags as
// `deploy apply`: --local DIR (node N is DIR/N on this machine) or SSH
// (--ssh-user, --ssh-key, --ssh-port, --known-hosts). The library's
// nodeTransports does the rest.
import type { NodeAccess, SshSettings } from "@k8s/deploy";
import type { Command } from "commander";

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

/** The SSH flags as the library's settings (paths as given: the library resolves them against the CLI's cwd). */
export const sshSettings = (o: NodeAccessFlags): SshSettings => ({ user: o.sshUser, keyFile: o.sshKey, port: o.sshPort, knownHostsFile: o.knownHosts });

/** Local mode when `local` (already resolved) is set, else SSH. */
export const nodeAccess = (o: NodeAccessFlags, local: string | undefined): NodeAccess => (local !== undefined ? { local } : { ssh: sshSettings(o) });
