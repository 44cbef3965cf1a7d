// What render produces and apply consumes: the files and units of one node.

/** One file to put on a node. */
export interface RenderedFile {
  /** Absolute path on the node, e.g. /etc/kubernetes/pki/ca.pem. */
  path: string;
  /** Octal mode, e.g. 0o600 for keys, 0o755 for binaries. */
  mode: number;
  /** Owner as user:group; default root:root. */
  owner?: string;
  /** The bytes; for a file copied as it is (a binary, an image archive), its local path instead. */
  content: Buffer | { localPath: string };
}

/** A systemd unit and the files whose change means it must restart. */
export interface RenderedUnit {
  /** e.g. etcd.service */
  name: string;
  /** Paths (of this node's files) the unit reads: the unit file itself, its config, certificates, binary. */
  inputs: string[];
  /** Stage it belongs to, for ordering: host, etcd, network, master, bootstrap, worker. */
  stage: Stage;
}

export type Stage = "host" | "etcd" | "network" | "master" | "bootstrap" | "worker";
/** Apply order; `host` (kernel modules, sysctls, swap) comes before anything that needs them. */
export const STAGES: readonly Stage[] = ["host", "etcd", "network", "master", "bootstrap", "worker"];

/** A program a unit runs that the operator installs on the node (a distribution package); the deployer does not ship it. */
export interface HostBinary {
  /** Absolute path on the node. */
  path: string;
  /** Who runs it and what provides it, for the error when it is missing. */
  hint: string;
}

export interface RenderedNode {
  name: string;
  /** Address the deployer reaches it at (SSH host, or loopback in local mode). */
  address: string;
  roles: ("etcd" | "master" | "worker")[];
  files: RenderedFile[];
  units: RenderedUnit[];
  /** Programs the operator installs; apply checks each is an executable file on the node before changing any node. */
  hostBinaries?: HostBinary[];
}
