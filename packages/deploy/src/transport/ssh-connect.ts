// How the deployer's commands reach real nodes over SSH: one transport per
// node, refusing any host whose key is not in known_hosts.
import { DeployError } from "../errors.js";
import { knownHostFingerprints } from "./known-hosts.js";
import { SshTransport } from "./ssh.js";
import type { Transport } from "./transport.js";

export interface SshAccess {
  /** SSH user (`sudo -n` when not root). */
  username: string;
  port: number;
  /** OpenSSH private key. */
  privateKey: Buffer;
  /** Text of an OpenSSH known_hosts file (plain or hashed entries). */
  knownHosts: string;
  /** Where `knownHosts` came from, for messages. */
  knownHostsPath: string;
}

/**
 * A `transportFor` for SSH: connects to the node's address, accepting only
 * the host keys known_hosts lists for it. A node with none is refused with
 * DeployError("node-unreachable") before any connection is made.
 */
export function sshTransportFor(access: SshAccess): (n: { name: string; address: string }) => Promise<Transport> {
  return async (n) => {
    // Never talk to an unverified host: its key must be in known_hosts (ssh-keyscan it first, and check it).
    const hostFingerprints = knownHostFingerprints(access.knownHosts, n.address, access.port);
    if (hostFingerprints.length === 0) {
      throw new DeployError(
        "node-unreachable",
        `node ${n.name} (${n.address}): no host key in ${access.knownHostsPath}; add it (ssh-keyscan -p ${access.port} ${n.address}) after checking it`,
        { field: n.name },
      );
    }
    return SshTransport.connect({ node: n.name, host: n.address, port: access.port, username: access.username, privateKey: access.privateKey, hostFingerprints });
  };
}
