// The approver's API ports: every Kubernetes call the approver makes, as a
// small interface, so handle() runs against in-memory fakes in unit tests (as
// kube-controller-manager's TestHandle runs against a fake clientset) and
// against client-node in production (kube-ports.ts builds those).
// Failures carry the HTTP status in `code`, as client-node's ApiException does.
import type { CoreV1Event, V1CertificateSigningRequest, V1Node, V1NodeList, V1SubjectAccessReview } from "@kubernetes/client-node";
import type { LeaseLock } from "../controller-runtime/lease-lock.js";
import type { ListWatch } from "../controller-runtime/list-watch.js";

/** The calls handle() makes while deciding one CSR and writing its verdict. */
export interface ApproverApi {
  /** GET a CSR (after a 409, to decide again on what is there now). */
  readCsr(name: string): Promise<V1CertificateSigningRequest>;
  /** PUT the /approval subresource, guarded by body.metadata.resourceVersion (409 when it changed). */
  replaceApproval(name: string, body: V1CertificateSigningRequest): Promise<V1CertificateSigningRequest>;
  /** POST an Event. */
  createEvent(namespace: string, body: CoreV1Event): Promise<void>;
  /** POST a SubjectAccessReview and return the server's answer. */
  createSubjectAccessReview(body: V1SubjectAccessReview): Promise<V1SubjectAccessReview>;
  /** GET a Node (404 when there is none). */
  readNode(name: string): Promise<V1Node>;
  /** One page of LIST nodes. */
  listNodes(page: { limit: number; _continue?: string }): Promise<V1NodeList>;
}

/** Everything an Approver talks to the API server through. */
export interface ApproverPorts {
  /** The CSR collection the informer lists and watches. */
  csrs: ListWatch<V1CertificateSigningRequest>;
  api: ApproverApi;
  /** The Lease of leader election (unused with leaderElect false). */
  lease: LeaseLock;
}
