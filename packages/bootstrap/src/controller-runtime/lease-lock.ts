// The lease-lock port leader election writes through: read, create and
// replace one coordination.k8s.io/v1 Lease. Failures carry the HTTP status in
// `code` (as client-node's ApiException does): 404 on get means "no Lease
// yet", 409 on update means another writer won the compare-and-swap. The
// client-node adapter lives in kube-ports.ts.
import type { V1Lease } from "@kubernetes/client-node";

export interface LeaseLock {
  /** `namespace/name`, for logs. */
  readonly description: string;
  get(signal: AbortSignal): Promise<V1Lease>;
  /** Creates the Lease (fails with 409 when someone else just did). */
  create(lease: V1Lease, signal: AbortSignal): Promise<V1Lease>;
  /** Replaces the Lease, guarded by `lease.metadata.resourceVersion`. */
  update(lease: V1Lease, signal: AbortSignal): Promise<V1Lease>;
}
