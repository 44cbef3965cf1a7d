// The approver's infrastructure on the real kube-apiserver: the CSR list+watch
// cache (pagination, resume, 410 relist, silent streams, refusals, clean stop)
// and Lease-based leader election (one leader, takeover after a crash or a
// release, stepping down when renewals fail).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execFileSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { generateKeyAndCsr, parseCsrJson } from "@k8s/pki";
import { CsrWatcher, type CsrEventType } from "../../packages/bootstrap/src/approver/csr-watch.js";
import { LeaderElector } from "../../packages/bootstrap/src/controller-runtime/leader-election.js";
import { binaryPath } from "../harness/binaries.js";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { withTempDir } from "../harness/fixtures.js";
import { renderKubeconfig } from "../harness/kubeconfig.js";
import { waitFor } from "../harness/process.js";

const tmp = withTempDir("k8s-pki-approver-infra-");
let cp: ControlPlane;
let admin: k8s.KubeConfig;
let certs: k8s.CertificatesV1Api;
let requestB64: string;

beforeAll(async () => {
  cp = await startControlPlane({ dir: tmp.path });
  admin = cp.kubeConfig();
  certs = admin.makeApiClient(k8s.CertificatesV1Api);
  const { csrPem } = await generateKeyAndCsr(parseCsrJson({ CN: "approver-infra", key: { algo: "ecdsa", size: 256 } }));
  requestB64 = Buffer.from(csrPem).toString("base64");
});
afterAll(async () => {
  await cp?.stop();
});

// Everything started in a test is stopped after it, pass or fail.
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A CSR for a signer nobody handles, so no controller touches it. */
async function createCsr(name: string): Promise<k8s.V1CertificateSigningRequest> {
  return certs.createCertificateSigningRequest({
    body: { metadata: { name, labels: { suite: "approver-infra" } }, spec: { request: requestB64, signerName: "example.com/approver-infra", usages: ["client auth"] } },
  });
}

async function relabel(name: string, value: string): Promise<k8s.V1CertificateSigningRequest> {
  const cur = await certs.readCertificateSigningRequest({ name });
  return certs.replaceCertificateSigningRequest({ name, body: { ...cur, metadata: { ...cur.metadata, labels: { ...cur.metadata?.labels, touched: value } } } });
}

async function serverNames(): Promise<string[]> {
  return (await certs.listCertificateSigningRequest()).items.map((c) => c.metadata!.name!).sort();
}

function kubeConfigFor(server: string, user: { cert: string; key: string }): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(renderKubeconfig({ server, caPem: cp.caPem, user: { clientCert: user.cert, clientKey: user.key } }));
  return kc;
}

interface Seen {
  type: CsrEventType;
  name: string;
  rv: string;
}

function startWatcher(opts: Partial<ConstructorParameters<typeof CsrWatcher>[0]> = {}): { w: CsrWatcher; seen: Seen[] } {
  const w = new CsrWatcher({ kubeConfig: admin, ...opts });
  const seen: Seen[] = [];
  w.onEvent((type, csr) => seen.push({ type, name: csr.metadata!.name!, rv: csr.metadata!.resourceVersion! }));
  w.start();
  cleanups.push(() => w.stop());
  return { w, seen };
}

const names = (seen: Seen[], type: CsrEventType): string[] => seen.filter((s) => s.type === type).map((s) => s.name).sort();

async function deleteAllCsrs(): Promise<void> {
  await certs.deleteCollectionCertificateSigningRequest({ labelSelector: "suite=approver-infra" });
  await waitFor(async () => (await serverNames()).length === 0, { what: "CSRs deleted", timeoutMs: 30_000, intervalMs: 100 });
}

describe("CsrWatcher", () => {
  afterEach(deleteAllCsrs);

  it("lists what existed before start in pages, then watches additions, changes and deletions", async () => {
    for (let i = 0; i < 7; i++) await createCsr(`before-${i}`);
    const { w, seen } = startWatcher({ pageSize: 3 });
    expect(await w.waitForSync()).toBe(true);
    expect(w.hasSynced()).toBe(true);
    expect(names(seen, "ADDED")).toEqual(Array.from({ length: 7 }, (_, i) => `before-${i}`));
    expect(w.stats()).toMatchObject({ lists: 1, relists: 0, listPages: 3 });
    // List items are client-node model objects; watch objects are normalised to the same shape.
    expect(w.get("before-0")?.metadata?.creationTimestamp).toBeInstanceOf(Date);

    await createCsr("after-1");
    await relabel("before-1", "yes");
    await certs.deleteCertificateSigningRequest({ name: "before-2" });
    const last = await createCsr("after-2");
    await waitFor(() => w.get("after-2"), { what: "after-2 in the cache", timeoutMs: 10_000, intervalMs: 20 });

    expect(seen.slice(7).map((s) => `${s.type} ${s.name}`)).toEqual(["ADDED after-1", "MODIFIED before-1", "DELETED before-2", "ADDED after-2"]);
    expect(w.get("before-1")?.metadata?.labels?.touched).toBe("yes");
    expect(w.get("before-2")).toBeUndefined();
    expect(w.get("after-1")?.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(w.stats().resourceVersion).toBe(last.metadata?.resourceVersion);
    expect(w.list().map((c) => c.metadata!.name!).sort()).toEqual(await serverNames());
  });

  it("resumes from its last resourceVersion after stop/start without relisting, and sees what changed meanwhile", async () => {
    await createCsr("keep");
    await createCsr("gone");
    const { w, seen } = startWatcher();
    await w.waitForSync();
    w.stop();
    await createCsr("new");
    await relabel("keep", "1");
    await certs.deleteCertificateSigningRequest({ name: "gone" });
    seen.length = 0;
    w.start();
    await waitFor(() => seen.length >= 3, { what: "the changes made while stopped", timeoutMs: 10_000, intervalMs: 20 });
    expect(seen.map((s) => `${s.type} ${s.name}`)).toEqual(["ADDED new", "MODIFIED keep", "DELETED gone"]);
    expect(w.stats().lists).toBe(1);
  });

  it("reopens a stream that stays silent for silenceTimeoutMs, and keeps receiving events", async () => {
    const { w } = startWatcher({ silenceTimeoutMs: 1_000, initialBackoffMs: 100, maxBackoffMs: 200 });
    await w.waitForSync();
    // Bookmarks come about once a minute, so a quiet collection is silent for well over a second.
    await waitFor(() => w.stats().silences >= 2 && w.stats().watches >= 3, { what: "two silence timeouts, each followed by a new watch", timeoutMs: 10_000, intervalMs: 20 });
    await createCsr("after-silence");
    await waitFor(() => w.get("after-silence"), { what: "an event after the reconnects", timeoutMs: 10_000, intervalMs: 20 });
    expect(w.stats().lists).toBe(1);
  });

  it("retries with backoff while the API server refuses, and syncs once allowed", async () => {
    const user = await cp.pki.mintClientCert("approver-infra-watcher");
    await createCsr("visible");
    const { w } = startWatcher({ kubeConfig: kubeConfigFor(cp.url, user), initialBackoffMs: 100, maxBackoffMs: 400 });
    await waitFor(() => w.stats().failures >= 3, { what: "three refused lists", timeoutMs: 10_000, intervalMs: 20 });
    expect(w.hasSynced()).toBe(false);
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createClusterRole({
      body: { metadata: { name: "approver-infra-watcher" }, rules: [{ apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["list", "watch"] }] },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: "approver-infra-watcher" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "approver-infra-watcher" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "approver-infra-watcher" }],
      },
    });
    cleanups.push(async () => {
      await rbac.deleteClusterRoleBinding({ name: "approver-infra-watcher" });
      await rbac.deleteClusterRole({ name: "approver-infra-watcher" });
    });
    await waitFor(() => w.hasSynced(), { what: "sync after the RBAC grant", timeoutMs: 10_000, intervalMs: 20 });
    expect(w.get("visible")).toBeDefined();
  });

  it("stop() closes the stream and clears every timer: a process that only ran a watcher exits by itself", async () => {
    await createCsr("for-the-child");
    const watcherUrl = pathToFileURL(fileURLToPath(new URL("../../packages/bootstrap/src/approver/csr-watch.ts", import.meta.url))).href;
    const script = `
      const k8s = await import("@kubernetes/client-node");
      const { CsrWatcher } = await import(${JSON.stringify(watcherUrl)});
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(${JSON.stringify(cp.adminKubeconfigPath)});
      const w = new CsrWatcher({ kubeConfig: kc });
      w.start();
      await w.waitForSync();
      // Let the WATCH connect: the open stream is what must be closed.
      await new Promise((r) => setTimeout(r, 500));
      console.log("synced", w.list().length, w.stats().watches);
      w.stop();
      console.log("stopped", Date.now());
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: fileURLToPath(new URL("../..", import.meta.url)), stdio: ["ignore", "pipe", "pipe"] });
    cleanups.push(() => child.exitCode === null && child.kill("SIGKILL"));
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const code = await Promise.race([exit, delay(30_000).then(() => "still running" as const)]);
    expect(code, out).toBe(0);
    expect(out).toMatch(/^synced 1 1\nstopped (\d+)\n$/);
    const stoppedAt = Number(/stopped (\d+)/.exec(out)![1]);
    // Without open handles the event loop empties at once; a leaked timer or socket would hold it for seconds or minutes.
    expect(Date.now() - stoppedAt).toBeLessThan(3_000);
  });

  describe("on an API server without a CSR watch cache (watches served by etcd)", () => {
    // Only here can an old resourceVersion really be expired: the cached server replays from its own
    // buffer (which on a young cluster reaches back to revision 1), this one asks etcd, which is compacted below.
    let uncached: ControlPlane;
    beforeAll(async () => {
      uncached = await startControlPlane({
        dir: join(tmp.path, "uncached"),
        etcd: cp.etcd,
        pki: cp.pki,
        extraApiserverArgs: ["--watch-cache-sizes=certificatesigningrequests.certificates.k8s.io#0"],
      });
    });
    afterAll(async () => {
      await uncached?.stop();
    });

    function compactEtcd(revision: string): void {
      const e = cp.etcd;
      execFileSync(binaryPath("etcdctl"), [`--endpoints=${e.url}`, `--cacert=${e.caCertPath}`, `--cert=${e.clientCert.certPath}`, `--key=${e.clientCert.keyPath}`, "compact", revision], { stdio: "pipe" });
    }

    it("relists on 410 Gone and reports what changed in the gap: additions, changes and deletions", async () => {
      await createCsr("stays");
      await createCsr("changes");
      await createCsr("vanishes");
      const { w, seen } = startWatcher({ kubeConfig: uncached.kubeConfig() });
      await w.waitForSync();
      const before = w.stats().resourceVersion!;
      // A gap the watch cannot replay: changes while not watching, then history compacted away.
      w.stop();
      await createCsr("appears");
      await relabel("changes", "x");
      await certs.deleteCertificateSigningRequest({ name: "vanishes" });
      const now = (await certs.listCertificateSigningRequest({ limit: 1 })).metadata!.resourceVersion!;
      compactEtcd(now);
      seen.length = 0;

      w.reconnectFrom("1");
      await waitFor(() => w.stats().relists === 1 && seen.length >= 3, { what: "a relist with the gap's changes", timeoutMs: 15_000, intervalMs: 20 });
      expect(names(seen, "ADDED")).toEqual(["appears"]);
      expect(names(seen, "MODIFIED")).toEqual(["changes"]);
      expect(names(seen, "DELETED")).toEqual(["vanishes"]);
      expect(seen.find((s) => s.name === "stays")).toBeUndefined();
      expect(Number(w.stats().resourceVersion)).toBeGreaterThan(Number(before));
      expect(w.list().map((c) => c.metadata!.name!).sort()).toEqual(await serverNames());

      // The watch goes on from the relist's resourceVersion.
      await createCsr("after-relist");
      await waitFor(() => w.get("after-relist"), { what: "an event after the relist", timeoutMs: 10_000, intervalMs: 20 });
      expect(w.stats().relists).toBe(1);
    });

    it("relists when resuming after a stop whose resourceVersion was compacted meanwhile", async () => {
      await createCsr("one");
      const { w, seen } = startWatcher({ kubeConfig: uncached.kubeConfig() });
      await w.waitForSync();
      w.stop();
      await certs.deleteCertificateSigningRequest({ name: "one" });
      await createCsr("two");
      compactEtcd((await certs.listCertificateSigningRequest({ limit: 1 })).metadata!.resourceVersion!);
      seen.length = 0;
      w.start();
      await waitFor(() => w.stats().relists === 1 && seen.length >= 2, { what: "a relist", timeoutMs: 15_000, intervalMs: 20 });
      expect(seen.map((s) => `${s.type} ${s.name}`).sort()).toEqual(["ADDED two", "DELETED one"]);
    });
  });
});

describe("LeaderElector", () => {
  const LEASE = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };
  let leaseCounter = 0;
  const coordination = () => admin.makeApiClient(k8s.CoordinationV1Api);

  interface Candidate {
    e: LeaderElector;
    identity: string;
    /** [start, end) of each term, end undefined while leading. */
    terms: { start: number; end?: number }[];
    signals: AbortSignal[];
    leaders: string[];
  }

  function candidate(identity: string, name: string, kubeConfig = admin, exitOnLoss = false): Candidate {
    const c: Candidate = { identity, terms: [], signals: [], leaders: [], e: undefined as unknown as LeaderElector };
    c.e = new LeaderElector({
      kubeConfig,
      namespace: "default",
      name,
      identity,
      ...LEASE,
      onStartedLeading: (signal) => {
        c.terms.push({ start: Date.now() });
        c.signals.push(signal);
      },
      onStoppedLeading: async () => {
        const t = c.terms.at(-1);
        if (t) t.end = Date.now();
        // kube-controller-manager's way: exit on loss. stop() from inside the callback must not wait for itself.
        if (exitOnLoss) await c.e.stop();
      },
      onNewLeader: (id) => c.leaders.push(id),
    });
    cleanups.push(() => c.e.stop());
    return c;
  }

  /** Terms of different candidates never overlap. */
  function expectNoOverlap(...cs: Candidate[]): void {
    const terms = cs.flatMap((c) => c.terms.map((t) => ({ who: c.identity, start: t.start, end: t.end ?? Infinity }))).sort((a, b) => a.start - b.start);
    for (let i = 1; i < terms.length; i++) expect(terms[i]!.start, `${terms[i]!.who} started while ${terms[i - 1]!.who} led`).toBeGreaterThanOrEqual(terms[i - 1]!.end);
  }

  const readLease = (name: string) => coordination().readNamespacedLease({ name, namespace: "default" });

  it("of two candidates for one Lease exactly one leads, and the Lease records it", async () => {
    const name = `infra-${++leaseCounter}`;
    const a = candidate("replica-a", name);
    const b = candidate("replica-b", name);
    a.e.start();
    b.e.start();
    const leader = await waitFor(() => (a.e.isLeader() ? a : b.e.isLeader() ? b : undefined), { what: "a leader", timeoutMs: 10_000, intervalMs: 20 });
    const other = leader === a ? b : a;
    // Watch for 3 s (6 retry periods, renewals included): never two leaders, never none.
    for (let i = 0; i < 60; i++) {
      expect([a.e.isLeader(), b.e.isLeader()].filter(Boolean)).toHaveLength(1);
      await delay(50);
    }
    expect(leader.e.isLeader()).toBe(true);
    expect(other.terms).toEqual([]);
    expect(other.e.getLeader()).toBe(leader.identity);
    expect(other.leaders).toEqual([leader.identity]);
    const lease = await readLease(name);
    expect(lease.spec).toMatchObject({ holderIdentity: leader.identity, leaseDurationSeconds: 3, leaseTransitions: 0 });
    // MicroTime: six fractional digits, as the API requires.
    expect(String(lease.spec?.renewTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(String(lease.spec?.renewTime))).toBeGreaterThan(Date.now() - 2_000);
  });

  it("after the leader crashes (stops renewing, no release) the other takes over once the Lease expires, not before", async () => {
    const name = `infra-${++leaseCounter}`;
    const a = candidate("crashing", name);
    a.e.start();
    await waitFor(() => a.e.isLeader(), { what: "first leader", timeoutMs: 10_000, intervalMs: 20 });
    const b = candidate("successor", name);
    b.e.start();
    await delay(1_200);
    expect(b.e.isLeader()).toBe(false);

    await a.e.stop();
    const crashedAt = Date.now();
    await waitFor(() => b.e.isLeader(), { what: "takeover", timeoutMs: 15_000, intervalMs: 20 });
    const took = Date.now() - crashedAt;
    // Not before expiry: the last renewal was at most one retry period before the crash.
    expect(took).toBeGreaterThanOrEqual(LEASE.leaseDurationMs - LEASE.retryPeriodMs - 100);
    // Soon after: seeing the last renewal takes up to a retry period, acting on expiry up to another.
    expect(took).toBeLessThanOrEqual(LEASE.leaseDurationMs + 2 * LEASE.retryPeriodMs + 1_000);
    const lease = await readLease(name);
    expect(lease.spec).toMatchObject({ holderIdentity: "successor", leaseTransitions: 1 });
    expectNoOverlap(a, b);
  });

  it("release() empties the Lease so the other candidate takes over within about a retry period", async () => {
    const name = `infra-${++leaseCounter}`;
    const a = candidate("releasing", name);
    a.e.start();
    await waitFor(() => a.e.isLeader(), { what: "first leader", timeoutMs: 10_000, intervalMs: 20 });
    const b = candidate("next", name);
    b.e.start();
    await delay(700);

    const signal = a.signals[0]!;
    await a.e.release();
    const releasedAt = Date.now();
    expect(signal.aborted).toBe(true);
    expect(a.e.isLeader()).toBe(false);
    await waitFor(() => b.e.isLeader(), { what: "takeover after release", timeoutMs: 10_000, intervalMs: 10 });
    expect(Date.now() - releasedAt).toBeLessThanOrEqual(LEASE.retryPeriodMs + 700);
    const lease = await readLease(name);
    expect(lease.spec).toMatchObject({ holderIdentity: "next", leaseDurationSeconds: 3, leaseTransitions: 1 });
    expect(b.leaders).toContain("");
    expectNoOverlap(a, b);
  });

  it("a leader whose renewals fail steps down within the renew deadline, before anyone else can take over", async () => {
    const name = `infra-${++leaseCounter}`;
    const user = "approver-infra-elector";
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: "default",
      body: { metadata: { name: user }, rules: [{ apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: "default",
      body: {
        metadata: { name: user },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: user },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
      },
    });
    cleanups.push(() => rbac.deleteNamespacedRole({ name: user, namespace: "default" }));
    const a = candidate("cut-off", name, kubeConfigFor(cp.url, await cp.pki.mintClientCert(user)), true);
    a.e.start();
    await waitFor(() => a.e.isLeader(), { what: "first leader", timeoutMs: 10_000, intervalMs: 20 });
    const b = candidate("patient", name);
    b.e.start();
    await delay(1_000);

    // Renewals now get 403: the leader must stop acting on its own.
    await rbac.deleteNamespacedRoleBinding({ name: user, namespace: "default" });
    const cutAt = Date.now();
    await waitFor(() => !a.e.isLeader(), { what: "step down", timeoutMs: 10_000, intervalMs: 10 });
    const steppedDown = Date.now() - cutAt;
    // RBAC changes reach the authorizer within moments; a renewal in flight at the cut may still succeed.
    expect(steppedDown).toBeLessThanOrEqual(LEASE.renewDeadlineMs + 600);
    expect(a.signals[0]!.aborted).toBe(true);
    expect(a.terms[0]!.end).toBeDefined();
    await waitFor(() => b.e.isLeader(), { what: "takeover", timeoutMs: 15_000, intervalMs: 20 });
    expectNoOverlap(a, b);
    // It stopped campaigning (exitOnLoss), so it never comes back even with its rights restored.
    expect(a.terms).toHaveLength(1);
    await Promise.race([a.e.stop(), delay(2_000).then(() => expect.fail("stop() hangs after stopping from onStoppedLeading"))]);
  });
});
