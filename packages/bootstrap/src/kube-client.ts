// Kubernetes API access for @k8s/bootstrap: loading a kubeconfig, and turning
// client-node failures into BootstrapErrors that say what went wrong.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { KubeConfig, RequestContext, ResponseContext } from "@kubernetes/client-node";
import { BootstrapError } from "./errors.js";

/**
 * Where a kubeconfig is looked for when none is given: the in-cluster service
 * account, $KUBECONFIG, ~/.kube/config. Without any, client-node falls back to
 * http://localhost:8080 and every request then fails with a misleading "HTTP
 * protocol is not allowed"; this names the places instead.
 */
function noKubeconfigFound(): BootstrapError | undefined {
  if (process.env.KUBERNETES_SERVICE_HOST || process.env.KUBECONFIG) return undefined;
  const home = join(homedir(), ".kube", "config");
  if (existsSync(home)) return undefined;
  return new BootstrapError(
    "kubeconfig-invalid",
    `no kubeconfig found: $KUBECONFIG is not set, ${home} does not exist, and this is not a pod (KUBERNETES_SERVICE_HOST is not set); pass --kubeconfig FILE (the admin.kubeconfig of the cluster, for example)`,
    { field: "kubeconfig" },
  );
}

/** Loads a kubeconfig file, or the in-cluster service account, $KUBECONFIG or ~/.kube/config when no path is given. */
export async function loadKubeConfig(path?: string): Promise<KubeConfig> {
  if (!path) {
    const none = noKubeconfigFound();
    if (none) throw none;
  }
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (e) {
    throw new BootstrapError("kubeconfig-invalid", `cannot load kubeconfig${path ? ` ${path}` : ""}: ${e instanceof Error ? e.message : String(e)}`, { field: "kubeconfig", cause: e });
  }
  if (!kc.getCurrentCluster()) throw new BootstrapError("kubeconfig-invalid", `kubeconfig${path ? ` ${path}` : ""} has no current cluster`, { field: "kubeconfig" });
  return kc;
}

/** The HTTP status of a client-node ApiException, if it is one. */
export function apiStatus(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** Maps an API failure to a BootstrapError: unreachable, forbidden, or the API's own message. */
export function toBootstrapError(e: unknown, what: string): BootstrapError {
  if (e instanceof BootstrapError) return e;
  const status = apiStatus(e);
  if (status !== undefined) {
    const body = (e as { body?: unknown }).body;
    let message = "";
    try {
      const parsed = typeof body === "string" ? JSON.parse(body) : body;
      message = (parsed as { message?: string })?.message ?? "";
    } catch {
      message = typeof body === "string" ? body : "";
    }
    const code = status === 401 || status === 403 ? "forbidden" : "api-error";
    return new BootstrapError(code, `${what}: HTTP ${status}${message ? `: ${message}` : ""}`, { cause: e });
  }
  const err = e as { code?: string; message?: string; errno?: string };
  const sys = err?.code ?? err?.errno;
  if (sys && /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)$/.test(sys)) {
    return new BootstrapError("api-unreachable", `${what}: the API server is unreachable (${sys})`, { cause: e });
  }
  return new BootstrapError("api-error", `${what}: ${err?.message ?? String(e)}`, { cause: e });
}

// client-node 1.4 leaves an error response's body as the raw JSON text of a Status.
function statusMessage(body: unknown): string {
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body ? `: ${body.slice(0, 200)}` : "";
    }
  }
  const msg = (parsed as { message?: unknown } | null)?.message;
  return typeof msg === "string" && msg ? `: ${msg}` : "";
}

/** One line for logs: `HTTP 409: <the Status message>`, or the error's message. */
export function describeApiError(e: unknown): string {
  const status = apiStatus(e);
  if (status !== undefined) return `HTTP ${status}${statusMessage((e as { body?: unknown }).body)}`;
  // client-node's Watch reports a non-200 reply as an Error with statusCode.
  const statusCode = (e as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === "number") return `HTTP ${statusCode} ${(e as Error).message}`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Per-call options that make a client-node 1.4 request abortable: it takes no
 * per-call signal, so a middleware sets one on the request (node-fetch honours it).
 */
export function abortableRequest(k8s: typeof import("@kubernetes/client-node"), signal: AbortSignal) {
  return {
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(signal);
          return new k8s.Observable(Promise.resolve(ctx));
        },
        post: (res: ResponseContext) => new k8s.Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: "append" as const,
  };
}
