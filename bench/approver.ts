// Benchmark (c): 1,000 kubelet client CSRs created at once against a real
// control plane; time from creation to Approved (p50, p99) and the approver's
// peak RSS; then the same load with kube-controller-manager's built-in
// csrapproving instead of ours, on the same machine in the same run.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { applyRbac, createToken, csrRbacObjects, generateToken, KUBELET_CLIENT_SIGNER } from "@k8s/bootstrap";
import { generateKeyAndCsr, parseCsrJson } from "@k8s/pki";
import { APPROVER_NODE_OPTIONS } from "@k8s/bootstrap";
import { repoRoot } from "../test/harness/binaries.js";
import { startControlPlane, type ControlPlane } from "../test/harness/control-plane.js";
import { createTempDir } from "../test/harness/fixtures.js";
import { startProcess, type ManagedProcess } from "../test/harness/process.js";
import { tokenKubeConfig, waitForAcceptedToken } from "../test/harness/token-client.js";

export interface ApprovalRun {
  name: string;
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  wallMs: number;
  peakRssMb?: number;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

function peakRssMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function bootstrapClient(cp: ControlPlane): Promise<k8s.KubeConfig> {
  const token = generateToken();
  await createToken(cp.kubeConfig(), token);
  const kc = tokenKubeConfig(cp, token.value);
  await waitForAcceptedToken(kc);
  return kc;
}

/** Creates `csrs` at once (bounded concurrency) and measures each one's time to Approved, seen through a watch. */
async function load(cp: ControlPlane, csrs: string[], name: string, approver?: ManagedProcess): Promise<ApprovalRun> {
  const admin = cp.kubeConfig();
  const kc = await bootstrapClient(cp);
  const created = new Map<string, number>();
  const approved = new Map<string, number>();
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  const watch = new k8s.Watch(admin);
  const req = await watch.watch(
    "/apis/certificates.k8s.io/v1/certificatesigningrequests",
    {},
    (_type: string, obj: k8s.V1CertificateSigningRequest) => {
      const n = obj.metadata?.name ?? "";
      if (!approved.has(n) && obj.status?.conditions?.some((c) => c.type === "Approved")) {
        approved.set(n, performance.now());
        if (approved.size === csrs.length) done();
      }
    },
    () => undefined,
  );
  const api = kc.makeApiClient(k8s.CertificatesV1Api);
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < csrs.length) {
      const i = next++;
      const n = `bench-${name.replace(/\W+/g, "-")}-${i}`;
      const start = performance.now();
      await api.createCertificateSigningRequest({
        body: { metadata: { name: n }, spec: { request: Buffer.from(csrs[i]!).toString("base64"), signerName: KUBELET_CLIENT_SIGNER, usages: ["digital signature", "key encipherment", "client auth"] } },
      });
      created.set(n, start);
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  const timeout = setTimeout(done, 600_000);
  await all;
  clearTimeout(timeout);
  const wallMs = performance.now() - t0;
  req.abort();
  const lat = [...created.entries()].filter(([n]) => approved.has(n)).map(([n, t]) => approved.get(n)! - t);
  return {
    name,
    count: lat.length,
    p50Ms: quantile(lat, 0.5),
    p99Ms: quantile(lat, 0.99),
    maxMs: Math.max(...lat),
    wallMs,
    peakRssMb: approver ? peakRssMb(approver.pid) : undefined,
  };
}

export async function approverBench(n = 1000): Promise<ApprovalRun[]> {
  const csrs: string[] = [];
  for (let i = 0; i < n; i++) csrs.push((await generateKeyAndCsr(parseCsrJson({ CN: `system:node:bench-${i}`, names: [{ O: "system:nodes" }] }))).csrPem);
  const results: ApprovalRun[] = [];
  const tmp = createTempDir("k8s-pki-bench-approver-");
  let failed = true;
  try {
    // Ours: kube-controller-manager signs, the k8s-pki approver (a separate process) approves.
    const cp1 = await startControlPlane({ dir: join(tmp.path, "ours"), controllerManager: true, csrApproving: false });
    await applyRbac(cp1.kubeConfig(), csrRbacObjects());
    const approver = await startProcess({
      name: "approver",
      command: process.execPath,
      args: [join(repoRoot, "packages/cli/bin/k8s-pki.js"), "approver", "run", "--kubeconfig", cp1.adminKubeconfigPath, "--listen", "127.0.0.1:0", "--no-leader-elect", "--log-format", "text"],
      logDir: cp1.logDir,
      // The runtime flags the Deployment from `approver manifests` sets (see APPROVER_NODE_OPTIONS).
      env: { ...process.env, NODE_OPTIONS: APPROVER_NODE_OPTIONS },
    });
    results.push(await load(cp1, csrs, "k8s-pki approver", approver));
    await approver.stop();
    await cp1.stop();

    // Built-in: kube-controller-manager's csrapproving (5 workers, 10 qps / 100 burst queue).
    const cp2 = await startControlPlane({ dir: join(tmp.path, "builtin"), controllerManager: true, csrApproving: true });
    await applyRbac(cp2.kubeConfig(), csrRbacObjects());
    results.push(await load(cp2, csrs, "kube-controller-manager csrapproving"));
    await cp2.stop();
    failed = false;
  } finally {
    await tmp.finish(failed);
  }
  return results;
}
