// The client-node adapters of the runtime's ports: a ListWatch over any
// collection path and a LeaseLock over one Lease. The only files of the
// runtime that load @kubernetes/client-node, and they load it lazily (it
// costs ~400 ms), on the first request.
import type { CoordinationV1Api, KubeConfig, V1Lease } from "@kubernetes/client-node";
import { abortableRequest } from "../kube-client.js";
import type { LeaseLock } from "./lease-lock.js";
import type { ListPage, ListWatch } from "./list-watch.js";

type ClientNode = typeof import("@kubernetes/client-node");
/** Per-call options that make a client-node request abortable. */
export type RequestOptions = ReturnType<typeof abortableRequest>;

/** Loads client-node once per adapter and builds its API client. */
function lazy<A>(make: (k8s: ClientNode) => A): () => Promise<{ k8s: ClientNode; api: A }> {
  let loaded: { k8s: ClientNode; api: A } | undefined;
  return async () => {
    if (!loaded) {
      const k8s = await import("@kubernetes/client-node");
      loaded = { k8s, api: make(k8s) };
    }
    return loaded;
  };
}

/**
 * A ListWatch over `path` (e.g. /apis/certificates.k8s.io/v1/certificatesigningrequests):
 * `listPage` does one LIST page with the typed client, the WATCH is client-node's Watch.
 */
export function createKubeListWatch<T, A>(
  kubeConfig: KubeConfig,
  path: string,
  makeApi: (k8s: ClientNode, kc: KubeConfig) => A,
  listPage: (api: A, page: { limit: number; _continue?: string }, options: RequestOptions) => Promise<ListPage<T>>,
): ListWatch<T> {
  const client = lazy((k8s) => makeApi(k8s, kubeConfig));
  return {
    async list({ limit, _continue, signal }) {
      const { k8s, api } = await client();
      return listPage(api, { limit, _continue }, abortableRequest(k8s, signal));
    },
    async watch(options, onEvent, onDone) {
      const { k8s } = await client();
      return new k8s.Watch(kubeConfig).watch(path, { ...options }, onEvent, onDone);
    },
  };
}

/** A LeaseLock over the Lease `namespace/name`. */
export function createKubeLeaseLock(kubeConfig: KubeConfig, namespace: string, name: string): LeaseLock {
  const client = lazy<CoordinationV1Api>((k8s) => kubeConfig.makeApiClient(k8s.CoordinationV1Api));
  return {
    description: `${namespace}/${name}`,
    async get(signal) {
      const { k8s, api } = await client();
      return api.readNamespacedLease({ name, namespace }, abortableRequest(k8s, signal));
    },
    async create(body: V1Lease, signal) {
      const { k8s, api } = await client();
      return api.createNamespacedLease({ namespace, body }, abortableRequest(k8s, signal));
    },
    async update(body: V1Lease, signal) {
      const { k8s, api } = await client();
      return api.replaceNamespacedLease({ name, namespace, body }, abortableRequest(k8s, signal));
    },
  };
}
