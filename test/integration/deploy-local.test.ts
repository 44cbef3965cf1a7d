// Issue #6, local mode end to end: the default three-node cluster rendered for
// 127.0.0.11-13 and applied with LocalTransport + ProcessServiceManager, every
// unit a real binary run from the harness cache under the process registry;
// the CSR approver is the rendered k8s-pki-approver.service running the built CLI.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { KUBELET_CLIENT_SIGNER } from "@k8s/bootstrap";
import {
  applyNodes,
  buildPlan,
  defaultInventory,
  formatApplyEvent,
  formatVerify,
  loadOrCreateState,
  localInventory,
  LocalTransport,
  renderCluster,
  verifyCluster,
  type ApplyOptions,
  type Plan,
  type Pki,
  type RenderedNode,
  type VerifyCheck,
} from "@k8s/deploy";
import { APPROVER_LEASE, APPROVER_PORT } from "../../packages/deploy/src/render/approver.js";
import { ADDONS_UNIT, COREDNS_CHECK } from "../../packages/deploy/src/components/addons.js";
import { certIds } from "../../packages/deploy/src/plan.js";
import { ProcessServiceManager, type LaunchedProcess } from "../../packages/deploy/src/process-service-manager.js";
import type { Stage } from "../../packages/deploy/src/rendered.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binaryPath, repoRoot, type Component } from "../harness/binaries.js";
import { withTempDir } from "../harness/fixtures.js";
import { startProcess, waitFor } from "../harness/process.js";
import { runCli } from "./cli-runner.js";

const tmp = withTempDir("k8s-pki-deploy-local-");
let plan: Plan;
let pki: Pki;
let nodes: RenderedNode[];
let services: ProcessServiceManager;
let root: string;
// The approver unit runs the built CLI (`npm run build`), as `deploy apply --local` does.
const cliPath = join(repoRoot, "packages/cli/bin/k8s-pki.js");
const progress: string[] = [];
const timings: string[] = [];

const nodeRoot = (node: string): string => join(root, node);
const transportFor = (n: { name: string }): Promise<LocalTransport> => Promise.resolve(new LocalTransport({ node: n.name, root: nodeRoot(n.name) }));
const failed = (checks: VerifyCheck[]): VerifyCheck[] => checks.filter((c) => !c.ok);
const verify = (): Promise<VerifyCheck[]> => verifyCluster({ plan, pki, requireNodes: false });

async function waitChecks(what: string, pick: (c: VerifyCheck) => boolean, timeoutMs = 120_000): Promise<void> {
  let last: VerifyCheck[] = [];
  await waitFor(
    async () => {
      last = (await verify()).filter(pick);
      return last.length > 0 && failed(last).length === 0;
    },
    { what, timeoutMs, intervalMs: 1000 },
  ).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${formatVerify(last)}`);
  });
}

function adminKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(join(nodeRoot("node1"), plan.paths.kubeconfig.admin));
  return kc;
}

async function afterStage(stage: Stage): Promise<void> {
  const t0 = Date.now();
  if (stage === "etcd") await waitChecks("etcd healthy with a leader", (c) => c.name.startsWith("etcd"));
  if (stage === "network") await waitChecks("flannel subnet leases", (c) => c.name.startsWith("pod network") || c.name.startsWith("flannel"));
  if (stage === "master") await waitChecks("API servers ready", (c) => c.name.startsWith("kube-apiserver"), 180_000);
  // RBAC and tokens came with cluster-objects.service; one of the three approver units leads.
  if (stage === "bootstrap") await waitChecks("the approver's Lease held", (c) => c.name === `Lease kube-system/${APPROVER_LEASE.name} held`, 60_000);
  timings.push(`${stage}: ready ${Date.now() - t0} ms after start`);
}

function applyOpts(): ApplyOptions {
  return {
    transportFor,
    services,
    onProgress: (e) => {
      if (e.kind !== "file-written") progress.push(formatApplyEvent(e));
    },
    afterStage: (stage) => afterStage(stage),
  };
}

beforeAll(async () => {
  expect(existsSync(cliPath), `${cliPath}: run \`npm run build\` first`).toBe(true);
  root = join(tmp.path, "nodes");
  plan = buildPlan(localInventory(defaultInventory()));
  const st = await loadOrCreateState(plan, join(tmp.path, "state"));
  pki = st.pki;
  nodes = renderCluster(plan, { pki, secrets: st.secrets, local: { root } });
  services = new ProcessServiceManager({
    binaryFor: (name) => (name === "k8s-pki" ? cliPath : binaryPath(name as Component)),
    // Through the harness registry, so nothing outlives the test.
    launch: async (spec): Promise<LaunchedProcess> =>
      startProcess({ name: spec.name, command: spec.command, args: spec.args, env: spec.env, logDir: spec.logDir, stopTimeoutMs: 5000, ...(spec.stdinPath ? { stdinPath: spec.stdinPath } : {}) }),
    maxRestartDelayMs: 1000,
  });
  const t0 = Date.now();
  const r = await applyNodes(nodes, applyOpts());
  timings.push(`first apply: ${Date.now() - t0} ms`);
  expect(r.changed).toBe(true);
});

afterAll(async () => {
  await services?.close();
  console.log(`deploy-local timings:\n  ${timings.join("\n  ")}`);
});

describe("deploy in local mode (3 nodes on 127.0.0.11-13)", () => {
  it("applied stage by stage, per node", () => {
    for (const n of ["node1", "node2", "node3"]) {
      expect(progress).toContain(`${n} [etcd] started etcd.service`);
      expect(progress).toContain(`${n} [network] started flanneld.service`);
      expect(progress).toContain(`${n} [worker] started kubelet.service`);
      expect(progress.some((l) => l.startsWith(`${n} [master] started kube-apiserver.service`))).toBe(true);
      expect(progress.some((l) => l.startsWith(`${n} [bootstrap] started k8s-pki-approver.service`))).toBe(true);
    }
    expect(progress.some((l) => l.startsWith("node1 [network] started flannel-network-config.service"))).toBe(true);
    expect(progress.some((l) => l.startsWith("node1 [bootstrap] started cluster-objects.service"))).toBe(true);
    expect(progress.some((l) => l.startsWith("node1 [bootstrap] started cluster-addons.service"))).toBe(true);
    for (const n of ["node2", "node3"]) expect(progress.some((l) => l.startsWith(`${n} [bootstrap] started cluster-addons.service`))).toBe(false);
  });

  it("etcd is three members over TLS, healthy, one leader; the pod network config is written and each node leases a subnet", async () => {
    const checks = await verify();
    const etcd = checks.filter((c) => c.name.startsWith("etcd"));
    expect(failed(etcd), formatVerify(checks)).toEqual([]);
    expect(etcd.filter((c) => c.name.endsWith("healthy"))).toHaveLength(3);
    const net = checks.find((c) => c.name === "pod network config in etcd");
    expect(net?.ok).toBe(true);
    expect(net?.detail).toContain("backend alloc");
    const leases = checks.find((c) => c.name === "flannel subnet leases");
    expect(leases?.detail).toMatch(/^3 lease\(s\)/);
    for (const n of ["node1", "node2", "node3"]) {
      expect(readFileSync(join(nodeRoot(n), "run/flannel/subnet.env"), "utf8")).toMatch(/FLANNEL_SUBNET=172\.30\.\d+\.1\/21/);
    }
  });

  it("a Secret created through the API is encrypted at rest in etcd", async () => {
    const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedSecret({ namespace: "default", body: { metadata: { name: "deploy-local" }, stringData: { password: "hunter2" } } });
    const r1 = nodeRoot("node1");
    const ids = certIds(plan);
    const raw = execFileSync(binaryPath("etcdctl"), [
      `--endpoints=https://127.0.0.11:2379`,
      `--cacert=${join(r1, plan.paths.certPath(ids.etcdCa))}`,
      `--cert=${join(r1, plan.paths.certPath(ids.etcdctlClient))}`,
      `--key=${join(r1, plan.paths.keyPath(ids.etcdctlClient))}`,
      "get",
      "/registry/secrets/default/deploy-local",
      "--print-value-only",
    ]);
    expect(raw.subarray(0, 8).toString()).toBe("k8s:enc:");
    expect(raw.toString("latin1")).toContain("k8s:enc:secretbox:v1:key1:");
    expect(raw.includes(Buffer.from("hunter2"))).toBe(false);
  });

  it("kubelets bootstrap through the approver units: one leader on the Lease approved all three CSRs, its /metrics says so", async () => {
    for (const n of ["node1", "node2", "node3"]) {
      await waitFor(() => existsSync(join(nodeRoot(n), "var/lib/kubelet/pki/kubelet-client-current.pem")), { what: `${n} kubelet client certificate`, timeoutMs: 120_000 });
    }
    const kc = adminKubeConfig();
    const csrs = await kc.makeApiClient(k8s.CertificatesV1Api).listCertificateSigningRequest();
    const kubelet = csrs.items.filter((c) => c.spec.signerName === KUBELET_CLIENT_SIGNER);
    expect(kubelet).toHaveLength(3);
    // The in-tree approver is off (--controllers=...,-csrapproving): k8s-pki's approver wrote these.
    for (const c of kubelet) expect(c.status?.conditions?.find((x) => x.type === "Approved")?.reason).toBe("AutoApproved");
    const events = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: "default" });
    const approvedBy = events.items.filter((e) => e.involvedObject.kind === "CertificateSigningRequest" && e.reason === "AutoApproved").map((e) => e.involvedObject.name);
    expect(new Set(approvedBy)).toEqual(new Set(kubelet.map((c) => c.metadata?.name)));

    const lease = await kc.makeApiClient(k8s.CoordinationV1Api).readNamespacedLease(APPROVER_LEASE);
    const holder = lease.spec?.holderIdentity ?? "";
    expect(["node1", "node2", "node3"]).toContain(holder);
    const metrics = async (node: string): Promise<string> => {
      const addr = plan.nodes.find((n) => n.name === node)!.address;
      const r = await fetch(`http://${addr}:${APPROVER_PORT}/metrics`);
      expect(r.status).toBe(200);
      return r.text();
    };
    const m = await metrics(holder);
    expect(m).toMatch(/^k8s_pki_approver_leader 1$/m);
    expect(m).toMatch(/^k8s_pki_approver_decisions_total\{signer="kubernetes\.io\/kube-apiserver-client-kubelet",outcome="approved",reason="nodeclient"\} 3$/m);
    for (const other of ["node1", "node2", "node3"].filter((n) => n !== holder)) {
      const o = await metrics(other);
      expect(o).toMatch(/^k8s_pki_approver_leader 0$/m);
      expect(o).not.toMatch(/outcome="approved"/);
    }
  });

  it("the approver's user has its own grants and nothing else", async () => {
    const authz = adminKubeConfig().makeApiClient(k8s.AuthorizationV1Api);
    const can = async (attrs: k8s.V1ResourceAttributes): Promise<boolean> =>
      (await authz.createSubjectAccessReview({ body: { spec: { user: "system:k8s-pki-approver", resourceAttributes: attrs } } })).status?.allowed === true;
    expect(await can({ group: "certificates.k8s.io", resource: "certificatesigningrequests", subresource: "approval", verb: "update" })).toBe(true);
    expect(await can({ group: "certificates.k8s.io", resource: "signers", name: KUBELET_CLIENT_SIGNER, verb: "approve" })).toBe(true);
    expect(await can({ group: "coordination.k8s.io", resource: "leases", namespace: "kube-system", name: APPROVER_LEASE.name, verb: "update" })).toBe(true);
    expect(await can({ group: "coordination.k8s.io", resource: "leases", namespace: "kube-system", name: "kube-controller-manager", verb: "update" })).toBe(false);
    expect(await can({ group: "certificates.k8s.io", resource: "signers", name: "kubernetes.io/kube-apiserver-client", verb: "approve" })).toBe(false);
    expect(await can({ resource: "secrets", namespace: "kube-system", verb: "get" })).toBe(false);
    expect(await can({ resource: "nodes", verb: "update" })).toBe(false);
  });

  it("controller-manager, scheduler and approver hold their Leases; verify is green", async () => {
    let last: VerifyCheck[] = [];
    await waitFor(async () => failed((last = await verify())).length === 0, { what: "verify green", timeoutMs: 120_000, intervalMs: 1000 }).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${formatVerify(last)}`);
    });
    console.log(formatVerify(last));
    expect(last.find((c) => c.name === `Lease kube-system/${APPROVER_LEASE.name} held`)?.detail).toMatch(/^held by node[123],/);
    // Local mode: no container runtime, so the CoreDNS check stops at the objects and says so.
    expect(last.find((c) => c.name === COREDNS_CHECK)).toEqual({
      name: COREDNS_CHECK,
      ok: true,
      detail: `Service kube-dns at ${plan.derived.dnsServiceIp}; Deployment coredns exists; local mode: pods are not checked (no container runtime)`,
    });
  });

  it("CoreDNS: cluster-addons.service's kubectl applied the objects and the API server took them as rendered", async () => {
    const kc = adminKubeConfig();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const coredns = plan.inventory.addons.coredns;
    const svc = await core.readNamespacedService({ namespace: "kube-system", name: "kube-dns" });
    // Allocated at the planned address (the kubelets' clusterDNS), not any free one.
    expect(svc.spec?.clusterIP).toBe(plan.derived.dnsServiceIp);
    expect(svc.spec?.clusterIP).toBe("10.254.0.2");
    expect(svc.spec?.ports?.map((p) => `${p.name} ${p.port}/${p.protocol}`)).toEqual(["dns 53/UDP", "dns-tcp 53/TCP", "metrics 9153/TCP"]);
    const cm = await core.readNamespacedConfigMap({ namespace: "kube-system", name: "coredns" });
    expect(cm.data?.Corefile).toContain(`kubernetes ${plan.inventory.dnsDomain} in-addr.arpa ip6.arpa {`);
    expect(cm.data?.Corefile).toContain("forward . /etc/resolv.conf {");
    await core.readNamespacedServiceAccount({ namespace: "kube-system", name: "coredns" });
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const binding = await rbac.readClusterRoleBinding({ name: "system:coredns" });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "coredns", namespace: "kube-system" }]);
    const dep = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace: "kube-system", name: "coredns" });
    expect(dep.spec?.replicas).toBe(coredns.replicas);
    expect(dep.spec?.template.spec?.containers[0]?.image).toBe(coredns.image);
    expect(dep.spec?.template.spec?.priorityClassName).toBe("system-cluster-critical");
    // The controller-manager acted on it: a ReplicaSet made the pods, and admission gave them the critical priority
    // (they stay Pending: local-mode kubelets never register).
    const pods = await waitFor(
      async () => {
        const l = await core.listNamespacedPod({ namespace: "kube-system", labelSelector: "k8s-app=kube-dns" });
        return l.items.length === coredns.replicas ? l.items : undefined;
      },
      { what: "the CoreDNS Deployment's pods to be created", timeoutMs: 60_000, intervalMs: 1000 },
    );
    for (const p of pods) {
      expect(p.spec?.priority).toBe(2_000_000_000);
      expect(p.spec?.serviceAccountName).toBe("coredns");
      expect(p.spec?.dnsPolicy).toBe("Default");
    }
    // The ServiceAccount may do what the kubernetes plugin does, and no more.
    const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
    const can = async (attrs: k8s.V1ResourceAttributes): Promise<boolean> =>
      (await authz.createSubjectAccessReview({ body: { spec: { user: "system:serviceaccount:kube-system:coredns", resourceAttributes: attrs } } })).status?.allowed === true;
    expect(await can({ group: "discovery.k8s.io", resource: "endpointslices", verb: "watch" })).toBe(true);
    expect(await can({ resource: "services", verb: "list" })).toBe(true);
    expect(await can({ resource: "secrets", verb: "get", namespace: "kube-system" })).toBe(false);
  });

  it("CoreDNS: running cluster-addons.service again applies the same objects and changes none of them", async () => {
    const kc = adminKubeConfig();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const ns = { namespace: "kube-system" };
    const versions = async (): Promise<Record<string, string | undefined>> => ({
      serviceAccount: (await core.readNamespacedServiceAccount({ ...ns, name: "coredns" })).metadata?.resourceVersion,
      clusterRole: (await rbac.readClusterRole({ name: "system:coredns" })).metadata?.resourceVersion,
      clusterRoleBinding: (await rbac.readClusterRoleBinding({ name: "system:coredns" })).metadata?.resourceVersion,
      configMap: (await core.readNamespacedConfigMap({ ...ns, name: "coredns" })).metadata?.resourceVersion,
      deployment: (await apps.readNamespacedDeployment({ ...ns, name: "coredns" })).metadata?.generation?.toString(),
      service: (await core.readNamespacedService({ ...ns, name: "kube-dns" })).metadata?.resourceVersion,
    });
    const before = await versions();
    const node1 = await transportFor({ name: "node1" });
    // The log is appended to by every run: count the lines each object got, before and after.
    const applied = (o: string): number => (services.processOf("node1", ADDONS_UNIT)?.logTail(100_000) ?? "").split("\n").filter((l) => l === `${o} serverside-applied`).length;
    const objects = ["serviceaccount/coredns", "clusterrole.rbac.authorization.k8s.io/system:coredns", "clusterrolebinding.rbac.authorization.k8s.io/system:coredns", "configmap/coredns", "deployment.apps/coredns", "service/kube-dns"];
    const runsBefore = objects.map(applied);
    expect(runsBefore.every((n) => n >= 1), `cluster-addons.service log:\n${services.processOf("node1", ADDONS_UNIT)?.logTail() ?? "(none)"}`).toBe(true);
    // The unit is oneshot: restart runs its kubectl apply once more, to completion.
    await services.restart(node1, ADDONS_UNIT);
    expect(objects.map(applied)).toEqual(runsBefore.map((n) => n + 1));
    // Server-side apply of identical objects writes nothing: no resourceVersion (the Deployment's generation) moves.
    expect(await versions()).toEqual(before);
  });

  it("a second apply changes nothing", async () => {
    progress.length = 0;
    const t0 = Date.now();
    const r = await applyNodes(nodes, { ...applyOpts(), afterStage: undefined });
    timings.push(`second apply: ${Date.now() - t0} ms`);
    expect(r.changed, progress.join("\n")).toBe(false);
    expect(progress.filter((l) => l.includes("started") || l.includes("restarted") || l.includes("wrote"))).toEqual([]);
  });

  it("`k8s-pki deploy verify --local` agrees: every check ok, exit 0", async () => {
    const r = await runCli(["deploy", "verify", "--local", root, "--state", join(tmp.path, "state")]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/etcd has exactly one leader/);
    expect(r.stdout).toMatch(/kube-apiserver node1/);
  });

  it("the leading approver unit stopped, another master's approver takes the Lease", async () => {
    const coord = adminKubeConfig().makeApiClient(k8s.CoordinationV1Api);
    const before = (await coord.readNamespacedLease(APPROVER_LEASE)).spec?.holderIdentity ?? "";
    expect(["node1", "node2", "node3"]).toContain(before);
    const t0 = Date.now();
    await services.stop(await transportFor({ name: before }), "k8s-pki-approver.service");
    // SIGTERM releases the Lease (ReleaseOnCancel), so a standby takes it within a retry period or two.
    const after = await waitFor(
      async () => {
        const h = (await coord.readNamespacedLease(APPROVER_LEASE)).spec?.holderIdentity;
        return h !== undefined && h !== "" && h !== before ? h : undefined;
      },
      { what: "the approver Lease to move", timeoutMs: 30_000, intervalMs: 500 },
    );
    timings.push(`approver Lease moved ${before} -> ${after} after ${Date.now() - t0} ms`);
    const addr = plan.nodes.find((n) => n.name === after)!.address;
    await waitFor(async () => /^k8s_pki_approver_leader 1$/m.test(await (await fetch(`http://${addr}:${APPROVER_PORT}/metrics`)).text()), {
      what: `${after}'s approver to report leading`,
      timeoutMs: 10_000,
    });
  });

  it("with one etcd member and the leading controller-manager stopped, verify reports it, the API serves and the Lease moves", async () => {
    const kc = adminKubeConfig();
    const coord = kc.makeApiClient(k8s.CoordinationV1Api);
    const holderBefore = (await coord.readNamespacedLease({ namespace: "kube-system", name: "kube-controller-manager" })).spec?.holderIdentity;
    // Every controller-manager runs on this host, so the identity's host part is the same: find the leader by its log.
    const leader = ["node1", "node2", "node3"].find((n) =>
      /Successfully acquired lease" lock="kube-system\/kube-controller-manager"/.test(services.processOf(n, "kube-controller-manager.service")?.logTail(100000) ?? ""),
    );
    expect(leader).toBeDefined();
    const etcdVictim = "node3";
    await services.stop(await transportFor({ name: etcdVictim }), "etcd.service");
    await services.stop(await transportFor({ name: leader! }), "kube-controller-manager.service");

    // If the stopped member led etcd, the other two elect a new leader first: wait for that, not a fixed time.
    const checks = await waitFor(
      async () => {
        const c = await verify();
        return c.find((x) => x.name === "etcd has exactly one leader")?.ok ? c : undefined;
      },
      { what: "etcd to have one leader again", timeoutMs: 30_000, intervalMs: 500 },
    );
    const bad = failed(checks).map((c) => c.name);
    expect(bad).toContain(`etcd ${etcdVictim} healthy`);
    expect(bad).toContain(`kube-controller-manager ${leader!} /healthz`);
    const cli = await runCli(["deploy", "verify", "--local", root, "--state", join(tmp.path, "state")]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`etcd ${etcdVictim} healthy`);

    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "still-serving" }, data: { a: "b" } } });
    expect((await core.readNamespacedConfigMap({ namespace: "default", name: "still-serving" })).data?.a).toBe("b");

    const t0 = Date.now();
    const holderAfter = await waitFor(
      async () => {
        const h = (await coord.readNamespacedLease({ namespace: "kube-system", name: "kube-controller-manager" })).spec?.holderIdentity;
        return h !== undefined && h !== holderBefore ? h : undefined;
      },
      { what: "the kube-controller-manager Lease to move", timeoutMs: 90_000, intervalMs: 1000 },
    );
    timings.push(`Lease moved after ${Date.now() - t0} ms`);
    expect(holderAfter).not.toBe(holderBefore);
    const newLeader = ["node1", "node2", "node3"].filter((n) => n !== leader).find((n) =>
      /Successfully acquired lease" lock="kube-system\/kube-controller-manager"/.test(services.processOf(n, "kube-controller-manager.service")?.logTail(100000) ?? ""),
    );
    expect(newLeader).toBeDefined();
  });
});
