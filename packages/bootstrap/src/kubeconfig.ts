// Kubeconfigs for bootstrap: the cluster CA embedded, the server URL, a token user.
import { parseCertificatePem, isPkiError } from "@k8s/pki";
import jsYaml from "js-yaml";
import { BootstrapError } from "./errors.js";
import type { BootstrapToken } from "./token.js";

export interface KubeconfigOptions {
  /** https URL of the API server (or its load balancer). */
  server: string;
  /** PEM of the cluster CA that signed the API server certificate. */
  caPem: string;
  /**
   * Where that CA bundle is on the machine reading the kubeconfig: when set,
   * the kubeconfig references the file (`certificate-authority`) instead of
   * embedding it, so a renewed or rotated bundle is followed. A kubelet copies
   * the reference into the kubeconfig it writes after bootstrapping.
   */
  caFile?: string;
  clusterName?: string;
  userName?: string;
  contextName?: string;
}

/** Checks the server URL: https, a host, no path beyond "/". */
export function validateServerUrl(server: string): string {
  let u: URL;
  try {
    u = new URL(server);
  } catch {
    throw new BootstrapError("server-invalid", `--server ${JSON.stringify(server)} is not a URL (expected https://HOST:PORT)`, { field: "server" });
  }
  if (u.protocol !== "https:" || !u.hostname) throw new BootstrapError("server-invalid", `--server ${JSON.stringify(server)} must be an https:// URL with a host`, { field: "server" });
  return server.replace(/\/+$/, "");
}

/** Checks the CA PEM is a CA certificate; returns it normalised. */
export function validateCaPem(caPem: string, field = "ca-file"): string {
  try {
    const cert = parseCertificatePem(caPem, field);
    if (!cert.basicConstraints?.isCa) throw new BootstrapError("ca-invalid", `${field}: the certificate "${cert.subject.commonName}" is not a CA certificate`, { field });
  } catch (e) {
    if (e instanceof BootstrapError) throw e;
    throw new BootstrapError("ca-invalid", `${field}: not a PEM certificate (${isPkiError(e) ? e.message : String(e)})`, { field, cause: e });
  }
  return caPem;
}

/** A kubeconfig object with a token user. */
export function buildTokenKubeconfig(token: BootstrapToken, opts: KubeconfigOptions): Record<string, unknown> {
  const server = validateServerUrl(opts.server);
  const ca = validateCaPem(opts.caPem);
  const cluster = opts.clusterName ?? "kubernetes";
  const user = opts.userName ?? "kubelet-bootstrap";
  const context = opts.contextName ?? "default";
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster, cluster: { server, ...(opts.caFile !== undefined ? { "certificate-authority": opts.caFile } : { "certificate-authority-data": Buffer.from(ca).toString("base64") }) } }],
    contexts: [{ name: context, context: { cluster, user } }],
    "current-context": context,
    preferences: {},
    users: [{ name: user, user: { token: token.value } }],
  };
}

/** The bootstrap kubeconfig a kubelet reads through --bootstrap-kubeconfig, as YAML. */
export function renderBootstrapKubeconfig(token: BootstrapToken, opts: KubeconfigOptions): string {
  return jsYaml.dump(buildTokenKubeconfig(token, opts), { lineWidth: -1, noRefs: true });
}
