// The CSR approver as a systemd unit on every master (`k8s-pki approver run`),
// one leader at a time through its Lease, authenticated by its own client
// certificate (user system:k8s-pki-approver, no group) that the RBAC here
// binds to exactly what it needs: read and approve kubelet CSRs, SubjectAccessReviews,
// Node reads, Events, and its one Lease in kube-system. cluster-objects.service
// applies the RBAC; the in-cluster Deployment (`k8s-pki approver manifests`) is not used.
import { APPROVER_NODE_OPTIONS, approverManifests, MANAGED_BY } from "@k8s/bootstrap";
import jsYaml from "js-yaml";
import { APPROVER_LEASE, APPROVER_NAME, APPROVER_PORT } from "../components/well-known.js";
import { findCert } from "../plan-model.js";
import type { RenderContext } from "./context.js";
import { renderUnit } from "./systemd.js";

export { APPROVER_LEASE, APPROVER_NAME, APPROVER_PORT };

const RBAC = "rbac.authorization.k8s.io";

/** ClusterRole (the same rules as the in-cluster manifests), its binding to the approver's user, and a Role for its Lease only. */
export function approverRbacObjects(user: string): Record<string, unknown>[] {
  const inCluster = approverManifests().find((o) => o.kind === "ClusterRole") as { rules: unknown[] } | undefined;
  if (inCluster === undefined) throw new Error("approverManifests() has no ClusterRole");
  const labels = { "app.kubernetes.io/name": APPROVER_NAME, ...MANAGED_BY };
  const subjects = [{ kind: "User", apiGroup: RBAC, name: user }];
  const { namespace, name: lease } = APPROVER_LEASE;
  return [
    { apiVersion: `${RBAC}/v1`, kind: "ClusterRole", metadata: { name: APPROVER_NAME, labels }, rules: inCluster.rules },
    { apiVersion: `${RBAC}/v1`, kind: "ClusterRoleBinding", metadata: { name: APPROVER_NAME, labels }, roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: APPROVER_NAME }, subjects },
    {
      apiVersion: `${RBAC}/v1`,
      kind: "Role",
      metadata: { name: APPROVER_NAME, namespace, labels },
      rules: [
        // create cannot be limited by name; get and update only touch its own Lease.
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [lease], verbs: ["get", "update"] },
      ],
    },
    { apiVersion: `${RBAC}/v1`, kind: "RoleBinding", metadata: { name: APPROVER_NAME, namespace, labels }, roleRef: { apiGroup: RBAC, kind: "Role", name: APPROVER_NAME }, subjects },
  ];
}

/** approver.yaml: the approver's RBAC, applied by cluster-objects.service. */
export const approverRbacYaml = (c: RenderContext): string =>
  approverRbacObjects(findCert(c.plan, APPROVER_NAME).cn)
    .map((o) => jsYaml.dump(o, { lineWidth: -1, noRefs: true }))
    .join("---\n");

/** `approver run` and its flags; leader election is on (the default). */
export function approverFlags(c: RenderContext): string[] {
  return [
    "approver",
    "run",
    `--kubeconfig=${c.paths.kubeconfig[APPROVER_NAME]}`,
    `--lease-namespace=${APPROVER_LEASE.namespace}`,
    `--lease-name=${APPROVER_LEASE.name}`,
    `--identity=${c.node.name}`,
    `--listen=${c.node.address}:${APPROVER_PORT}`,
    "--log-format=json",
  ];
}

export const approverUnit = (c: RenderContext): string =>
  renderUnit({
    description: "k8s-pki CSR approver (kubelet client and serving certificates)",
    after: ["network-online.target", "kube-apiserver.service"],
    wants: ["network-online.target"],
    service: [
      ["Environment", `"NODE_OPTIONS=${APPROVER_NODE_OPTIONS}"`],
      ["NoNewPrivileges", "yes"],
      ["ProtectSystem", "strict"],
      ["ProtectHome", "yes"],
      ["PrivateTmp", "yes"],
    ],
    exec: { path: c.bin("k8s-pki"), flags: approverFlags(c) },
    serviceAfter: [
      ["Restart", "always"],
      ["RestartSec", "5"],
    ],
  });
