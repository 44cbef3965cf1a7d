// Bootstrap tokens as kubeadm makes them: a Secret kube-system/bootstrap-token-<id>
// the apiserver's bootstrap authenticator reads, plus the binding that lets
// the token's group create CSRs. Test plumbing only; the product code for
// tokens lives in @k8s/bootstrap and is tested against this cluster.
import { randomBytes } from "node:crypto";
import { ApiException, CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { writeKubeconfig } from "./kubeconfig.js";

export interface BootstrapToken {
  id: string;
  secret: string;
  /** `<id>.<secret>`, what a client sends as its bearer token. */
  token: string;
  /** The user the apiserver authenticates the token as: `system:bootstrap:<id>`. */
  username: string;
  expiration: Date;
}

export interface CreateBootstrapTokenOptions {
  ttlMs?: number;
  /** Extra groups; each must match `system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]`. */
  extraGroups?: readonly string[];
  description?: string;
}

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Random [a-z0-9] string; bytes >= 252 are dropped so every character is equally likely. */
export function randomTokenString(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b >= 252) continue;
      out += ALPHABET[b % 36];
      if (out.length === length) break;
    }
  }
  return out;
}

// RFC 3339 without fractional seconds, as kubeadm writes it.
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export async function createBootstrapToken(kc: KubeConfig, opts: CreateBootstrapTokenOptions = {}): Promise<BootstrapToken> {
  const id = randomTokenString(6);
  const secret = randomTokenString(16);
  const expiration = new Date(Date.now() + (opts.ttlMs ?? 3_600_000));
  const data: Record<string, string> = {
    "token-id": id,
    "token-secret": secret,
    expiration: rfc3339(expiration),
    "usage-bootstrap-authentication": "true",
    "usage-bootstrap-signing": "true",
  };
  if (opts.description) data.description = opts.description;
  if (opts.extraGroups?.length) data["auth-extra-groups"] = opts.extraGroups.join(",");
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: "kube-system",
    body: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `bootstrap-token-${id}`, namespace: "kube-system" },
      type: "bootstrap.kubernetes.io/token",
      stringData: data,
    },
  });
  return { id, secret, token: `${id}.${secret}`, username: `system:bootstrap:${id}`, expiration };
}

/** ClusterRoleBinding `kubelet-bootstrap`: system:node-bootstrapper for the bootstrappers group. Idempotent. */
export async function ensureKubeletBootstrapBinding(kc: KubeConfig, group = "system:bootstrappers"): Promise<void> {
  try {
    await kc.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "kubelet-bootstrap" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:node-bootstrapper" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: group }],
      },
    });
  } catch (e) {
    if (!(e instanceof ApiException && e.code === 409)) throw e;
  }
}

/** A kubeconfig that authenticates with the bootstrap token, for `kubelet --bootstrap-kubeconfig`. */
export function writeBootstrapKubeconfig(path: string, cluster: { url: string; caPem: string }, token: BootstrapToken): string {
  return writeKubeconfig(path, { server: cluster.url, caPem: cluster.caPem, user: { token: token.token }, name: "bootstrap" });
}
