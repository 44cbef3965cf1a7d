// Idempotent apply of the csr-crb RBAC objects: create what is missing,
// update what differs, leave the rest, and say which was which.
import type { KubeConfig, V1ClusterRole, V1ClusterRoleBinding } from "@kubernetes/client-node";
import { apiStatus, toBootstrapError } from "./kube-client.js";
import type { ClusterRole, ClusterRoleBinding, RbacObject } from "./rbac.js";

export type ApplyOutcome = "created" | "configured" | "unchanged";

export interface ApplyResult {
  kind: RbacObject["kind"];
  name: string;
  outcome: ApplyOutcome;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function normSubjects(s: V1ClusterRoleBinding["subjects"]): unknown {
  return (s ?? []).map((x) => ({ kind: x.kind, apiGroup: x.apiGroup ?? (x.kind === "ServiceAccount" ? "" : "rbac.authorization.k8s.io"), name: x.name, namespace: x.namespace }));
}
function normRules(r: V1ClusterRole["rules"]): unknown {
  return (r ?? []).map((x) => ({ apiGroups: x.apiGroups ?? [], resources: x.resources ?? [], verbs: x.verbs ?? [], resourceNames: x.resourceNames ?? [], nonResourceURLs: x.nonResourceURLs ?? [] }));
}
function labelsMatch(have: Record<string, string> | undefined, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) => have?.[k] === v);
}

/** Applies the objects in order; a second run reports every object unchanged. */
export async function applyRbac(kc: KubeConfig, objects: RbacObject[]): Promise<ApplyResult[]> {
  const k8s = await import("@kubernetes/client-node");
  const api = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const results: ApplyResult[] = [];
  for (const obj of objects) {
    const name = obj.metadata.name;
    const what = `apply ${obj.kind} ${name}`;
    try {
      if (obj.kind === "ClusterRole") {
        results.push({ kind: obj.kind, name, outcome: await applyRole(api, obj) });
      } else {
        results.push({ kind: obj.kind, name, outcome: await applyBinding(api, obj) });
      }
    } catch (e) {
      throw toBootstrapError(e, what);
    }
  }
  return results;

  async function applyRole(a: typeof api, want: ClusterRole): Promise<ApplyOutcome> {
    let have: V1ClusterRole;
    try {
      have = await a.readClusterRole({ name: want.metadata.name });
    } catch (e) {
      if (apiStatus(e) !== 404) throw e;
      await a.createClusterRole({ body: want as V1ClusterRole });
      return "created";
    }
    if (sameJson(normRules(have.rules), normRules(want.rules)) && labelsMatch(have.metadata?.labels, want.metadata.labels)) return "unchanged";
    await a.replaceClusterRole({
      name: want.metadata.name,
      body: { ...(want as V1ClusterRole), metadata: { ...have.metadata, labels: { ...have.metadata?.labels, ...want.metadata.labels } } },
    });
    return "configured";
  }

  async function applyBinding(a: typeof api, want: ClusterRoleBinding): Promise<ApplyOutcome> {
    let have: V1ClusterRoleBinding;
    try {
      have = await a.readClusterRoleBinding({ name: want.metadata.name });
    } catch (e) {
      if (apiStatus(e) !== 404) throw e;
      await a.createClusterRoleBinding({ body: want as V1ClusterRoleBinding });
      return "created";
    }
    const sameRef = have.roleRef.name === want.roleRef.name && have.roleRef.kind === want.roleRef.kind;
    if (sameRef && sameJson(normSubjects(have.subjects), normSubjects(want.subjects)) && labelsMatch(have.metadata?.labels, want.metadata.labels)) {
      return "unchanged";
    }
    if (!sameRef) {
      // roleRef is immutable: replace the binding.
      await a.deleteClusterRoleBinding({ name: want.metadata.name });
      await a.createClusterRoleBinding({ body: want as V1ClusterRoleBinding });
      return "configured";
    }
    await a.replaceClusterRoleBinding({
      name: want.metadata.name,
      body: { ...(want as V1ClusterRoleBinding), metadata: { ...have.metadata, labels: { ...have.metadata?.labels, ...want.metadata.labels } } },
    });
    return "configured";
  }
}
