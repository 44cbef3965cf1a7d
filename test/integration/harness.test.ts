// Proof that the real-components harness works: a TLS-only etcd, a
// kube-apiserver and kube-controller-manager that trust only the harness CA,
// the built kubectl, and a kubelet TLS bootstrap end to end. Every
// certificate involved was issued by @k8s/pki.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { X509Certificate } from "node:crypto";
import { CoreV1Api } from "@kubernetes/client-node";
import { parseCertificatePem } from "@k8s/pki";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { binaryPath, requireBinaries } from "../harness/binaries.js";
import { createBootstrapToken, ensureKubeletBootstrapBinding, writeBootstrapKubeconfig } from "../harness/bootstrap-token.js";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { approveCsr, KUBELET_CLIENT_SIGNER, waitForCsr, waitForIssuedCertificate } from "../harness/csr.js";
import { withTempDir } from "../harness/fixtures.js";
import { httpsRequest, type TlsCredentials } from "../harness/https-request.js";
import { startKubelet } from "../harness/kubelet.js";
import { createUnrelatedCa, type HarnessPki, type KeyPair } from "../harness/pki.js";
import { runningProcesses } from "../harness/process.js";

const execFileAsync = promisify(execFile);

/** "HTTP <status>" or "error <code>: <message>", so refusals of either kind can be asserted. */
async function probe(url: string, creds: TlsCredentials): Promise<string> {
  try {
    const res = await httpsRequest(url, creds);
    return `HTTP ${res.status}`;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return `error ${err.code ?? ""}: ${err.message}`;
  }
}

const isPidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("real-components harness", () => {
  const seenPids = new Set<number>();
  let tmpPath = "";
  // Registered first so it runs last, after the temp folder's own cleanup:
  // the final word on whether anything outlived the tests.
  afterAll(async () => {
    for (const p of runningProcesses()) seenPids.add(p.pid);
    expect([...seenPids].filter(isPidAlive)).toEqual([]);
    if (tmpPath !== "") {
      // pgrep exits 1 when nothing matches.
      const pgrep = await execFileAsync("pgrep", ["-f", tmpPath]).then(
        (r) => ({ code: 0, stdout: r.stdout.trim() }),
        (e: { code?: number; stdout?: string }) => ({ code: e.code, stdout: (e.stdout ?? "").trim() }),
      );
      expect(pgrep).toEqual({ code: 1, stdout: "" });
    }
  });

  const tmp = withTempDir();
  let cp: ControlPlane;
  let otherCa: HarnessPki;

  beforeAll(async () => {
    tmpPath = tmp.path;
    // All at once, before anything starts: a partial cache fails here, naming the missing binary.
    requireBinaries("etcd", "kube-apiserver", "kube-controller-manager", "kubelet", "kubectl");
    cp = await startControlPlane({ dir: tmp.path, controllerManager: true });
    for (const p of runningProcesses()) seenPids.add(p.pid);
    otherCa = await createUnrelatedCa(join(tmp.path, "other-ca"));
    console.info(`harness startup (ms): ${JSON.stringify(cp.timings)}`);
  });

  afterAll(async () => {
    for (const p of runningProcesses()) seenPids.add(p.pid);
    await cp?.stop();
  });

  describe("kube-apiserver", () => {
    it("is ready", async () => {
      const admin = await cp.pki.mintClientCert("readyz-check", ["system:masters"]);
      const res = await httpsRequest(`${cp.url}/readyz`, { ca: cp.caPem, ...admin });
      expect(res).toMatchObject({ status: 200, body: "ok" });
    });

    it("lets the admin kubeconfig list namespaces through @kubernetes/client-node", async () => {
      const list = await cp.kubeConfig().makeApiClient(CoreV1Api).listNamespace();
      const names = list.items.map((ns) => ns.metadata?.name);
      expect(names).toEqual(expect.arrayContaining(["default", "kube-system"]));
    });

    it("admits a system:masters client certificate from the harness CA", async () => {
      const cert = await cp.pki.mintClientCert("alice", ["system:masters"]);
      const res = await httpsRequest(`${cp.url}/api/v1/namespaces`, { ca: cp.caPem, ...cert });
      expect(res.status).toBe(200);
    });

    it("refuses the same subject issued by a different CA with 401", async () => {
      const forged: KeyPair = await otherCa.mintClientCert("alice", ["system:masters"]);
      const res = await httpsRequest(`${cp.url}/api/v1/namespaces`, { ca: cp.caPem, ...forged });
      expect(res.status).toBe(401);
    });

    it("serves the built kubectl", async () => {
      const { stdout } = await execFileAsync(binaryPath("kubectl"), [
        `--kubeconfig=${cp.adminKubeconfigPath}`,
        `--cache-dir=${join(tmp.path, "kubectl-cache")}`,
        "get",
        "ns",
        "-o",
        "name",
      ]);
      expect(stdout.split("\n")).toContain("namespace/default");
    });
  });

  describe("etcd", () => {
    const health = (): string => `${cp.etcd.url}/health`;

    // etcd requires and verifies client certificates in the handshake, so both are TLS alerts, not HTTP errors.
    it("refuses a client without a certificate", async () => {
      expect(await probe(health(), { ca: cp.caPem })).toMatch(/^error ERR_SSL_.*(certificate required|handshake failure)/i);
    });

    it("refuses a client certificate from a different CA", async () => {
      const foreign = await otherCa.mintClientCert("kube-apiserver-etcd-client");
      expect(await probe(health(), { ca: cp.caPem, ...foreign })).toMatch(/^error ERR_SSL_.*(unknown ca|bad certificate)/i);
    });

    it("accepts the harness etcd client certificate", async () => {
      const res = await httpsRequest(health(), { ca: cp.caPem, cert: cp.etcd.clientCert.cert, key: cp.etcd.clientCert.key });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ health: "true" });
    });
  });

  describe("kubelet TLS bootstrap", () => {
    it("gets a client certificate signed by kube-controller-manager after the test approves its CSR", async () => {
      const kc = cp.kubeConfig();
      await ensureKubeletBootstrapBinding(kc);
      const token = await createBootstrapToken(kc, { extraGroups: ["system:bootstrappers:harness"] });
      const bootstrapKubeconfigPath = writeBootstrapKubeconfig(join(tmp.path, "bootstrap.kubeconfig"), cp, token);
      const nodeName = "harness-node-1";
      const kubelet = await startKubelet({ controlPlane: cp, nodeName, bootstrapKubeconfigPath });
      seenPids.add(kubelet.process.pid);
      const watch = { processes: [kubelet.process] };

      const csr = await waitForCsr(kc, `CSR from ${token.username}`, (c) => c.spec.username === token.username, watch);
      expect(csr.spec.signerName).toBe(KUBELET_CLIENT_SIGNER);
      expect(csr.spec.groups).toEqual(expect.arrayContaining(["system:bootstrappers", "system:bootstrappers:harness"]));
      await approveCsr(kc, csr);
      const issued = await waitForIssuedCertificate(kc, csr.metadata?.name ?? "", watch);

      const pem = await kubelet.waitForClientCert();
      const cert = parseCertificatePem(pem);
      expect(cert.subject.commonName).toBe(`system:node:${nodeName}`);
      expect(cert.subject.organization).toEqual(["system:nodes"]);
      expect(cert.raw.equals(parseCertificatePem(issued).raw)).toBe(true);
      // Issued by the harness CA (kube-controller-manager's --cluster-signing-*), not by anything else.
      expect(new X509Certificate(pem).verify(new X509Certificate(cp.caPem).publicKey)).toBe(true);
      expect(await kubelet.waitForKubeconfig()).toContain(kubelet.clientCertPath);

      // The new credential is a node identity: the Node authorizer lets it read its own Node only.
      const asNode = { ca: cp.caPem, cert: pem, key: pem };
      expect((await httpsRequest(`${cp.url}/api/v1/nodes/${nodeName}`, asNode)).status).toBe(404);
      expect((await httpsRequest(`${cp.url}/api/v1/nodes/someone-else`, asNode)).status).toBe(403);

      // Without a container runtime the kubelet stops at the CRI check, after bootstrapping.
      const exit = await kubelet.waitForExit();
      expect(exit.code).not.toBe(0);
      expect(kubelet.process.logTail(200)).toMatch(/container runtime|CRI|validate service connection/i);
    });
  });
});

// Outside the cluster suite: it must run even when the binaries are absent.
describe("binary lookup", () => {
  it("fails loudly, naming fixtures.sh, when a binary is missing", () => {
    const empty = mkdtempSync(join(tmpdir(), "k8s-pki-empty-cache-"));
    vi.stubEnv("K8S_PKI_BIN_CACHE", empty);
    try {
      expect(() => binaryPath("kube-apiserver")).toThrow(/kube-apiserver v1\.\d+\.\d+ is missing: .*k8s-pki-empty-cache-.*scripts\/fixtures\.sh/);
    } finally {
      vi.unstubAllEnvs();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
