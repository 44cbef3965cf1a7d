// etcd + kube-apiserver (+ optionally kube-controller-manager) on loopback,
// configured like a production control plane: mutual TLS everywhere, Node and
// RBAC authorization, bootstrap token auth, secrets encrypted at rest. Every
// certificate comes from HarnessPki.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { binaryPath } from "./binaries.js";
import { startEtcd, type Etcd } from "./etcd.js";
import { writePrivateFile } from "./files.js";
import { httpsRequest } from "./https-request.js";
import { writeKubeconfig } from "./kubeconfig.js";
import { HarnessPki, type KeyPair } from "./pki.js";
import { freePort } from "./ports.js";
import { startProcess, waitFor, type ManagedProcess } from "./process.js";

export interface ControlPlaneOptions {
  /** Root folder for everything this control plane writes. */
  dir: string;
  /** Reuse a running etcd instead of starting one; it is then not stopped by stop(). */
  etcd?: Etcd;
  /** Reuse a CA; by default a new one is made in `<dir>/pki`. */
  pki?: HarnessPki;
  /** Also start kube-controller-manager with the CSR signing and cleaner controllers. */
  controllerManager?: boolean;
  /** Add the built-in CSR approving controller (only with controllerManager). */
  csrApproving?: boolean;
  extraApiserverArgs?: readonly string[];
  extraControllerManagerArgs?: readonly string[];
  readyTimeoutMs?: number;
}

export interface ControlPlaneTimings {
  etcdMs: number;
  apiserverMs: number;
  controllerManagerMs?: number;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  url: string;
  /** The harness CA: it issued the serving certificate and is the client CA. */
  caPem: string;
  caCertPath: string;
  /** kubeconfig (embedded data) for a system:masters user. */
  adminKubeconfigPath: string;
  kubeConfig(): KubeConfig;
  pki: HarnessPki;
  etcd: Etcd;
  dir: string;
  logDir: string;
  apiserver: ManagedProcess;
  controllerManager?: ManagedProcess;
  timings: ControlPlaneTimings;
  /**
   * Stops kube-apiserver, waits `downMs`, and starts it again with the same
   * flags and port, resolving once /readyz is ok. `apiserver` then names the new process.
   */
  restartApiserver(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24";
// The first address of the range: the in-cluster `kubernetes` Service.
const KUBERNETES_SERVICE_IP = "10.0.0.1";
const APISERVER_HOSTS = [
  "127.0.0.1",
  "localhost",
  KUBERNETES_SERVICE_IP,
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
];

function encryptionConfig(): string {
  const secret = randomBytes(32).toString("base64");
  return [
    "apiVersion: apiserver.config.k8s.io/v1",
    "kind: EncryptionConfiguration",
    "resources:",
    "  - resources: [secrets]",
    "    providers:",
    "      - secretbox:",
    "          keys:",
    "            - name: harness",
    `              secret: ${secret}`,
    // identity last: reads of anything written before encryption still work, writes are encrypted.
    "      - identity: {}",
    "",
  ].join("\n");
}

async function startApiserver(
  dir: string,
  logDir: string,
  pki: HarnessPki,
  etcd: Etcd,
  extraArgs: readonly string[],
  readyTimeoutMs: number,
): Promise<{ url: string; process: ManagedProcess; admin: KeyPair; serviceAccountKeyPath: string; startupMs: number }> {
  const bin = binaryPath("kube-apiserver");
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const serving = await pki.issue("kube-apiserver", {
    cn: "kube-apiserver",
    hosts: APISERVER_HOSTS,
    profile: "server",
  });
  const kubeletClient = await pki.issue("kube-apiserver-kubelet-client", {
    cn: "kube-apiserver-kubelet-client",
    // The kubelet authorizes it through a SubjectAccessReview; masters needs no extra binding.
    organizations: ["system:masters"],
    profile: "client",
  });
  const admin = await pki.mintClientCert("harness-admin", ["system:masters"]);
  const sa = await pki.serviceAccountKeys("sa");
  const encryptionPath = writePrivateFile(join(dir, "encryption-config.yaml"), encryptionConfig());

  const t0 = Date.now();
  const proc = await startProcess({
    name: "kube-apiserver",
    command: bin,
    logDir,
    args: [
      `--etcd-servers=${etcd.url}`,
      `--etcd-cafile=${etcd.caCertPath}`,
      `--etcd-certfile=${etcd.clientCert.certPath}`,
      `--etcd-keyfile=${etcd.clientCert.keyPath}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      "--advertise-address=127.0.0.1",
      // 1.37 refuses a loopback advertise address for the `kubernetes` Service
      // endpoints and exits; nothing in-cluster dials that Service here.
      "--endpoint-reconciler-type=none",
      `--cert-dir=${join(dir, "certs")}`,
      `--tls-cert-file=${serving.certPath}`,
      `--tls-private-key-file=${serving.keyPath}`,
      `--client-ca-file=${pki.caCertPath}`,
      "--enable-bootstrap-token-auth",
      "--authorization-mode=Node,RBAC",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${sa.publicKeyPath}`,
      `--service-account-signing-key-file=${sa.privateKeyPath}`,
      `--encryption-provider-config=${encryptionPath}`,
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      `--kubelet-client-certificate=${kubeletClient.certPath}`,
      `--kubelet-client-key=${kubeletClient.keyPath}`,
      "--profiling=false",
      ...extraArgs,
    ],
  });
  try {
    await waitFor(
      async () => {
        const res = await httpsRequest(`${url}/readyz`, { ca: pki.caCert, ...admin });
        if (res.status !== 200 || res.body !== "ok") throw new Error(`/readyz ${res.status}: ${res.body.slice(-400)}`);
        return true;
      },
      { what: `kube-apiserver ${url}/readyz`, timeoutMs: readyTimeoutMs, processes: [proc] },
    );
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return { url, process: proc, admin, serviceAccountKeyPath: sa.privateKeyPath, startupMs: Date.now() - t0 };
}

const KCM_USER = "system:kube-controller-manager";

/**
 * With --use-service-account-credentials=false every controller runs as the
 * controller manager's own user, whose bootstrap ClusterRole cannot update
 * CSR status or use signers; grant it the role the CSR controllers' service
 * account would have had.
 */
async function grantCsrControllerRole(kc: KubeConfig): Promise<void> {
  await kc.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
    body: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "harness:kube-controller-manager:certificate-controller" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:controller:certificate-controller" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: KCM_USER }],
    },
  });
}

async function startControllerManager(
  dir: string,
  logDir: string,
  pki: HarnessPki,
  apiserverUrl: string,
  serviceAccountKeyPath: string,
  csrApproving: boolean,
  extraArgs: readonly string[],
  readyTimeoutMs: number,
): Promise<{ process: ManagedProcess; startupMs: number }> {
  const bin = binaryPath("kube-controller-manager");
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const client = await pki.mintClientCert(KCM_USER);
  const kubeconfigPath = writeKubeconfig(join(dir, "kube-controller-manager.kubeconfig"), {
    server: apiserverUrl,
    caPem: pki.caCert,
    user: { clientCert: client.cert, clientKey: client.key },
  });
  // Our own serving certificate, so /healthz can be checked with full verification.
  const serving = await pki.issue("kube-controller-manager-serving", {
    cn: "kube-controller-manager",
    hosts: ["127.0.0.1", "localhost"],
    profile: "server",
  });
  const controllers = ["certificatesigningrequest-signing-controller", "certificatesigningrequest-cleaner-controller"];
  if (csrApproving) controllers.push("certificatesigningrequest-approving-controller");

  const t0 = Date.now();
  const proc = await startProcess({
    name: "kube-controller-manager",
    command: bin,
    logDir,
    args: [
      `--kubeconfig=${kubeconfigPath}`,
      `--controllers=${controllers.join(",")}`,
      `--cluster-signing-cert-file=${pki.caCertPath}`,
      `--cluster-signing-key-file=${pki.caKeyPath}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      `--tls-cert-file=${serving.certPath}`,
      `--tls-private-key-file=${serving.keyPath}`,
      `--cert-dir=${join(dir, "certs")}`,
      "--use-service-account-credentials=false",
      `--root-ca-file=${pki.caCertPath}`,
      `--service-account-private-key-file=${serviceAccountKeyPath}`,
      "--profiling=false",
      ...extraArgs,
    ],
  });
  try {
    await waitFor(
      async () => {
        const res = await httpsRequest(`https://127.0.0.1:${port}/healthz`, { ca: pki.caCert });
        if (res.status !== 200 || res.body !== "ok") throw new Error(`/healthz ${res.status}: ${res.body.slice(-400)}`);
        return true;
      },
      { what: `kube-controller-manager https://127.0.0.1:${port}/healthz`, timeoutMs: readyTimeoutMs, processes: [proc] },
    );
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return { process: proc, startupMs: Date.now() - t0 };
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const { dir, readyTimeoutMs = 120_000 } = opts;
  const logDir = join(dir, "logs");
  mkdirSync(logDir, { recursive: true });
  const pki = opts.pki ?? (await HarnessPki.create(join(dir, "pki")));
  const etcd = opts.etcd ?? (await startEtcd({ dir: join(dir, "etcd"), logDir, pki, readyTimeoutMs }));
  const started: { stop(): Promise<unknown> }[] = opts.etcd ? [] : [etcd];
  const stopAll = async (): Promise<void> => {
    // Reverse start order: the controller manager and apiserver first, etcd last.
    for (const s of started.splice(0).reverse()) await s.stop();
  };
  try {
    const api = await startApiserver(join(dir, "apiserver"), logDir, pki, etcd, opts.extraApiserverArgs ?? [], readyTimeoutMs);
    started.push(api.process);
    const adminKubeconfigPath = writeKubeconfig(join(dir, "admin.kubeconfig"), {
      server: api.url,
      caPem: pki.caCert,
      user: { clientCert: api.admin.cert, clientKey: api.admin.key },
    });
    const timings: ControlPlaneTimings = { etcdMs: opts.etcd ? 0 : etcd.startupMs, apiserverMs: api.startupMs };
    const kubeConfig = (): KubeConfig => {
      const kc = new KubeConfig();
      kc.loadFromFile(adminKubeconfigPath);
      return kc;
    };
    let controllerManager: ManagedProcess | undefined;
    if (opts.controllerManager) {
      await grantCsrControllerRole(kubeConfig());
      const kcm = await startControllerManager(
        join(dir, "controller-manager"),
        logDir,
        pki,
        api.url,
        api.serviceAccountKeyPath,
        opts.csrApproving ?? false,
        opts.extraControllerManagerArgs ?? [],
        readyTimeoutMs,
      );
      controllerManager = kcm.process;
      started.push(kcm.process);
      timings.controllerManagerMs = kcm.startupMs;
    }
    let apiserver = api.process;
    let restarts = 0;
    const restartApiserver = async (downMs = 0): Promise<void> => {
      const old = apiserver;
      await old.stop();
      started.splice(started.indexOf(old), 1);
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      const proc = await startProcess({ name: `kube-apiserver-restart-${++restarts}`, command: old.command, args: old.args, logDir });
      started.splice(started.length - (controllerManager ? 1 : 0), 0, proc);
      apiserver = proc;
      await waitFor(
        async () => {
          const res = await httpsRequest(`${api.url}/readyz`, { ca: pki.caCert, ...api.admin });
          if (res.status !== 200 || res.body !== "ok") throw new Error(`/readyz ${res.status}: ${res.body.slice(-400)}`);
          return true;
        },
        { what: `restarted kube-apiserver ${api.url}/readyz`, timeoutMs: readyTimeoutMs, processes: [proc] },
      );
    };
    return {
      url: api.url,
      caPem: pki.caCert,
      caCertPath: pki.caCertPath,
      adminKubeconfigPath,
      kubeConfig,
      pki,
      etcd,
      dir,
      logDir,
      get apiserver() {
        return apiserver;
      },
      controllerManager,
      timings,
      restartApiserver,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
