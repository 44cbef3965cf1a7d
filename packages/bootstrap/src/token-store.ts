// Bootstrap tokens in the cluster: create, list and delete their Secrets.
import type { KubeConfig, V1Secret } from "@kubernetes/client-node";
import { BootstrapError } from "./errors.js";
import { apiStatus, toBootstrapError } from "./kube-client.js";
import type { BootstrapToken } from "./token.js";
import { buildTokenSecret, SECRET_NAMESPACE, SECRET_PREFIX, SECRET_TYPE, tokenFromSecretData, type TokenInfo, type TokenOptions } from "./token-secret.js";

async function coreApi(kc: KubeConfig) {
  const k8s = await import("@kubernetes/client-node");
  return kc.makeApiClient(k8s.CoreV1Api);
}

/** Creates the token's Secret; fails if one with the same id exists. */
export async function createToken(kc: KubeConfig, token: BootstrapToken, opts: TokenOptions = {}): Promise<V1Secret> {
  const body = buildTokenSecret(token, opts);
  const api = await coreApi(kc);
  try {
    return await api.createNamespacedSecret({ namespace: SECRET_NAMESPACE, body: body as V1Secret });
  } catch (e) {
    if (apiStatus(e) === 409) throw new BootstrapError("api-error", `a bootstrap token with id ${JSON.stringify(token.id)} already exists`, { field: "token", cause: e });
    throw toBootstrapError(e, `create bootstrap token ${token.id}`);
  }
}

export interface ListResult {
  tokens: TokenInfo[];
  /** Secrets that are not valid bootstrap tokens, with why (kubeadm prints these to stderr and goes on). */
  invalid: { name: string; error: string }[];
}

export async function listTokens(kc: KubeConfig): Promise<ListResult> {
  const api = await coreApi(kc);
  let items: V1Secret[];
  try {
    items = (await api.listNamespacedSecret({ namespace: SECRET_NAMESPACE, fieldSelector: `type=${SECRET_TYPE}` })).items;
  } catch (e) {
    throw toBootstrapError(e, "list bootstrap tokens");
  }
  const out: ListResult = { tokens: [], invalid: [] };
  for (const s of items) {
    const name = s.metadata?.name ?? "";
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.data ?? {})) data[k] = Buffer.from(v, "base64").toString("utf8");
    try {
      out.tokens.push(tokenFromSecretData(name, data));
    } catch (e) {
      out.invalid.push({ name, error: e instanceof Error ? e.message : String(e) });
    }
  }
  out.tokens.sort((a, b) => a.token.id.localeCompare(b.token.id));
  return out;
}

/** Deletes a token's Secret by id. */
export async function deleteToken(kc: KubeConfig, id: string): Promise<void> {
  const api = await coreApi(kc);
  try {
    await api.deleteNamespacedSecret({ name: `${SECRET_PREFIX}${id}`, namespace: SECRET_NAMESPACE });
  } catch (e) {
    if (apiStatus(e) === 404) throw new BootstrapError("token-not-found", `bootstrap token ${JSON.stringify(id)} not found`, { field: "token", cause: e });
    throw toBootstrapError(e, `delete bootstrap token ${id}`);
  }
}
