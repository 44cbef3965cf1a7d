// Issue #5, the long-running parts on the real harness: two approver
// processes share a Lease and the leader is killed; the API server restarts
// while CSRs are being created. Every CSR must end Approved exactly once.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { applyRbac, createToken, csrRbacObjects, generateToken, KUBELET_CLIENT_SIGNER } from "@k8s/bootstrap";
import { generateKeyAndCsr, parseCsrJson } from "@k8s/pki";
import { repoRoot } from "../harness/binaries.js";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { withTempDir } from "../harness/fixtures.js";
import { startProcess, waitFor, type ManagedProcess } from "../harness/process.js";
import { tokenKubeConfig, waitForAcceptedToken } from "../harness/token-client.js";

const tmp = withTempDir("k8s-pki-approver-ha-");
const cli = join(repoRoot, "packages/cli/bin/k8s-pki.js");
let cp: ControlPlane;
let admin: k8s.KubeConfig;
let bootstrapKc: k8s.KubeConfig;
const LEASE_NS = "kube-system";

beforeAll(async () => {
  if (!existsSync(join(repoRoot, "packages/cli/dist/main.js"))) throw new Error("packages/cli/dist is missing: run `npm run build` (npm test does)");
  cp = await startControlPlane({ dir: tmp.path, controllerManager: true });
  admin = cp.kubeConfig();
  await applyRbac(admin, csrRbacObjects());
  const token = generateToken();
  await createToken(admin, token);
  bootstrapKc = tokenKubeConfig(cp, token.value);
  await waitForAcceptedToken(bootstrapKc);
});
afterAll(async () => {
  await cp?.stop();
});

function startApprover(identity: string, lease: string): Promise<ManagedProcess> {
  return startProcess({
    name: `approver-${identity}`,
    command: process.execPath,
    args: [cli, "approver", "run", "--kubeconfig", cp.adminKubeconfigPath, "--identity", identity, "--lease-name", lease, "--lease-namespace", LEASE_NS, "--listen", "127.0.0.1:0", "--log-format", "text"],
    logDir: cp.logDir,
  });
}

async function holder(lease: string): Promise<string | undefined> {
  try {
    const l = await admin.makeApiClient(k8s.CoordinationV1Api).readNamespacedLease({ name: lease, namespace: LEASE_NS });
    return l.spec?.holderIdentity ?? undefined;
  } catch {
    return undefined;
  }
}

async function createClientCsr(i: number): Promise<string> {
  const { csrPem } = await generateKeyAndCsr(parseCsrJson({ CN: `system:node:ha-${i}`, names: [{ O: "system:nodes" }] }));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const c = await bootstrapKc.makeApiClient(k8s.CertificatesV1Api).createCertificateSigningRequest({
        body: { metadata: { name: `ha-${i}-${Date.now()}` }, spec: { request: Buffer.from(csrPem).toString("base64"), signerName: KUBELET_CLIENT_SIGNER, usages: ["digital signature", "key encipherment", "client auth"] } },
      });
      return c.metadata!.name!;
    } catch (e) {
      // While the API server restarts, creation fails (refused connections, 5xx, 401 until
      // its token authenticator has re-read the Secrets, and 403 until its RBAC cache has
      // synced, which on a loaded machine can outlast /readyz): keep trying, as a kubelet does.
      const code = (e as { code?: unknown }).code;
      const transient = typeof code !== "number" || code >= 500 || code === 401 || code === 403 || code === 429;
      if (!transient || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function approvals(names: string[]): Promise<Map<string, number>> {
  const api = admin.makeApiClient(k8s.CertificatesV1Api);
  const out = new Map<string, number>();
  for (const n of names) {
    const c = await api.readCertificateSigningRequest({ name: n });
    out.set(n, (c.status?.conditions ?? []).filter((x) => x.type === "Approved").length);
  }
  return out;
}

async function waitAllApproved(names: string[], timeoutMs: number): Promise<Map<string, number>> {
  return waitFor(async () => {
    const a = await approvals(names);
    return [...a.values()].every((n) => n >= 1) ? a : undefined;
  }, { what: `${names.length} CSRs approved`, timeoutMs, intervalMs: 500 });
}

describe("approver high availability", () => {
  it("the other replica takes over within the lease time when the leader is killed; each CSR is approved exactly once", async () => {
    const lease = "approver-ha";
    const a = await startApprover("replica-a", lease);
    const b = await startApprover("replica-b", lease);
    const first = await waitFor(() => holder(lease), { what: "a leader", timeoutMs: 30_000, processes: [a, b] });
    const [leader, follower, followerId] = first === "replica-a" ? [a, b, "replica-b"] : [b, a, "replica-a"];

    const names: string[] = [];
    for (let i = 0; i < 5; i++) names.push(await createClientCsr(i));
    await waitAllApproved(names, 30_000);

    // Crash the leader: no release, so the follower must wait the lease out.
    leader.killNow();
    const killedAt = Date.now();
    const creating = (async () => {
      for (let i = 5; i < 25; i++) {
        names.push(await createClientCsr(i));
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    await waitFor(async () => ((await holder(lease)) === followerId ? true : undefined), { what: "takeover", timeoutMs: 40_000, intervalMs: 200 });
    const takeoverMs = Date.now() - killedAt;
    // 15 s lease + 2 s retry period, plus one retry of slack.
    expect(takeoverMs).toBeLessThan(19_000);
    await creating;
    const counts = await waitAllApproved(names, 60_000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    // SIGTERM releases the Lease at once.
    await follower.stop();
    expect(follower.exitStatus?.code).toBe(0);
    expect(await holder(lease)).toBe("");
  }, 180_000);

  it("misses no CSR across an API server restart", async () => {
    const lease = "approver-restart";
    const a = await startApprover("restart-a", lease);
    await waitFor(async () => ((await holder(lease)) === "restart-a" ? true : undefined), { what: "leader", timeoutMs: 30_000, processes: [a] });
    const names: string[] = [];
    const creating = (async () => {
      for (let i = 100; i < 120; i++) {
        names.push(await createClientCsr(i));
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    await new Promise((r) => setTimeout(r, 1500));
    await cp.restartApiserver(2000);
    await creating;
    const counts = await waitAllApproved(names, 90_000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(a.running).toBe(true);
    await a.stop();
  }, 240_000);
});
