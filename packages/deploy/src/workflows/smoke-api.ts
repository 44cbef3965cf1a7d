// The port the smoke test drives: what it asks of the Kubernetes API, as plain
// values, so the sequence and its verdicts run against a fake in the tests
// and against client-node (smoke-kube-api.ts) on a real cluster.
import type { V1Deployment, V1Namespace, V1Service } from "@kubernetes/client-node";

export interface SmokeNode {
  name: string;
  /** The Ready condition is True. */
  ready: boolean;
  /** Not cordoned and without a NoSchedule/NoExecute taint: a pod of the smoke Deployment may land there. */
  schedulable: boolean;
}

export interface SmokePod {
  name: string;
  /** The node it was scheduled to; undefined while unscheduled. */
  node: string | undefined;
  ip: string | undefined;
  /** The Ready condition is True. */
  ready: boolean;
  /** What an operator would want to read when it is not ready: phase, then the container's waiting reason. */
  state: string;
}

export interface SmokeExecResult {
  stdout: string;
  stderr: string;
  /** The command's exit status; -1 when the API gave none (the stream broke). */
  exitCode: number;
}

export interface SmokeApi {
  listNodes(): Promise<SmokeNode[]>;
  createNamespace(ns: V1Namespace): Promise<void>;
  createDeployment(namespace: string, d: V1Deployment): Promise<void>;
  /** Returns the ClusterIP the API server allocated. */
  createService(namespace: string, s: V1Service): Promise<{ clusterIP: string }>;
  listPods(namespace: string, labelSelector: string): Promise<SmokePod[]>;
  /** `kubectl exec`: through the API server to the pod's kubelet; rejects when no exit status came within `timeoutMs`. */
  exec(namespace: string, pod: string, command: string[], timeoutMs: number): Promise<SmokeExecResult>;
  /** `kubectl logs`: through the API server to the pod's kubelet. */
  readLog(namespace: string, pod: string): Promise<string>;
  /** Asks for the deletion; does not wait for the namespace to be gone. */
  deleteNamespace(name: string): Promise<void>;
}

/** Time, for the waits and retries; the tests pass one that does not sleep. */
export interface SmokeClock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: SmokeClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((done) => {
      if (signal?.aborted === true) return done();
      const t = setTimeout(finish, ms);
      function finish(): void {
        clearTimeout(t);
        signal?.removeEventListener("abort", finish);
        done();
      }
      signal?.addEventListener("abort", finish, { once: true });
    }),
};
