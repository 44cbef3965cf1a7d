// The SmokeApi over @kubernetes/client-node: typed clients for the objects,
// its Exec (a WebSocket to the API server, v5/v4.channel.k8s.io) for
// `kubectl exec`, readNamespacedPodLog for `kubectl logs`. Every request has
// a deadline, so an API server that stops answering fails a check instead of
// hanging the run. client-node is loaded only when a smoke test runs.
import { Writable } from "node:stream";
import type { KubeConfig, RequestContext, ResponseContext, V1Pod, V1Status } from "@kubernetes/client-node";
import type { SmokeApi, SmokeExecResult, SmokePod } from "./smoke-api.js";

type K8s = typeof import("@kubernetes/client-node");

export interface SmokeKubeApiOptions {
  /** The API server's URL (https://host:port). */
  server: string;
  /** PEM: the CA bundle the API server's certificate chains to, and the admin client certificate and key. */
  ca: string;
  cert: string;
  key: string;
  /** Per request (not exec, which has its own); default 15 s. */
  requestTimeoutMs?: number;
}

const b64 = (pem: string): string => Buffer.from(pem).toString("base64");

/** One line for a client-node failure: the HTTP status and the Status message when there is one. */
export function describeKubeError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "number") {
    const body = (e as { body?: unknown }).body;
    let msg = "";
    try {
      msg = ((typeof body === "string" ? JSON.parse(body) : body) as { message?: string } | undefined)?.message ?? "";
    } catch {
      msg = typeof body === "string" ? body.slice(0, 200) : "";
    }
    return `HTTP ${code}${msg === "" ? "" : `: ${msg}`}`;
  }
  // A refused exec WebSocket rejects with ws's ErrorEvent, not an Error: its message is "Unexpected server response: 404".
  const message = (e as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(e);
}

function kubeConfig(k8s: K8s, o: SmokeKubeApiOptions): KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "k8s-pki", server: o.server, caData: b64(o.ca), skipTLSVerify: false }],
    users: [{ name: "admin", certData: b64(o.cert), keyData: b64(o.key) }],
    contexts: [{ name: "k8s-pki", cluster: "k8s-pki", user: "admin" }],
    currentContext: "k8s-pki",
  });
  return kc;
}

// client-node 1.4 takes no per-call timeout; a middleware puts an abort signal on the request.
function deadline(k8s: K8s, ms: number) {
  return {
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(AbortSignal.timeout(ms));
          return new k8s.Observable(Promise.resolve(ctx));
        },
        post: (res: ResponseContext) => new k8s.Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: "append" as const,
  };
}

/** A pod as the checks see it: where it runs, its IP, whether it is ready, and else why not. */
export function smokePodOf(p: V1Pod): SmokePod {
  const ready = p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
  const cs = p.status?.containerStatuses?.[0];
  const waiting = cs?.state?.waiting;
  const why = waiting !== undefined ? `${waiting.reason ?? "waiting"}${waiting.message === undefined ? "" : `: ${waiting.message.slice(0, 160)}`}` : undefined;
  const unschedulable = p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  const state = [p.status?.phase ?? "Unknown", why ?? (unschedulable?.message === undefined ? undefined : unschedulable.message.slice(0, 160)), cs !== undefined && !ready && why === undefined ? "readiness probe not passing yet" : undefined]
    .filter((s) => s !== undefined)
    .join(": ");
  return { name: p.metadata?.name ?? "?", node: p.spec?.nodeName, ip: p.status?.podIP, ready, state };
}

/** The exit status in an exec's closing Status: 0 on Success, else the ExitCode cause; -1 when none is given. */
export function execExitCode(s: V1Status): number {
  if (s.status === "Success") return 0;
  const cause = s.details?.causes?.find((c) => c.reason === "ExitCode");
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : -1;
}

const collector = (chunks: Buffer[]): Writable =>
  new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });

export async function createSmokeKubeApi(o: SmokeKubeApiOptions): Promise<SmokeApi> {
  const k8s = await import("@kubernetes/client-node");
  const kc = kubeConfig(k8s, o);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const exec = new k8s.Exec(kc);
  const within = deadline(k8s, o.requestTimeoutMs ?? 15_000);
  const described = async <T>(what: string, p: () => Promise<T>): Promise<T> => {
    try {
      return await p();
    } catch (e) {
      throw new Error(`${what}: ${describeKubeError(e)}`, { cause: e });
    }
  };
  // A fresh deadline per call: AbortSignal.timeout starts when the middleware runs.
  const opts = () => within;

  return {
    listNodes: () =>
      described("listing nodes", async () =>
        (await core.listNode({}, opts())).items.map((n) => ({
          name: n.metadata?.name ?? "?",
          ready: n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true,
          schedulable: n.spec?.unschedulable !== true && !(n.spec?.taints ?? []).some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute"),
        })),
      ),
    createNamespace: (ns) => described(`creating namespace ${ns.metadata?.name}`, async () => void (await core.createNamespace({ body: ns }, opts()))),
    createDeployment: (namespace, d) => described(`creating Deployment ${namespace}/${d.metadata?.name}`, async () => void (await apps.createNamespacedDeployment({ namespace, body: d }, opts()))),
    createService: (namespace, s) =>
      described(`creating Service ${namespace}/${s.metadata?.name}`, async () => {
        const made = await core.createNamespacedService({ namespace, body: s }, opts());
        const ip = made.spec?.clusterIP;
        if (ip === undefined || ip === "" || ip === "None") throw new Error("no ClusterIP allocated");
        return { clusterIP: ip };
      }),
    listPods: (namespace, labelSelector) => described("listing pods", async () => (await core.listNamespacedPod({ namespace, labelSelector }, opts())).items.map(smokePodOf)),
    readLog: (namespace, pod) => described(`logs of ${pod}`, async () => core.readNamespacedPodLog({ namespace, name: pod }, opts())),
    deleteNamespace: (name) => described(`deleting namespace ${name}`, async () => void (await core.deleteNamespace({ name }, opts()))),
    exec: (namespace, pod, command, timeoutMs) =>
      new Promise<SmokeExecResult>((resolve, reject) => {
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let status: V1Status | undefined;
        let socket: { close(): void } | undefined;
        let settled = false;
        const settle = (f: () => void): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          f();
        };
        const result = (): SmokeExecResult => ({ stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), exitCode: status === undefined ? -1 : execExitCode(status) });
        const timer = setTimeout(() => {
          socket?.close();
          settle(() => reject(new Error(`exec ${command.join(" ")} in ${pod}: no exit status within ${Math.round(timeoutMs / 1000)} s`)));
        }, timeoutMs);
        exec
          .exec(namespace, pod, "smoke", command, collector(out), collector(err), null, false, (s) => {
            status = s;
          })
          .then(
            (ws) => {
              // Connected only after the deadline: nothing waits for it any more.
              if (settled) return ws.close();
              socket = ws;
              ws.on("close", () => settle(() => resolve(result())));
              ws.on("error", (e: Error) => settle(() => reject(new Error(`exec in ${pod}: ${e.message}`, { cause: e }))));
            },
            (e: unknown) => settle(() => reject(new Error(`exec in ${pod}: ${describeKubeError(e)}`, { cause: e }))),
          );
      }),
  };
}
