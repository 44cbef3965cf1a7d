// Issue #5 on the real harness: a real kubelet bootstraps through a token made
// by k8s-pki and the approver; renewals and serving certificates a node is
// entitled to are approved; everything else is denied or left alone.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { Approver, applyRbac, createLogger, csrRbacObjects, resolveApproverConfig, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from "@k8s/bootstrap";
import { generateKeyAndCsr, parseCertificatePem, parseCsrJson } from "@k8s/pki";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { withTempDir } from "../harness/fixtures.js";
import { startKubelet } from "../harness/kubelet.js";
import { waitFor } from "../harness/process.js";
import { runCli } from "./cli-runner.js";

const tmp = withTempDir("k8s-pki-approver-");
let cp: ControlPlane;
let admin: k8s.KubeConfig;
let approver: Approver;
let nodeKc: k8s.KubeConfig;
const logs: string[] = [];

beforeAll(async () => {
  cp = await startControlPlane({ dir: tmp.path, controllerManager: true, csrApproving: false });
  admin = cp.kubeConfig();
  await applyRbac(admin, csrRbacObjects());
  const config = resolveApproverConfig({ kubeconfig: cp.adminKubeconfigPath, listen: "127.0.0.1:0", leaderElect: false, maxExpiration: "48h", cidr: ["10.99.0.0/16"] });
  approver = new Approver({ kubeConfig: admin, config, logger: createLogger("json", (l) => void logs.push(l)) });
  await approver.start();
});
afterAll(async () => {
  await approver?.stop();
  await cp?.stop();
});

type Csr = k8s.V1CertificateSigningRequest;
const certs = (kc: k8s.KubeConfig) => kc.makeApiClient(k8s.CertificatesV1Api);

async function createCsr(kc: k8s.KubeConfig, json: object, spec: { signerName: string; usages: string[]; expirationSeconds?: number }): Promise<Csr> {
  const { csrPem } = await generateKeyAndCsr(parseCsrJson(json));
  return certs(kc).createCertificateSigningRequest({
    body: { metadata: { generateName: "test-" }, spec: { request: Buffer.from(csrPem).toString("base64"), ...spec } },
  });
}

const conditionOf = (c: Csr): string | undefined => c.status?.conditions?.find((x) => x.type === "Approved" || x.type === "Denied")?.type;

async function waitForVerdict(name: string): Promise<Csr> {
  return waitFor(async () => {
    const c = await certs(admin).readCertificateSigningRequest({ name });
    return conditionOf(c) ? c : undefined;
  }, { what: `a verdict on ${name}`, timeoutMs: 30_000, intervalMs: 100 });
}

function kubeConfigWithCert(pem: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  const b64 = Buffer.from(pem).toString("base64");
  kc.loadFromOptions({
    clusters: [{ name: "c", server: cp.url, caData: Buffer.from(cp.caPem).toString("base64") }],
    users: [{ name: "u", certData: b64, keyData: b64 }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

async function whoami(kc: k8s.KubeConfig): Promise<string | undefined> {
  const r = await kc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
  return r.status?.userInfo?.username;
}

describe("the approver on the real harness", () => {
  it("lets a real kubelet bootstrap with a k8s-pki token: approved, signed by kube-controller-manager, authenticates as the node", async () => {
    const caFile = join(tmp.path, "ca.pem");
    writeFileSync(caFile, cp.caPem);
    const r = await runCli(["token", "create", "--kubeconfig", cp.adminKubeconfigPath, "--print-kubeconfig", "--server", cp.url, "--ca-file", caFile]);
    expect(r.code, r.stderr).toBe(0);
    const bootstrap = join(tmp.path, "bootstrap-node-a.kubeconfig");
    writeFileSync(bootstrap, r.stdout, { mode: 0o600 });
    const kubelet = await startKubelet({ controlPlane: cp, nodeName: "node-a", bootstrapKubeconfigPath: bootstrap });
    const pem = await kubelet.waitForClientCert(120_000);
    await kubelet.waitForKubeconfig(30_000);
    const cert = parseCertificatePem(pem);
    expect(cert.subject.commonName).toBe("system:node:node-a");
    expect(cert.subject.organization).toEqual(["system:nodes"]);

    const list = await certs(admin).listCertificateSigningRequest();
    const csr = list.items.find((c) => c.spec.signerName === KUBELET_CLIENT_SIGNER && c.spec.username?.startsWith("system:bootstrap:"));
    const cond = csr?.status?.conditions?.find((c) => c.type === "Approved");
    expect(cond?.reason).toBe("AutoApproved");
    expect(cond?.message).toContain("rule nodeclient");

    nodeKc = kubeConfigWithCert(pem);
    expect(await whoami(nodeKc)).toBe("system:node:node-a");

    const events = await admin.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: "default" });
    expect(events.items.some((e) => e.involvedObject.name === csr?.metadata?.name && e.reason === "AutoApproved")).toBe(true);
  });

  it("approves the node's own renewal (selfnodeclient)", async () => {
    const c = await createCsr(nodeKc, { CN: "system:node:node-a", names: [{ O: "system:nodes" }] }, { signerName: KUBELET_CLIENT_SIGNER, usages: ["digital signature", "client auth"] });
    const v = await waitForVerdict(c.metadata!.name!);
    expect(conditionOf(v)).toBe("Approved");
    expect(v.status?.conditions?.[0]?.message).toContain("rule selfnodeclient");
  });

  it("approves a serving certificate with the node's own name and address", async () => {
    const core = admin.makeApiClient(k8s.CoreV1Api);
    await core.createNode({ body: { metadata: { name: "node-a" } } });
    await core.patchNodeStatus(
      { name: "node-a", body: { status: { addresses: [{ type: "InternalIP", address: "10.0.0.11" }, { type: "Hostname", address: "node-a" }] } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const c = await createCsr(nodeKc, { CN: "system:node:node-a", names: [{ O: "system:nodes" }], hosts: ["node-a", "10.0.0.11"] }, { signerName: KUBELET_SERVING_SIGNER, usages: ["digital signature", "server auth"] });
    const v = await waitForVerdict(c.metadata!.name!);
    expect(conditionOf(v)).toBe("Approved");
    const issued = await waitFor(async () => (await certs(admin).readCertificateSigningRequest({ name: c.metadata!.name! })).status?.certificate, { what: "serving certificate issued", timeoutMs: 30_000 });
    const cert = parseCertificatePem(Buffer.from(issued, "base64"));
    expect(cert.sans.dns).toEqual(["node-a"]);
  });

  type Case = [string, object, { signerName: string; usages: string[]; expirationSeconds?: number }, "node" | "admin"];
  const SERVING = { signerName: KUBELET_SERVING_SIGNER, usages: ["digital signature", "server auth"] };
  const nodeA = { CN: "system:node:node-a", names: [{ O: "system:nodes" }] };
  const cases: Case[] = [
    ["another node's name", { ...nodeA, hosts: ["node-b"] }, SERVING, "node"],
    ["another node's IP", { ...nodeA, hosts: ["node-a", "10.0.0.12"] }, SERVING, "node"],
    ["an email SAN", { ...nodeA, hosts: ["node-a", "node-a@example.com"] }, SERVING, "node"],
    ["a URI SAN", { ...nodeA, hosts: ["node-a", "spiffe://cluster/node-a"] }, SERVING, "node"],
    ["the wrong O", { CN: "system:node:node-a", names: [{ O: "system:masters" }], hosts: ["node-a"] }, SERVING, "node"],
    ["another node's CN", { CN: "system:node:node-b", names: [{ O: "system:nodes" }], hosts: ["node-b"] }, SERVING, "node"],
    ["client usages on the serving signer", { ...nodeA, hosts: ["node-a"] }, { signerName: KUBELET_SERVING_SIGNER, usages: ["digital signature", "client auth"] }, "node"],
    ["too long an expiration", { ...nodeA, hosts: ["node-a"] }, { ...SERVING, expirationSeconds: 72 * 3600 }, "node"],
    ["a requester that is not a node", { ...nodeA, hosts: ["node-a"] }, SERVING, "admin"],
    ["another node's client certificate", { CN: "system:node:node-b", names: [{ O: "system:nodes" }] }, { signerName: KUBELET_CLIENT_SIGNER, usages: ["digital signature", "client auth"] }, "node"],
    ["a client certificate with a SAN", { ...nodeA, hosts: ["node-a"] }, { signerName: KUBELET_CLIENT_SIGNER, usages: ["digital signature", "client auth"] }, "node"],
  ];
  // The kubelet never asks for email or URI SANs: such a request is not canonical, and has its own reason.
  const reasonFor = (what: string): string => (/an email SAN|a URI SAN/.test(what) ? "NonCanonicalRequest" : "AutoDenied");
  it.each(cases)("denies %s", async (what, json, spec, who) => {
    const c = await createCsr(who === "node" ? nodeKc : admin, json, spec);
    const v = await waitForVerdict(c.metadata!.name!);
    expect(conditionOf(v)).toBe("Denied");
    expect(v.status?.conditions?.[0]?.reason).toBe(reasonFor(what));
  });

  it("leaves other signers alone", async () => {
    const other = await createCsr(nodeKc, nodeA, { signerName: "kubernetes.io/kube-apiserver-client", usages: ["digital signature", "client auth"] });
    // A CSR the approver handles, created after, shows the approver has caught up.
    const control = await createCsr(nodeKc, nodeA, { signerName: KUBELET_CLIENT_SIGNER, usages: ["digital signature", "client auth"] });
    await waitForVerdict(control.metadata!.name!);
    const o = await certs(admin).readCertificateSigningRequest({ name: other.metadata!.name! });
    expect(o.status?.conditions ?? []).toEqual([]);
  });

  it("exports decisions, queue depth and approval latency on /metrics and is ready", async () => {
    const base = `http://127.0.0.1:${approver.healthPort}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const m = await (await fetch(`${base}/metrics`)).text();
    expect(m).toMatch(/k8s_pki_approver_decisions_total\{signer="kubernetes.io\/kube-apiserver-client-kubelet",outcome="approved",reason="nodeclient"\} 1/);
    expect(m).toMatch(/k8s_pki_approver_decisions_total\{signer="kubernetes.io\/kubelet-serving",outcome="denied",reason="dns-name"\} 1/);
    expect(m).toMatch(/k8s_pki_approver_approval_seconds_count\{signer="kubernetes.io\/kube-apiserver-client-kubelet"\} [1-9]/);
    expect(m).toMatch(/k8s_pki_approver_queue_depth 0/);
    expect(m).toMatch(/k8s_pki_approver_leader 1/);
  });
});
