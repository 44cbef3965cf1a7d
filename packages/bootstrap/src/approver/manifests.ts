// The objects to run the approver in a cluster: least-privilege RBAC, a
// ServiceAccount, a two-replica Deployment with probes and the policy as its
// arguments, a metrics Service, a PodDisruptionBudget and, on request, a
// Prometheus Operator ServiceMonitor.
import jsYaml from "js-yaml";
import { BootstrapError } from "../errors.js";
import { MANAGED_BY } from "../rbac.js";
import { resolveApproverConfig } from "./config.js";
import { KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from "./csr-facts.js";
import { formatPolicyArgs, policyToRawOptions, type ManifestPolicy } from "./flags.js";

/**
 * V8 flags for the approver's process. Loading @kubernetes/client-node alone
 * takes about 70 MB of RSS; a 1 MB young generation and a capped old
 * generation keep the whole process near 100 MB under load.
 */
export const APPROVER_NODE_OPTIONS = "--max-semi-space-size=1 --max-old-space-size=128";

/** Repository name of the approver's container image (images/approver, scripts/build-image.sh). */
export const APPROVER_IMAGE_NAME = "k8s-pki-approver";

/**
 * The image reference for a k8s-pki version, e.g. `k8s-pki-approver:0.1.0`.
 * A fixed tag rather than `latest`, so the kubelet uses an imported image
 * (`imagePullPolicy: IfNotPresent`) instead of pulling on every start.
 */
export const approverImage = (version: string): string => `${APPROVER_IMAGE_NAME}:${version}`;

/** The port of /healthz, /readyz and /metrics in the pod, named `metrics` in the Service. */
export const APPROVER_METRICS_PORT = 8081;

export interface ManifestOptions {
  /** Namespace of everything namespaced, including the Lease (default k8s-pki-approver). */
  namespace?: string;
  /** Container image; default `approverImage("latest")`, the CLI passes its own version. */
  image?: string;
  /** Default IfNotPresent: an image imported into containerd is used as it is. */
  imagePullPolicy?: "IfNotPresent" | "Always" | "Never";
  replicas?: number;
  policy?: ManifestPolicy;
  /** Also a monitoring.coreos.com/v1 ServiceMonitor for the Prometheus Operator. */
  serviceMonitor?: boolean;
  /** Extra `approver run` arguments, after the policy's. */
  args?: string[];
}

const NAME = "k8s-pki-approver";
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const invalid = (field: string, message: string): BootstrapError => new BootstrapError("api-error", `--${field}: ${message}`, { field });

export type { ManifestPolicy } from "./flags.js";

/** The `approver run` arguments for a policy, after checking it as `approver run` would. */
export function policyArgs(p: ManifestPolicy = {}): string[] {
  resolveApproverConfig(policyToRawOptions(p));
  if (p.leaseName !== undefined && !(p.leaseName.length <= 253 && p.leaseName.split(".").every((l) => DNS1123_LABEL.test(l)))) {
    throw invalid("lease-name", `${JSON.stringify(p.leaseName)} is not a DNS-1123 name`);
  }
  return formatPolicyArgs(p);
}

/** Every object, in the order `kubectl apply -f` should create them. */
export function approverManifests(o: ManifestOptions = {}): Record<string, unknown>[] {
  const ns = o.namespace ?? "k8s-pki-approver";
  if (!(ns.length <= 63 && DNS1123_LABEL.test(ns))) throw invalid("namespace", `${JSON.stringify(ns)} is not a DNS-1123 label (lower-case letters, digits and '-')`);
  const image = o.image ?? approverImage("latest");
  if (image === "" || /\s/.test(image)) throw invalid("image", `${JSON.stringify(image)} is not an image reference`);
  const replicas = o.replicas ?? 2;
  if (!Number.isInteger(replicas) || replicas < 1) throw invalid("replicas", `expected a whole number of at least 1, got ${String(replicas)}`);
  const args = ["approver", "run", `--lease-namespace=${ns}`, `--listen=:${APPROVER_METRICS_PORT}`, ...policyArgs(o.policy), ...(o.args ?? [])];
  const selector = { "app.kubernetes.io/name": NAME };
  const labels = { ...selector, ...MANAGED_BY };
  const objects: Record<string, unknown>[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: NAME, namespace: ns, labels } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: NAME, labels },
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
      metadata: { name: NAME, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: NAME },
      subjects: [{ kind: "ServiceAccount", name: NAME, namespace: ns }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: NAME, namespace: ns, labels },
      rules: [{ apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: NAME, namespace: ns, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: NAME },
      subjects: [{ kind: "ServiceAccount", name: NAME, namespace: ns }],
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: NAME, namespace: ns, labels },
      spec: {
        replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: NAME,
            priorityClassName: "system-cluster-critical",
            tolerations: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
            // Replicas on different nodes, so a node failure leaves a standby to take the Lease.
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
            // 65532: the image's own non-root user (images/approver).
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "approver",
                image,
                imagePullPolicy: o.imagePullPolicy ?? "IfNotPresent",
                args,
                env: [
                  { name: "K8S_PKI_APPROVER_IDENTITY", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                  { name: "NODE_OPTIONS", value: APPROVER_NODE_OPTIONS },
                ],
                ports: [{ name: "metrics", containerPort: APPROVER_METRICS_PORT, protocol: "TCP" }],
                livenessProbe: { httpGet: { path: "/healthz", port: "metrics" }, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: "/readyz", port: "metrics" }, periodSeconds: 5 },
                resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "192Mi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: NAME, namespace: ns, labels },
      spec: { selector, ports: [{ name: "metrics", port: APPROVER_METRICS_PORT, targetPort: "metrics", protocol: "TCP" }] },
    },
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: NAME, namespace: ns, labels },
      // One replica at a time: a drain never takes the leader and every standby at once,
      // and a single replica can still be evicted (minAvailable: 1 would block the drain).
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    },
  ];
  if (o.serviceMonitor) {
    objects.push({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: NAME, namespace: ns, labels },
      spec: { selector: { matchLabels: selector }, namespaceSelector: { matchNames: [ns] }, endpoints: [{ port: "metrics", path: "/metrics", interval: "30s" }] },
    });
  }
  return objects;
}

export function renderApproverManifests(o: ManifestOptions = {}): string {
  return approverManifests(o).map((m) => jsYaml.dump(m, { lineWidth: -1, noRefs: true })).join("---\n");
}
