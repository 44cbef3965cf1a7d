// What the smoke test runs: a namespace of its own, a busybox Deployment with
// one pod per worker, and a Service in front of it. Pure: the objects only.
import type { V1Deployment, V1Namespace, V1Service } from "@kubernetes/client-node";

export const SMOKE_NAMESPACE_PREFIX = "k8s-pki-smoke-";
export const SMOKE_NAME = "smoke";
export const SMOKE_PORT = 8080;
export const SMOKE_SERVICE_PORT = 80;
export const DEFAULT_SMOKE_IMAGE = "docker.io/library/busybox:1.36";
export const SMOKE_LABELS = { "app.kubernetes.io/name": "k8s-pki-smoke", "app.kubernetes.io/managed-by": "k8s-pki" } as const;
export const SMOKE_SELECTOR = "app.kubernetes.io/name=k8s-pki-smoke";

/** The line each pod logs once its server is about to start; the logs check looks for it. */
export const readyLine = (pod: string): string => `k8s-pki-smoke ${pod} ready`;

// The hostname of a pod is its name, so the page a pod serves says which pod answered.
const SERVE = `echo k8s-pki-smoke $(hostname) ready; mkdir -p /tmp/www && hostname > /tmp/www/index.html && exec httpd -f -p ${SMOKE_PORT} -h /tmp/www`;

/** A fresh namespace name: the prefix and 5 random lowercase letters or digits. */
export function smokeNamespaceName(random: () => number = Math.random): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let s = "";
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(random() * alphabet.length) % alphabet.length];
  return SMOKE_NAMESPACE_PREFIX + s;
}

export function smokeNamespace(name: string): V1Namespace {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "app.kubernetes.io/managed-by": "k8s-pki" } } };
}

/**
 * `replicas` pods, at most one per node (a required anti-affinity on the
 * hostname): with replicas = the schedulable workers, every worker gets one,
 * which is what the cross-node checks need.
 */
export function smokeDeployment(namespace: string, image: string, replicas: number): V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: SMOKE_NAME, namespace, labels: { ...SMOKE_LABELS } },
    spec: {
      replicas,
      selector: { matchLabels: { "app.kubernetes.io/name": SMOKE_LABELS["app.kubernetes.io/name"] } },
      template: {
        metadata: { labels: { ...SMOKE_LABELS } },
        spec: {
          // Nothing in the pod talks to the API server.
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 1,
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": SMOKE_LABELS["app.kubernetes.io/name"] } } }],
            },
          },
          containers: [
            {
              name: SMOKE_NAME,
              image,
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", SERVE],
              ports: [{ name: "http", containerPort: SMOKE_PORT }],
              readinessProbe: { tcpSocket: { port: SMOKE_PORT }, periodSeconds: 2 },
            },
          ],
        },
      },
    },
  };
}

export function smokeService(namespace: string): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: SMOKE_NAME, namespace, labels: { ...SMOKE_LABELS } },
    spec: {
      type: "ClusterIP",
      selector: { "app.kubernetes.io/name": SMOKE_LABELS["app.kubernetes.io/name"] },
      ports: [{ name: "http", port: SMOKE_SERVICE_PORT, targetPort: SMOKE_PORT }],
    },
  };
}
