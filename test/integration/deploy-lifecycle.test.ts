// Certificate lifecycle of a cluster made by `k8s-pki deploy apply --local`,
// driven through the built CLI as an operator would, with a client polling
// the API the whole time (re-reading the admin kubeconfig before each request,
// as kubectl does):
//   1. a SAN added in the inventory: `deploy plan --state` shows the re-issue,
//      apply restarts only the API servers, which are then reached by the name;
//   2. `certs renew apiserver` in the state: apply ships it and restarts only
//      the API servers;
//   3. CA rotation (rotate-ca start, apply, reissue, apply, finish, apply): the
//      old admin certificate works until finish and is refused after it.
// apply restarts one node at a time and waits for it to serve again, so a
// client that fails over between the API servers (as behind a load balancer)
// never sees a failed request, and no server ever refuses it on trust (TLS
// verification, 401, 403).
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import jsYaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binaryPath, type Component } from "../harness/binaries.js";
import { cliChild, cliPath, showRun, type ChildRun } from "../harness/cli-child.js";
import { withTempDir } from "../harness/fixtures.js";
import { httpsRequest } from "../harness/https-request.js";
import { waitFor } from "../harness/process.js";

const tmp = withTempDir("k8s-pki-deploy-lifecycle-");
const COMPONENTS: Component[] = ["etcd", "etcdctl", "flanneld", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kubectl"];
// 127.0.0.31-33: apart from the other local-mode tests' clusters, so they can run at once.
const ADDRS = ["127.0.0.31", "127.0.0.32", "127.0.0.33"];
const NAME = "api.k8s-pki.test";

const nodesDir = (): string => join(tmp.path, "nodes");
const stateDir = (): string => join(tmp.path, "state");
const inventoryPath = (): string => join(tmp.path, "inventory.json");
const local = (): string[] => ["--inventory", inventoryPath(), "--local", nodesDir(), "--state", stateDir()];
const binDirs = (): string => [...new Set(COMPONENTS.map((c) => dirname(binaryPath(c))))].join(":");
const adminKubeconfig = (): string => join(nodesDir(), "node1/etc/kubernetes/admin.kubeconfig");
const kubeletClientCert = (): string => join(nodesDir(), "node3/var/lib/kubelet/pki/kubelet-client-current.pem");
/** The kubelet's client certificate once it has one verifying against `caPem`. */
async function kubeletCertFrom(caPem: string): Promise<X509Certificate> {
  const ca = new X509Certificate(caPem);
  let cert: X509Certificate | undefined;
  await waitFor(
    () => {
      try {
        cert = new X509Certificate(readFileSync(kubeletClientCert()));
        return cert.verify(ca.publicKey);
      } catch {
        return false;
      }
    },
    { what: "node3's kubelet client certificate from the expected CA", timeoutMs: 120_000, intervalMs: 500 },
  );
  return cert!;
}
const writeInventory = (extraSans?: string[]): void => {
  // node3 is also a worker: its kubelet bootstraps its client certificate through the approver.
  const nodes = [1, 2, 3].map((i) => ({ name: `node${i}`, address: `192.168.95.3${i}`, roles: i === 3 ? ["etcd", "master", "worker"] : ["etcd", "master"] }));
  writeFileSync(inventoryPath(), JSON.stringify({ nodes, ...(extraSans ? { apiserver: { extraSans } } : {}) }));
};

interface Creds {
  server: string;
  ca: string;
  cert: string;
  key: string;
}
function readAdmin(): Creds {
  const kc = jsYaml.load(readFileSync(adminKubeconfig(), "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
  };
  const b64 = (s: string): string => Buffer.from(s, "base64").toString("utf8");
  return { server: kc.clusters[0]!.cluster.server, ca: b64(kc.clusters[0]!.cluster["certificate-authority-data"]), cert: b64(kc.users[0]!.user["client-certificate-data"]), key: b64(kc.users[0]!.user["client-key-data"]) };
}

interface Attempt {
  server: string;
  status?: number;
  error?: string;
}
interface Probe {
  start: number;
  end: number;
  /** Servers tried in order until one answered 200 (a client behind a load balancer, or failing over). */
  attempts: Attempt[];
  /** Set when every server failed. */
  error?: string;
}
/** One GET with fresh TLS (no agent), optionally reaching a host through a name resolved to it. */
const get = (url: string, creds: Omit<Creds, "server">, opts: { resolveTo?: string } = {}) => httpsRequest(url, { ...creds, timeoutMs: 3000, ...opts });

const probes: Probe[] = [];
const windows: { what: string; start: number; end: number }[] = [];
let polling = false;
let poller: Promise<void> | undefined;
let originalAdmin: Creds;
const timings: string[] = [];

async function poll(): Promise<void> {
  while (polling) {
    const start = Date.now();
    const p: Probe = { start, end: start, attempts: [] };
    const creds = readAdmin();
    // The kubeconfig's server first, then the other masters (every master address is a SAN).
    const servers = [creds.server, ...ADDRS.map((a) => `https://${a}:6443`).filter((u) => u !== creds.server)];
    for (const server of servers) {
      const a: Attempt = { server };
      p.attempts.push(a);
      try {
        const r = await get(`${server}/api/v1/namespaces/default`, creds);
        a.status = r.status;
        if (r.status === 200) break;
        a.error = `HTTP ${r.status}: ${r.body.slice(0, 200)}`;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        a.error = `${err.code ?? ""} ${err.message}`.trim();
      }
    }
    if (p.attempts.every((a) => a.error !== undefined)) p.error = p.attempts.map((a) => `${a.server}: ${a.error}`).join("; ");
    p.end = Date.now();
    probes.push(p);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const isTrustFailure = (a: Attempt): boolean =>
  a.status === 401 || a.status === 403 || /certificate|CERT_|self.signed|unable to (verify|get)|altname|SIGNATURE/i.test(a.error ?? "");

/** Every API server answers /readyz with the current admin credentials. */
async function allReady(): Promise<void> {
  await waitFor(
    async () => {
      const creds = readAdmin();
      const rs = await Promise.all(ADDRS.map((a) => get(`https://${a}:6443/readyz`, creds).then((r) => r.status === 200, () => false)));
      return rs.every(Boolean);
    },
    { what: "every kube-apiserver /readyz", timeoutMs: 180_000, intervalMs: 500 },
  );
}

/** An apply inside a recorded window that ends once every API server is ready again. */
async function applyWindow(what: string): Promise<ChildRun> {
  const start = Date.now();
  const r = await cliChild(["deploy", "apply", ...local(), "--bin-dir", binDirs()], 300_000);
  expect(r.code, showRun(r)).toBe(0);
  await allReady();
  const end = Date.now();
  windows.push({ what, start, end });
  timings.push(`${what}: apply ${r.stdout.length > 0 ? "" : "(no output) "}and ready in ${end - start} ms`);
  // Some polling outside the window, so "no failure outside restarts" covers a stretch of steady state.
  await new Promise((res) => setTimeout(res, 3000));
  return r;
}

const restartedUnits = (out: string): string[] => [...out.matchAll(/^(\S+) \[\w+\] restarted (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
const apiserversOnly = ["node1 kube-apiserver.service", "node2 kube-apiserver.service", "node3 kube-apiserver.service"];

beforeAll(async () => {
  expect(existsSync(cliPath), `${cliPath}: run \`npm run build\` first`).toBe(true);
  writeInventory();
  binDirs(); // fails up front, naming a missing binary
  const t0 = Date.now();
  const r = await cliChild(["deploy", "apply", ...local(), "--bin-dir", binDirs()], 300_000);
  expect(r.code, showRun(r)).toBe(0);
  await allReady();
  originalAdmin = readAdmin();
  const kubelet = await kubeletCertFrom(originalAdmin.ca);
  expect(kubelet.subject).toContain("CN=system:node:node3");
  timings.push(`first apply, API servers ready and kubelet bootstrapped: ${Date.now() - t0} ms`);
  polling = true;
  poller = poll();
}, 400_000);

afterAll(async () => {
  polling = false;
  await poller;
  if (existsSync(nodesDir())) {
    const r = await cliChild(["deploy", "stop", "--local", nodesDir()]);
    if (r.code !== 0) console.error(`deploy stop in afterAll failed:\n${showRun(r)}`);
  }
  console.log(`deploy-lifecycle timings:\n  ${timings.join("\n  ")}`);
});

describe("certificate lifecycle of a local-mode cluster, with a client polling the API throughout", () => {
  it("an API server name added in the inventory: plan shows the re-issue, apply restarts only the API servers, the name reaches them", async () => {
    const creds = readAdmin();
    const byName = (addr: string) => get(`https://${NAME}:6443/readyz`, creds, { resolveTo: addr });
    await expect(byName(ADDRS[0]!)).rejects.toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });

    writeInventory([NAME]);
    const plan = await cliChild(["deploy", "plan", "--inventory", inventoryPath(), "--local", nodesDir(), "--state", stateDir()]);
    expect(plan.code, showRun(plan)).toBe(0);
    expect(plan.stdout).toMatch(new RegExp(`apiserver: SANs \\+${NAME.replace(/\./g, "\\.")}`));

    const r = await applyWindow("SAN added");
    expect(r.stdout).toContain("re-issued from the kept CAs: apiserver");
    expect(restartedUnits(r.stdout)).toEqual(apiserversOnly);
    for (const a of ADDRS) expect((await byName(a)).status).toBe(200);
  });

  it("certs renew apiserver in the state: apply ships the new certificate and restarts only the API servers", async () => {
    const certFile = join(stateDir(), "pki/apiserver.pem");
    const before = new X509Certificate(readFileSync(certFile));
    const renew = await cliChild(["certs", "renew", "apiserver", "--dir", join(stateDir(), "pki")]);
    expect(renew.code, showRun(renew)).toBe(0);
    const after = new X509Certificate(readFileSync(certFile));
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(after.subjectAltName).toBe(before.subjectAltName);

    const r = await applyWindow("certs renew");
    expect(r.stdout).not.toContain("re-issued");
    expect(restartedUnits(r.stdout)).toEqual(apiserversOnly);
    for (const n of ["node1", "node2", "node3"]) {
      expect(readFileSync(join(nodesDir(), n, "etc/kubernetes/pki/apiserver.pem"), "utf8")).toBe(after.toString());
    }
  });

  it("CA rotation: start, reissue, finish, each applied; the old admin certificate works until finish and is refused after", async () => {
    const step = async (args: string[]): Promise<ChildRun> => {
      const r = await cliChild(["deploy", "rotate-ca", ...args, ...local()]);
      expect(r.code, showRun(r)).toBe(0);
      return r;
    };
    const oldCaFp = new X509Certificate(originalAdmin.ca).fingerprint256;
    const serving = async (addr: string): Promise<X509Certificate> => {
      const { connect } = await import("node:tls");
      return new Promise((ok, fail) => {
        const s = connect({ host: addr, port: 6443, rejectUnauthorized: false }, () => {
          ok(new X509Certificate(s.getPeerX509Certificate()!.raw));
          s.end();
        });
        s.on("error", fail);
      });
    };

    await step(["start"]);
    expect((await step(["status"])).stdout).toMatch(/^kubernetes-ca: trust-both$/m);
    await applyWindow("rotate-ca start");
    const trustBoth = readAdmin();
    const cas = trustBoth.ca.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    expect(cas).toHaveLength(2);
    expect((await get(`${originalAdmin.server}/api/v1/namespaces/default`, originalAdmin)).status).toBe(200);
    expect((await serving(ADDRS[0]!)).verify(new X509Certificate(originalAdmin.ca).publicKey)).toBe(true);

    await step(["reissue"]);
    const r2 = await applyWindow("rotate-ca reissue");
    expect(r2.stdout).toMatch(/re-issued from the kept CAs: .*apiserver/);
    const reissued = readAdmin();
    const newCa = new X509Certificate(reissued.ca);
    expect(newCa.fingerprint256).not.toBe(oldCaFp);
    for (const a of ADDRS) expect((await serving(a)).verify(newCa.publicKey)).toBe(true);
    // The old CA is still trusted: the original admin credentials (old CA bundle, old client certificate) still work.
    expect((await get(`${originalAdmin.server}/api/v1/namespaces/default`, { ...originalAdmin, ca: reissued.ca })).status).toBe(200);

    // The kubelet's own certificate (signed by kube-controller-manager with the old CA) would stop working: finish refuses.
    const early = await cliChild(["deploy", "rotate-ca", "finish", ...local()]);
    expect(early.code, showRun(early)).toBe(1);
    expect(early.stderr).toContain("node3:/var/lib/kubelet/pki/kubelet-client-current.pem");
    expect(early.stderr).not.toContain("apiserver.pem");
    expect((await step(["status"])).stdout).toMatch(/^kubernetes-ca: reissued$/m);
    // The documented step: the kubelet bootstraps again (local mode: the kubelet exits after bootstrapping, so forgetting its pid and done files and applying starts it again).
    rmSync(kubeletClientCert());
    for (const ext of ["pid", "done"]) rmSync(join(nodesDir(), `node3/run/local-units/kubelet.service.${ext}`), { force: true });
    const rb = await applyWindow("kubelet bootstraps again");
    expect(rb.stdout).toContain("node3 [worker] started kubelet.service");
    await kubeletCertFrom(newCa.toString());

    await step(["finish"]);
    await applyWindow("rotate-ca finish");
    // The kubelet's own kubeconfig references the CA file, so it now trusts the new CA only.
    const kubeletKc = readFileSync(join(nodesDir(), "node3/etc/kubernetes/kubelet.kubeconfig"), "utf8");
    expect(kubeletKc).toMatch(/certificate-authority: \S+\/etc\/kubernetes\/pki\/ca\.pem/);
    expect(kubeletKc).not.toContain("certificate-authority-data");
    const finished = readAdmin();
    expect((finished.ca.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length).toBe(1);
    expect(new X509Certificate(finished.ca).fingerprint256).toBe(newCa.fingerprint256);
    const old = await get(`${originalAdmin.server}/api/v1/namespaces/default`, { ...originalAdmin, ca: finished.ca });
    expect(old.status).toBe(401);
    expect((await step(["status"])).stdout).toBe("no CA rotation under way\n");

    // Everything green, the controller-manager (which signs with the new CA alone) and the approver included.
    const verify = await cliChild(["deploy", "verify", ...local()], 60_000);
    expect(verify.code, showRun(verify)).toBe(0);
    for (const n of ["node1", "node2", "node3"]) {
      expect(verify.stdout).toMatch(new RegExp(`^ok {5}etcd ${n} healthy:`, "m"));
      expect(verify.stdout).toMatch(new RegExp(`^ok {5}kube-apiserver ${n} /readyz:`, "m"));
    }
  }, 600_000); // three rolling applies of the whole cluster (each 90-100 s on the 2-core test machine) and the checks between

  it("the polling client, failing over between the API servers, never failed; no server ever refused it on trust", async () => {
    polling = false;
    await poller;
    const inside = (p: Probe): boolean => windows.some((w) => p.end >= w.start && p.start <= w.end);
    const failed = probes.filter((p) => p.error !== undefined);
    const attempts = probes.flatMap((p) => p.attempts);
    const failedAttempts = probes.filter(inside).flatMap((p) => p.attempts.filter((a) => a.error !== undefined));
    const trust = attempts.filter(isTrustFailure);
    timings.push(
      `probes: ${probes.length} (${probes.filter((p) => !inside(p)).length} outside applies), failed: ${failed.length}; ` +
        `attempts on a restarting server that failed over: ${failedAttempts.length} of ${attempts.length}`,
    );
    expect(windows.map((w) => w.what)).toEqual(["SAN added", "certs renew", "rotate-ca start", "rotate-ca reissue", "kubelet bootstraps again", "rotate-ca finish"]);
    expect(probes.length).toBeGreaterThan(200);
    // Rolling restarts: while one API server restarts the others serve, and etcd keeps its quorum.
    expect(failed.map((p) => `${new Date(p.start).toISOString()} ${p.error}`)).toEqual([]);
    expect(trust.map((a) => `${a.server} ${a.status ?? ""} ${a.error}`)).toEqual([]);
    // The roll did restart servers under the client: some attempts had to fail over.
    expect(failedAttempts.length).toBeGreaterThan(0);
  });
});
