// A kubelet run only for its TLS bootstrap: with rotateCertificates off the
// client certificate is obtained synchronously, before the kubelet touches
// the container runtime, so it bootstraps and then exits at the CRI check
// (there is no runtime on the test host). That exit is expected.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { binaryPath } from "./binaries.js";
import { writePublicFile } from "./files.js";
import { freePort } from "./ports.js";
import { startProcess, waitFor, type ExitStatus, type ManagedProcess } from "./process.js";

export interface KubeletOptions {
  controlPlane: { dir: string; logDir: string; caCertPath: string };
  nodeName: string;
  bootstrapKubeconfigPath: string;
  /** Defaults to `<controlPlane.dir>/kubelet-<nodeName>`. */
  dir?: string;
}

export interface Kubelet {
  process: ManagedProcess;
  dir: string;
  certDir: string;
  /** Written by the kubelet once it holds a client certificate. */
  kubeconfigPath: string;
  /** `<certDir>/kubelet-client-current.pem`: certificate chain and key. */
  clientCertPath: string;
  /** Resolves to the contents of kubelet-client-current.pem once it holds a certificate. */
  waitForClientCert(timeoutMs?: number): Promise<string>;
  /** Resolves to the kubeconfig the kubelet wrote after bootstrapping. */
  waitForKubeconfig(timeoutMs?: number): Promise<string>;
  /** Resolves when the kubelet has exited (after bootstrap it exits at the CRI check). */
  waitForExit(timeoutMs?: number): Promise<ExitStatus>;
  stop(): Promise<void>;
}

function kubeletConfig(caCertPath: string, port: number): string {
  return [
    "apiVersion: kubelet.config.k8s.io/v1beta1",
    "kind: KubeletConfiguration",
    // Off: bootstrap then happens synchronously, before the CRI step; on, it races the exit.
    "rotateCertificates: false",
    "serverTLSBootstrap: false",
    "failSwapOn: false",
    // The CI host is cgroup v1 (hybrid); 1.35+ refuses it in config validation, before bootstrap.
    "failCgroupV1: false",
    "cgroupDriver: cgroupfs",
    "address: 127.0.0.1",
    `port: ${port}`,
    "readOnlyPort: 0",
    "healthzBindAddress: 127.0.0.1",
    "healthzPort: 0",
    "authentication:",
    "  anonymous:",
    "    enabled: false",
    "  webhook:",
    "    enabled: true",
    "  x509:",
    `    clientCAFile: ${JSON.stringify(caCertPath)}`,
    "authorization:",
    "  mode: Webhook",
    "",
  ].join("\n");
}

export async function startKubelet(opts: KubeletOptions): Promise<Kubelet> {
  const bin = binaryPath("kubelet");
  const dir = opts.dir ?? join(opts.controlPlane.dir, `kubelet-${opts.nodeName}`);
  const certDir = join(dir, "pki");
  const rootDir = join(dir, "root");
  mkdirSync(certDir, { recursive: true });
  mkdirSync(rootDir, { recursive: true });
  const configPath = writePublicFile(join(dir, "kubelet-config.yaml"), kubeletConfig(opts.controlPlane.caCertPath, await freePort()));
  const kubeconfigPath = join(dir, "kubelet.kubeconfig");
  const clientCertPath = join(certDir, "kubelet-client-current.pem");

  const proc = await startProcess({
    name: `kubelet-${opts.nodeName}`,
    command: bin,
    logDir: opts.controlPlane.logDir,
    args: [
      `--config=${configPath}`,
      `--bootstrap-kubeconfig=${opts.bootstrapKubeconfigPath}`,
      `--kubeconfig=${kubeconfigPath}`,
      `--cert-dir=${certDir}`,
      `--root-dir=${rootDir}`,
      `--hostname-override=${opts.nodeName}`,
      // Nothing listens there: the kubelet stops at the CRI check, after bootstrap.
      `--container-runtime-endpoint=unix://${join(dir, "none.sock")}`,
    ],
  });

  const fileWith = (path: string, marker: string) => (): string | undefined => {
    if (!existsSync(path)) return undefined;
    const text = readFileSync(path, "utf8");
    return text.includes(marker) ? text : undefined;
  };
  return {
    process: proc,
    dir,
    certDir,
    kubeconfigPath,
    clientCertPath,
    waitForClientCert: (timeoutMs = 120_000) =>
      waitFor(fileWith(clientCertPath, "BEGIN CERTIFICATE"), { what: clientCertPath, timeoutMs, processes: [proc] }),
    waitForKubeconfig: (timeoutMs = 120_000) =>
      waitFor(fileWith(kubeconfigPath, "client-certificate"), { what: kubeconfigPath, timeoutMs, processes: [proc] }),
    waitForExit: async (timeoutMs = 60_000) => {
      await waitFor(() => !proc.running, { what: `kubelet ${opts.nodeName} to exit`, timeoutMs });
      return proc.exited;
    },
    stop: async () => {
      await proc.stop();
    },
  };
}
