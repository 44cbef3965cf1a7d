// Issue #4 on the real kube-apiserver: bootstrap tokens authenticate as
// kubeadm's do, the csr-crb RBAC lets them ask for certificates and nothing
// more, and bad input changes nothing.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { buildTokenSecret, createToken, generateToken, parseToken, SECRET_NAMESPACE } from "@k8s/bootstrap";
import { generateKeyAndCsr, parseCsrJson } from "@k8s/pki";
import { binaryPath } from "../harness/binaries.js";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { withTempDir } from "../harness/fixtures.js";
import { waitFor } from "../harness/process.js";
import { tokenKubeConfig as harnessTokenKubeConfig } from "../harness/token-client.js";
import { runCli } from "./cli-runner.js";

const tmp = withTempDir("k8s-pki-bootstrap-");
let cp: ControlPlane;
let admin: k8s.KubeConfig;

beforeAll(async () => {
  cp = await startControlPlane({ dir: tmp.path });
  admin = cp.kubeConfig();
});
afterAll(async () => {
  await cp?.stop();
});

const tokenKubeConfig = (token: string): k8s.KubeConfig => harnessTokenKubeConfig(cp, token);

interface Identity {
  status: "ok" | number;
  username?: string;
  groups?: string[];
}

/** Who the API server says a token is (SelfSubjectReview), or the HTTP status it refused with. */
async function whoami(token: string): Promise<Identity> {
  const api = tokenKubeConfig(token).makeApiClient(k8s.AuthenticationV1Api);
  try {
    const r = await api.createSelfSubjectReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
    return { status: "ok", username: r.status?.userInfo?.username, groups: r.status?.userInfo?.groups };
  } catch (e) {
    return { status: (e as { code?: number }).code ?? -1 };
  }
}

/** The token authenticator reads Secrets through an informer: wait until it agrees. */
async function waitForIdentity(token: string, want: (i: Identity) => boolean, what: string): Promise<Identity> {
  return waitFor(async () => {
    const i = await whoami(token);
    return want(i) ? i : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200, what });
}

async function secretNames(): Promise<string[]> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const list = await core.listNamespacedSecret({ namespace: SECRET_NAMESPACE });
  return list.items.map((s) => s.metadata!.name!).sort();
}

const kubeconfigArg = (): string[] => ["--kubeconfig", cp.adminKubeconfigPath];

describe("bootstrap tokens on the real API server", () => {
  it("a token made by `k8s-pki token create` authenticates as system:bootstrap:<id> in system:bootstrappers", async () => {
    const r = await runCli(["token", "create", ...kubeconfigArg(), "--groups", "system:bootstrappers:worker", "--description", "node n1"]);
    expect(r.code, r.stderr).toBe(0);
    const token = parseToken(r.stdout.trim());
    const id = await waitForIdentity(token.value, (i) => i.status === "ok", "token accepted");
    expect(id.username).toBe(`system:bootstrap:${token.id}`);
    expect(id.groups).toEqual(expect.arrayContaining(["system:bootstrappers", "system:bootstrappers:worker", "system:authenticated"]));

    const list = await runCli(["token", "list", ...kubeconfigArg()]);
    expect(list.code, list.stderr).toBe(0);
    const row = list.stdout.split("\n").find((l) => l.startsWith(token.value));
    expect(row).toMatch(/ 23h +\S+Z +authentication,signing +node n1 +system:bootstrappers:worker$/);
    const json = await runCli(["token", "list", ...kubeconfigArg(), "-o", "json"]);
    expect(json.stdout).toContain(`"token": "${token.value}"`);
  });

  it("refuses an expired token, a deleted token and a token without usage-bootstrap-authentication", async () => {
    const core = admin.makeApiClient(k8s.CoreV1Api);
    const expired = generateToken();
    const past = buildTokenSecret(expired, { ttl: "1h", now: new Date(Date.now() - 2 * 3_600_000) });
    await core.createNamespacedSecret({ namespace: SECRET_NAMESPACE, body: past as k8s.V1Secret });
    const signingOnly = generateToken();
    await createToken(admin, signingOnly, { usages: ["signing"] });
    const deleted = generateToken();
    await createToken(admin, deleted);
    // A valid token created at the same time shows when the authenticator has seen the new Secrets.
    const control = generateToken();
    await createToken(admin, control);
    await waitForIdentity(control.value, (i) => i.status === "ok", "control token accepted");
    expect(await waitForIdentity(deleted.value, (i) => i.status === "ok", "token accepted before delete")).toMatchObject({ status: "ok" });

    expect((await whoami(expired.value)).status).toBe(401);
    expect((await whoami(signingOnly.value)).status).toBe(401);

    const del = await runCli(["token", "delete", ...kubeconfigArg(), deleted.value]);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toBe(`bootstrap token "${deleted.id}" deleted\n`);
    await waitForIdentity(deleted.value, (i) => i.status === 401, "deleted token refused");
  });

  it("after `rbac apply` a bootstrap identity may create a CSR and may not list Secrets; a second apply changes nothing", async () => {
    const first = await runCli(["rbac", "apply", ...kubeconfigArg()]);
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(["rbac", "apply", ...kubeconfigArg()]);
    expect(second.code, second.stderr).toBe(0);
    const lines = second.stdout.trim().split("\n");
    expect(lines).toHaveLength(6);
    for (const l of lines) expect(l).toMatch(/ unchanged$/);
    expect(first.stdout).toMatch(/clusterrolebinding\.rbac\.authorization\.k8s\.io\/kubelet-bootstrap (created|unchanged)/);

    // A binding someone edited by hand is put back, and reported as configured.
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    const b = await rbac.readClusterRoleBinding({ name: "node-client-cert-renewal" });
    b.subjects = [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:intruders" }];
    await rbac.replaceClusterRoleBinding({ name: "node-client-cert-renewal", body: b });
    const third = await runCli(["rbac", "apply", ...kubeconfigArg()]);
    expect(third.stdout).toContain("clusterrolebinding.rbac.authorization.k8s.io/node-client-cert-renewal configured");
    expect((await rbac.readClusterRoleBinding({ name: "node-client-cert-renewal" })).subjects?.[0]?.name).toBe("system:nodes");

    const token = generateToken();
    await createToken(admin, token);
    await waitForIdentity(token.value, (i) => i.status === "ok", "token accepted");
    const kc = tokenKubeConfig(token.value);
    const { csrPem } = await generateKeyAndCsr(parseCsrJson({ CN: "system:node:n1", names: [{ O: "system:nodes" }] }));
    const certs = kc.makeApiClient(k8s.CertificatesV1Api);
    const created = await certs.createCertificateSigningRequest({
      body: {
        metadata: { generateName: "node-csr-" },
        spec: { request: Buffer.from(csrPem).toString("base64"), signerName: "kubernetes.io/kube-apiserver-client-kubelet", usages: ["digital signature", "client auth"] },
      },
    });
    expect(created.spec.username).toBe(`system:bootstrap:${token.id}`);
    expect(created.spec.groups).toContain("system:bootstrappers");

    const core = kc.makeApiClient(k8s.CoreV1Api);
    await expect(core.listNamespacedSecret({ namespace: "kube-system" })).rejects.toMatchObject({ code: 403 });
  });

  it("prints a bootstrap kubeconfig that kubectl loads and authenticates with", async () => {
    const caFile = join(tmp.path, "bootstrap-ca.pem");
    writeFileSync(caFile, cp.caPem);
    const r = await runCli(["token", "create", ...kubeconfigArg(), "--print-kubeconfig", "--server", cp.url, "--ca-file", caFile]);
    expect(r.code, r.stderr).toBe(0);
    const file = join(tmp.path, "bootstrap.kubeconfig");
    writeFileSync(file, r.stdout, { mode: 0o600 });
    const token = parseToken((/token: (\S+)/.exec(r.stdout) ?? [])[1] ?? "");
    await waitForIdentity(token.value, (i) => i.status === "ok", "token accepted");
    const out = execFileSync(binaryPath("kubectl"), ["--kubeconfig", file, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]).toString();
    expect(out).toBe(`system:bootstrap:${token.id}`);
  });

  describe("bad input: a clear error, a non-zero exit, nothing created", () => {
    let before: string[];
    beforeAll(async () => {
      before = await secretNames();
    });
    afterAll(async () => {
      expect(await secretNames()).toEqual(before);
    });

    it.each([
      ["a malformed token", ["token", "create", "abcdef.NOTVALID"], /does not match "\[a-z0-9\]\{6\}\.\[a-z0-9\]\{16\}"/],
      ["a bad group", ["token", "create", "--groups", "system:nodes"], /group "system:nodes" must match/],
      ["a bad TTL", ["token", "create", "--ttl", "7d"], /invalid --ttl "7d": time: unknown unit "d"/],
      ["a bad usage", ["token", "create", "--usages", "signing,root"], /invalid bootstrap token usage "root"/],
      ["a missing CA file", ["token", "create", "--print-kubeconfig", "--server", "https://127.0.0.1:6443", "--ca-file", "/nonexistent/ca.pem"], /--ca-file \/nonexistent\/ca.pem: no such file/],
      ["an http server URL", ["token", "create", "--print-kubeconfig", "--server", "http://127.0.0.1:6443", "--ca-file", "ca.pem"], /must be an https:\/\/ URL|no such file/],
    ])("%s", async (_what, argv, message) => {
      const r = await runCli([...argv, ...kubeconfigArg()], { cwd: tmp.path });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });

    it("an unreachable server", async () => {
      const file = join(tmp.path, "unreachable.kubeconfig");
      writeFileSync(file, readFileSync(cp.adminKubeconfigPath, "utf8").replace(cp.url, "https://127.0.0.1:1"));
      const r = await runCli(["token", "create", "--kubeconfig", file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/unreachable \(ECONNREFUSED\)/);
      const l = await runCli(["rbac", "apply", "--kubeconfig", file]);
      expect(l.code).toBe(1);
      expect(l.stderr).toMatch(/unreachable/);
    });
  });
});

