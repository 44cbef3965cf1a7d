// The csr-crb RBAC objects of a binary-deployed cluster, as data: who may ask
// for certificates, whose CSRs may be approved, and the API server's kubelet access.
import jsYaml from "js-yaml";

export interface RbacSubject {
  kind: "Group" | "User";
  apiGroup: "rbac.authorization.k8s.io";
  name: string;
}
export interface ClusterRoleBinding {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "ClusterRoleBinding";
  metadata: { name: string; labels: Record<string, string> };
  roleRef: { apiGroup: "rbac.authorization.k8s.io"; kind: "ClusterRole"; name: string };
  subjects: RbacSubject[];
}
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
export interface ClusterRole {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "ClusterRole";
  metadata: { name: string; labels: Record<string, string> };
  rules: PolicyRule[];
}
export type RbacObject = ClusterRole | ClusterRoleBinding;

export const MANAGED_BY = { "app.kubernetes.io/managed-by": "k8s-pki" };
const CSR_ROLE = "system:certificates.k8s.io:certificatesigningrequests";

const group = (name: string): RbacSubject => ({ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name });
const user = (name: string): RbacSubject => ({ kind: "User", apiGroup: "rbac.authorization.k8s.io", name });
const binding = (name: string, role: string, subjects: RbacSubject[]): ClusterRoleBinding => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRoleBinding",
  metadata: { name, labels: { ...MANAGED_BY } },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
  subjects,
});

export interface RbacOptions {
  /** The user the API server authenticates as to kubelets (its --kubelet-client-certificate CN). Default `kubernetes`. */
  apiserverKubeletUser?: string;
}

/** The objects, in apply order (roles before the bindings that name them). */
export function csrRbacObjects(opts: RbacOptions = {}): RbacObject[] {
  return [
    // Bootstrappers may create CSRs at all.
    binding("kubelet-bootstrap", "system:node-bootstrapper", [group("system:bootstrappers")]),
    // ...and their node client CSRs may be approved (the SAR the approvers check).
    binding("auto-approve-csrs-for-group", `${CSR_ROLE}:nodeclient`, [group("system:bootstrappers")]),
    // Nodes may renew their own client certificates.
    binding("node-client-cert-renewal", `${CSR_ROLE}:selfnodeclient`, [group("system:nodes")]),
    // Nodes may renew their own serving certificates: no in-tree role exists, so we define it.
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "approve-node-server-renewal-csr", labels: { ...MANAGED_BY } },
      rules: [{ apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/selfnodeserver"], verbs: ["create"] }],
    },
    binding("node-server-cert-renewal", "approve-node-server-renewal-csr", [group("system:nodes")]),
    // The API server reaches kubelets (logs, exec, metrics) as this user.
    binding("kube-apiserver:kubelet-apis", "system:kubelet-api-admin", [user(opts.apiserverKubeletUser ?? "kubernetes")]),
  ];
}

/** The objects as one multi-document YAML, like a hand-made csr-crb.yaml. */
export function renderRbacYaml(objects: RbacObject[] = csrRbacObjects()): string {
  return objects.map((o) => jsYaml.dump(o, { lineWidth: -1, noRefs: true })).join("---\n");
}
