// checkClusterFiles (`certs check --inventory` as a library call) on a local
// cluster written under a temp folder: every planned file current, then one
// made STALE and one removed (MISSING); without a state nothing is compared
// and a warning says so; a node that cannot be read is a failure, not an
// error; and the CA rotation checks before `rotate-ca finish`.
import { copyFileSync, cpSync, mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildPlan,
  checkCaRetirement,
  checkClusterFiles,
  clusterFilesTextfile,
  defaultInventory,
  loadOrCreateState,
  localInventory,
  reissueCaRotation,
  renderCluster,
  startCaRotation,
  writeRendered,
  type Plan,
  type TransportFor,
} from "@k8s/deploy";

const DAY = 86_400_000;
const base = mkdtempSync(join(tmpdir(), "k8s-pki-check-files-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const issued = new Date("2025-01-01T00:00:00Z");
const checkedAt = new Date("2025-02-01T00:00:00Z");
const plan: Plan = buildPlan(localInventory(defaultInventory()));
const root = join(base, "cluster");
const stateDir = join(root, "state");

beforeAll(async () => {
  const { pki, secrets } = await loadOrCreateState(plan, stateDir, { now: () => issued });
  await writeRendered(renderCluster(plan, { pki, secrets, local: { root }, now: () => issued }), root);
});

const options = { plan, stateDir, nodes: { local: root }, warnMs: 30 * DAY, now: () => checkedAt };

describe("checkClusterFiles", () => {
  it("finds every planned certificate file current, with one expiry row per certificate, on the clock given", async () => {
    const warnings: string[] = [];
    const r = await checkClusterFiles({ ...options, stateRequired: true, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(r.stateChecked).toBe(true);
    expect(r.failures).toEqual([]);
    expect(r.missing).toEqual([]);
    expect(r.stale).toEqual([]);
    expect(r.now).toEqual(checkedAt);
    // The kubelet's own certificates are optional and not written by the deployer.
    expect(new Set(r.checks.map((c) => c.state))).toEqual(new Set(["current", "absent"]));
    expect(r.checks.filter((c) => c.state === "current").map((c) => c.file.node)).toEqual(expect.arrayContaining(["node1", "node2", "node3"]));
    expect(r.rows.length).toBeGreaterThan(r.checks.filter((c) => c.state === "current").length - 1);
    expect(r.rows.every((row) => row.status === "ok" && row.state === "current")).toBe(true);
    expect(r.rotationTextfile).toBe("");
    expect(clusterFilesTextfile(r)).toContain('k8s_pki_node_file_stale{node="node1",path="/etc/kubernetes/pki/etcd/ca.pem"} 0');
  });

  it("reports a file whose bytes differ from the state as stale and a removed one as missing", async () => {
    const n1 = join(root, "node1");
    copyFileSync(join(n1, "etc/kubernetes/pki/etcd/ca.pem"), join(base, "ca.pem.orig"));
    copyFileSync(join(n1, "etc/kubernetes/pki/ca.pem"), join(n1, "etc/kubernetes/pki/etcd/ca.pem"));
    copyFileSync(join(root, "node2/etc/kubernetes/pki/ca.pem"), join(base, "ca2.pem.orig"));
    unlinkSync(join(root, "node2/etc/kubernetes/pki/ca.pem"));
    try {
      const r = await checkClusterFiles({ ...options, rotationMetrics: true });
      expect(r.stale.map((c) => c.name)).toEqual(["node1:/etc/kubernetes/pki/etcd/ca.pem"]);
      expect(r.missing.map((c) => c.name)).toEqual(["node2:/etc/kubernetes/pki/ca.pem"]);
      expect(r.rows.filter((row) => row.state === "stale").map((row) => row.name)).toEqual(["node1:/etc/kubernetes/pki/etcd/ca.pem"]);
      const text = clusterFilesTextfile(r);
      expect(text).toContain('k8s_pki_node_file_stale{node="node1",path="/etc/kubernetes/pki/etcd/ca.pem"} 1');
      expect(text).toContain('k8s_pki_node_file_missing{node="node2",path="/etc/kubernetes/pki/ca.pem"} 1');
      // With a state, the rotation step is read when asked for.
      expect(r.rotationTextfile).not.toBe("");
      expect(text.endsWith(r.rotationTextfile)).toBe(true);
    } finally {
      copyFileSync(join(base, "ca.pem.orig"), join(n1, "etc/kubernetes/pki/etcd/ca.pem"));
      copyFileSync(join(base, "ca2.pem.orig"), join(root, "node2/etc/kubernetes/pki/ca.pem"));
    }
  });

  it("flags certificates expiring within the threshold", async () => {
    const r = await checkClusterFiles({ ...options, now: () => new Date(issued.getTime() + 360 * DAY) });
    expect(r.rows.some((row) => row.status !== "ok")).toBe(true);
  });

  it("without a state folder: warns that STALE is not checked and marks the files unchecked", async () => {
    const warnings: string[] = [];
    const none = join(base, "no-state");
    const r = await checkClusterFiles({ ...options, stateDir: none, rotationMetrics: true, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([`no deploy state in ${none}: STALE not checked (--state DIR)`]);
    expect(r.stateChecked).toBe(false);
    expect(new Set(r.checks.map((c) => c.state))).toEqual(new Set(["unchecked", "absent"]));
    expect(r.rotationTextfile).toBe("");
  });

  it("a state that was asked for must render: DeployError naming the folder", async () => {
    const none = join(base, "no-state");
    await expect(checkClusterFiles({ ...options, stateDir: none, stateRequired: true })).rejects.toMatchObject({
      name: "DeployError",
      code: "render-failed",
      field: "stateDir",
      message: expect.stringMatching(new RegExp(`^cannot render the nodes' files from the state in ${none}: .* \\(k8s-pki deploy plan --state shows what the next apply would issue\\)$`)),
    });
  });

  it("a node that cannot be read is a failure, reported as a warning, and its files are left out", async () => {
    const local: TransportFor = async (n) => (await import("../../../packages/deploy/src/workflows/node-transports.js")).nodeTransports({ local: root }).then((f) => f(n));
    const transportFor: TransportFor = (n) => (n.name === "node2" ? Promise.reject(new Error("connection refused")) : local(n));
    const warnings: string[] = [];
    const r = await checkClusterFiles({ ...options, transportFor, onWarning: (m) => warnings.push(m) });
    expect(r.failures).toEqual([{ node: "node2", error: "node2: connection refused" }]);
    expect(warnings).toEqual(["node2: connection refused"]);
    expect(r.checks.some((c) => c.file.node === "node2")).toBe(false);
    expect(r.checks.some((c) => c.file.node === "node1")).toBe(true);
  });

  it("bad SSH settings fail before any node is read, naming the field", async () => {
    await expect(checkClusterFiles({ ...options, nodes: { ssh: { user: "root", port: "22" } } })).rejects.toMatchObject({ code: "transport-failed", field: "ssh.keyFile" });
  });
});

describe("checkCaRetirement", () => {
  it("reads nothing and finds nothing when no CA rotation is at its last step", async () => {
    const transportFor: TransportFor = () => Promise.reject(new Error("must not be called"));
    expect(await checkCaRetirement({ plan, stateDir, nodes: { local: root }, transportFor })).toEqual({ retiring: [], failures: [], leftovers: [] });
  });

  it("after rotate-ca reissue, lists the node certificates the old CAs still sign, and the nodes it cannot read", async () => {
    const rotating = join(base, "rotating-state");
    cpSync(stateDir, rotating, { recursive: true });
    await startCaRotation(plan, rotating, { cas: ["etcd-ca"], now: () => issued });
    await reissueCaRotation(rotating);
    const r = await checkCaRetirement({ plan, stateDir: rotating, nodes: { local: root } });
    expect(r.retiring).toEqual(["etcd-ca"]);
    expect(r.failures).toEqual([]);
    expect(r.leftovers).toContain("node1:/etc/kubernetes/pki/etcd/server.pem");
    // flanneld talks to etcd: the etcd CA signs its certificate too; the kubernetes CA's leaves are not listed.
    expect(r.leftovers).toContain("node2:/etc/kubernetes/pki/flanneld.pem");
    expect(r.leftovers).not.toContain("node1:/etc/kubernetes/pki/apiserver.pem");
    const down = await checkCaRetirement({ plan, stateDir: rotating, nodes: { local: root }, transportFor: (n) => Promise.reject(new Error(`${n.name} down`)) });
    expect(down.failures.map((f) => f.node)).toEqual(["node1", "node2", "node3"]);
    expect(down.leftovers).toEqual([]);
  });
});
