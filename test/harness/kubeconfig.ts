// kubeconfig files with everything embedded (base64 *-data fields), so a
// file is self-contained and can be handed to kubectl, the kubelet or
// @kubernetes/client-node alike.
import { writePrivateFile } from "./files.js";

export type KubeconfigUser = { clientCert: string; clientKey: string } | { token: string };

export interface KubeconfigSpec {
  server: string;
  caPem: string;
  user: KubeconfigUser;
  /** Name used for the cluster, user and context entries. */
  name?: string;
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
// JSON strings are valid YAML scalars, and quote whatever needs quoting.
const q = (s: string): string => JSON.stringify(s);

export function renderKubeconfig(spec: KubeconfigSpec): string {
  const name = spec.name ?? "harness";
  const user =
    "token" in spec.user
      ? [`    token: ${q(spec.user.token)}`]
      : [`    client-certificate-data: ${b64(spec.user.clientCert)}`, `    client-key-data: ${b64(spec.user.clientKey)}`];
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${q(name)}`,
    "  cluster:",
    `    server: ${q(spec.server)}`,
    `    certificate-authority-data: ${b64(spec.caPem)}`,
    "users:",
    `- name: ${q(name)}`,
    "  user:",
    ...user,
    "contexts:",
    `- name: ${q(name)}`,
    "  context:",
    `    cluster: ${q(name)}`,
    `    user: ${q(name)}`,
    `current-context: ${q(name)}`,
    "",
  ].join("\n");
}

/** Writes the kubeconfig with mode 0600: it holds a private key or a token. */
export function writeKubeconfig(path: string, spec: KubeconfigSpec): string {
  return writePrivateFile(path, renderKubeconfig(spec));
}
