// A single-member etcd with mutual TLS on both listeners, as kube-apiserver
// expects it in production: no plaintext port, and only certificates from the
// harness CA get in.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { binaryPath } from "./binaries.js";
import { httpsRequest } from "./https-request.js";
import type { HarnessPki, IssuedFiles } from "./pki.js";
import { freePort } from "./ports.js";
import { startProcess, waitFor, type ManagedProcess } from "./process.js";

export interface EtcdOptions {
  /** Folder for the data dir. */
  dir: string;
  /** Folder for etcd.log; defaults to `dir`. */
  logDir?: string;
  /** CA that issues etcd's certificates and is the only one trusted for clients. */
  pki: HarnessPki;
  name?: string;
  readyTimeoutMs?: number;
}

export interface Etcd {
  /** Client URL, https://127.0.0.1:<port>. */
  url: string;
  peerUrl: string;
  /** A client certificate etcd accepts (the one kube-apiserver uses). */
  clientCert: IssuedFiles;
  caCertPath: string;
  process: ManagedProcess;
  /** Milliseconds from spawn to a healthy /health. */
  startupMs: number;
  stop(): Promise<void>;
}

export async function startEtcd(opts: EtcdOptions): Promise<Etcd> {
  const { dir, pki, name = "etcd", readyTimeoutMs = 60_000, logDir = dir } = opts;
  const bin = binaryPath("etcd");
  mkdirSync(dir, { recursive: true });
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `https://127.0.0.1:${clientPort}`;
  const peerUrl = `https://127.0.0.1:${peerPort}`;
  const server = await pki.issue(`${name}-server`, { cn: name, hosts: ["127.0.0.1", "localhost"], profile: "server" });
  const clientCert = await pki.issue(`${name}-client`, { cn: "kube-apiserver-etcd-client", profile: "client" });

  const t0 = Date.now();
  const proc = await startProcess({
    name,
    command: bin,
    logDir,
    args: [
      `--name=${name}`,
      `--data-dir=${join(dir, "data")}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=${name}=${peerUrl}`,
      "--initial-cluster-state=new",
      `--initial-cluster-token=${name}-${clientPort}`,
      `--cert-file=${server.certPath}`,
      `--key-file=${server.keyPath}`,
      "--client-cert-auth",
      `--trusted-ca-file=${pki.caCertPath}`,
      `--peer-cert-file=${server.certPath}`,
      `--peer-key-file=${server.keyPath}`,
      "--peer-client-cert-auth",
      `--peer-trusted-ca-file=${pki.caCertPath}`,
      // Test data is thrown away; fsync only slows every apiserver write.
      "--unsafe-no-fsync",
      "--log-level=warn",
    ],
  });
  const stop = async (): Promise<void> => {
    await proc.stop();
  };
  try {
    await waitFor(
      async () => {
        const res = await httpsRequest(`${url}/health`, { ca: pki.caCert, cert: clientCert.cert, key: clientCert.key });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body}`);
        const health = (JSON.parse(res.body) as { health?: unknown }).health;
        if (health !== "true") throw new Error(`not healthy yet: ${res.body}`);
        return true;
      },
      { what: `etcd ${url}/health`, timeoutMs: readyTimeoutMs, processes: [proc] },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, peerUrl, clientCert, caCertPath: pki.caCertPath, process: proc, startupMs: Date.now() - t0, stop };
}
