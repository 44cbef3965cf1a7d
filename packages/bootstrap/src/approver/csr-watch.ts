// The CertificateSigningRequest informer: the runtime's Informer over the
// CSR collection, built from a kubeconfig (or any ListWatch port).
import type { KubeConfig, V1CertificateSigningRequest } from "@kubernetes/client-node";
import { Informer, type InformerEventType, type InformerTuning } from "../controller-runtime/informer.js";
import { createKubeListWatch } from "../controller-runtime/kube-ports.js";
import type { ListWatch } from "../controller-runtime/list-watch.js";

/** The event types {@link CsrWatcher} reports. */
export type CsrEventType = InformerEventType;

/** Options of {@link CsrWatcher}: where to list and watch (a port, or a kubeconfig to build one from), and the informer's tuning. */
export interface CsrWatcherOptions extends InformerTuning {
  port?: ListWatch<V1CertificateSigningRequest>;
  /** Used only without `port`. */
  kubeConfig?: KubeConfig;
}

/** The collection's path, for client-node's Watch. */
const CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

/**
 * Watch objects arrive as plain JSON, list items as client-node model objects
 * with Date fields; convert the timestamps so consumers see one shape.
 */
export function normalizeWatchObject(obj: unknown): V1CertificateSigningRequest {
  const csr = obj as V1CertificateSigningRequest;
  const date = (v: unknown): Date | undefined => (v === undefined || v === null ? undefined : v instanceof Date ? v : new Date(String(v)));
  const m = csr.metadata;
  if (m) {
    if (m.creationTimestamp !== undefined) m.creationTimestamp = date(m.creationTimestamp);
    if (m.deletionTimestamp !== undefined) m.deletionTimestamp = date(m.deletionTimestamp);
    for (const f of m.managedFields ?? []) if (f.time !== undefined) f.time = date(f.time);
  }
  for (const c of csr.status?.conditions ?? []) {
    if (c.lastUpdateTime !== undefined) c.lastUpdateTime = date(c.lastUpdateTime);
    if (c.lastTransitionTime !== undefined) c.lastTransitionTime = date(c.lastTransitionTime);
  }
  return csr;
}

/** The CSR collection through client-node: paginated LIST with the typed client, WATCH on {@link CSR_PATH}. */
export function createKubeCsrListWatch(kubeConfig: KubeConfig): ListWatch<V1CertificateSigningRequest> {
  return createKubeListWatch(
    kubeConfig,
    CSR_PATH,
    (k8s, kc) => kc.makeApiClient(k8s.CertificatesV1Api),
    (api, page, options) => api.listCertificateSigningRequest(page, options),
  );
}

/** Lists, then watches, CertificateSigningRequests and keeps a cache by name (see {@link Informer}). */
export class CsrWatcher extends Informer<V1CertificateSigningRequest> {
  constructor(opts: CsrWatcherOptions) {
    const { kubeConfig, port, ...tuning } = opts;
    if (!port && !kubeConfig) throw new RangeError("csr watch: a port or a kubeConfig is needed");
    super({ ...tuning, port: port ?? createKubeCsrListWatch(kubeConfig!), decode: normalizeWatchObject, name: "csr watch", kind: "CSR" });
  }
}
