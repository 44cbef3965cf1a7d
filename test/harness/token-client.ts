// A client-node KubeConfig that authenticates with a bearer token against a
// harness control plane, and a wait for the API server to accept the token
// (its bootstrap-token authenticator reads Secrets through an informer).
import * as k8s from "@kubernetes/client-node";
import { waitFor } from "./process.js";

export function tokenKubeConfig(cluster: { url: string; caPem: string }, token: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: cluster.url, caData: Buffer.from(cluster.caPem).toString("base64") }],
    users: [{ name: "u", token }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

/** Resolves once a SelfSubjectReview with this KubeConfig succeeds. */
export async function waitForAcceptedToken(kc: k8s.KubeConfig, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      try {
        await kc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
        return true;
      } catch {
        return false;
      }
    },
    { what: "bootstrap token accepted", timeoutMs },
  );
}
