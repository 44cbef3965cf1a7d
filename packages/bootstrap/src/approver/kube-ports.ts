// The approver's ports over @kubernetes/client-node, built from a kubeconfig
// at the edge (the CLI, or a test's Approver({ kubeConfig })). client-node is
// loaded lazily, on the first request.
import type { AuthorizationV1Api, CertificatesV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { createKubeLeaseLock } from "../controller-runtime/kube-ports.js";
import { createKubeCsrListWatch } from "./csr-watch.js";
import type { ApproverApi, ApproverPorts } from "./ports.js";

interface Clients {
  certificates: CertificatesV1Api;
  authorization: AuthorizationV1Api;
  core: CoreV1Api;
}

/** The ApproverApi through client-node's typed clients. */
export function createKubeApproverApi(kubeConfig: KubeConfig): ApproverApi {
  let clients: Promise<Clients> | undefined;
  const c = (): Promise<Clients> =>
    (clients ??= import("@kubernetes/client-node").then((k8s) => ({
      certificates: kubeConfig.makeApiClient(k8s.CertificatesV1Api),
      authorization: kubeConfig.makeApiClient(k8s.AuthorizationV1Api),
      core: kubeConfig.makeApiClient(k8s.CoreV1Api),
    })));
  return {
    readCsr: async (name) => (await c()).certificates.readCertificateSigningRequest({ name }),
    replaceApproval: async (name, body) => (await c()).certificates.replaceCertificateSigningRequestApproval({ name, body }),
    createEvent: async (namespace, body) => void (await (await c()).core.createNamespacedEvent({ namespace, body })),
    createSubjectAccessReview: async (body) => (await c()).authorization.createSubjectAccessReview({ body }),
    readNode: async (name) => (await c()).core.readNode({ name }),
    listNodes: async (page) => (await c()).core.listNode(page),
  };
}

/** Every port of an Approver, from one kubeconfig; `lease` names the Lease of leader election. */
export function createKubePorts(kubeConfig: KubeConfig, lease: { namespace: string; name: string }): ApproverPorts {
  return {
    csrs: createKubeCsrListWatch(kubeConfig),
    api: createKubeApproverApi(kubeConfig),
    lease: createKubeLeaseLock(kubeConfig, lease.namespace, lease.name),
  };
}
