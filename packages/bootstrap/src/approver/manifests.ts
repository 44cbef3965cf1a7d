// The objects to run the approver in a cluster: least-privilege RBAC, a
// ServiceAccount and a two-replica Deployment with probes.
import jsYaml from "js-yaml";
import { MANAGED_BY } from "../rbac.js";
import { KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from "./csr-facts.js";

/**
 * V8 flags for the approver's process. Loading @kubernetes/client-node alone
 * takes about 70 MB of RSS; a 1 MB young generation and a capped old
 * generation keep the whole process near 100 MB under load.
 */
export const APPROVER_NODE_OPTIONS = "--max-semi-space-size=1 --max-old-space-size=128";

export interface ManifestOptions {
  namespace?: string;
  image?: string;
  replicas?: number;
  /** Extra `approver run` arguments. */
  args?: string[];
}

export function approverManifests(o: ManifestOptions = {}): Record<string, unknown>[] {
  const ns = o.namespace ?? "k8s-pki-approver";
  const name = "k8s-pki-approver";
  const labels = { "app.kubernetes.io/name": name, ...MANAGED_BY };
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: ns, labels } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name, labels },
      rules: [
        { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/approval"], verbs: ["update"] },
        { apiGroups: ["certificates.k8s.io"], resources: ["signers"], resourceNames: [KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER], verbs: ["approve"] },
        { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
        // list: with --cidr, the addresses every other Node claims.
        { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list"] },
        { apiGroups: [""], resources: ["events"], verbs: ["create"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name, namespace: ns }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name, namespace: ns, labels },
      rules: [{ apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name, namespace: ns, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace: ns }],
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: ns, labels },
      spec: {
        replicas: o.replicas ?? 2,
        selector: { matchLabels: { "app.kubernetes.io/name": name } },
        template: {
          metadata: { labels: { "app.kubernetes.io/name": name } },
          spec: {
            serviceAccountName: name,
            priorityClassName: "system-cluster-critical",
            tolerations: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "approver",
                image: o.image ?? "k8s-pki:latest",
                args: ["approver", "run", "--lease-namespace", ns, "--listen", ":8081", ...(o.args ?? [])],
                env: [
                  { name: "K8S_PKI_APPROVER_IDENTITY", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                  { name: "NODE_OPTIONS", value: APPROVER_NODE_OPTIONS },
                ],
                ports: [{ name: "http", containerPort: 8081 }],
                livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5 },
                resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "192Mi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
              },
            ],
          },
        },
      },
    },
  ];
}

export function renderApproverManifests(o: ManifestOptions = {}): string {
  return approverManifests(o).map((m) => jsYaml.dump(m, { lineWidth: -1, noRefs: true })).join("---\n");
}
