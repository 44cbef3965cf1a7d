// Well-known ports and names of the deployed components, in one place: the
// unit flags, the kubeconfig/config files, the readiness probes and `deploy
// verify` all read them from here, so a port cannot drift between them.

/** etcd's client URLs (kube-apiserver, flanneld, etcdctl, the probes). */
export const ETCD_CLIENT_PORT = 2379;
/** etcd's peer URLs (member to member). */
export const ETCD_PEER_PORT = 2380;
/** kube-controller-manager's secure port (/healthz). */
export const KUBE_CONTROLLER_MANAGER_PORT = 10257;
/** kube-scheduler's secure port (/healthz). */
export const KUBE_SCHEDULER_PORT = 10259;
/** The kubelet's API. */
export const KUBELET_PORT = 10250;
/** The kubelet's /healthz. */
export const KUBELET_HEALTHZ_PORT = 10248;
/** kube-proxy's /healthz. */
export const KUBE_PROXY_HEALTHZ_PORT = 10256;
/** kube-proxy's /metrics. */
export const KUBE_PROXY_METRICS_PORT = 10249;

/** The CSR approver's name: its unit, kubeconfig, certificate id, RBAC objects and Lease. */
export const APPROVER_NAME = "k8s-pki-approver";
/** The CSR approver's user: no group, bound only to the approver's ClusterRole and its Lease (render/approver.ts). */
export const APPROVER_USER = "system:k8s-pki-approver";
export const APPROVER_LEASE = { namespace: "kube-system", name: APPROVER_NAME } as const;
/** Port of the approver's /healthz, /readyz and /metrics, on the master's own address. */
export const APPROVER_PORT = 8081;
