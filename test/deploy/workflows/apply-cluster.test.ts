// applyCluster (`deploy apply` as a library call) without real nodes: a local
// cluster under a temp folder (LocalTransport) with an in-memory service
// manager in place of the unit processes, a dry run that writes nothing, and
// the SSH settings it refuses before connecting anywhere.
import { webcrypto } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  applyCluster,
  buildPlan,
  defaultInventory,
  localInventory,
  type ApplyClusterEvent,
  type Plan,
  type ServiceManager,
  type Transport,
} from "@k8s/deploy";
import { nodeTransports } from "../../../packages/deploy/src/workflows/node-transports.js";

const base = mkdtempSync(join(tmpdir(), "k8s-pki-apply-cluster-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(base, `c${++n}`);

const clock = new Date("2025-03-01T12:00:00Z");
const plan: Plan = buildPlan(localInventory(defaultInventory()));

/** In-memory stand-in for the local unit processes: records every action. */
class Recorder implements ServiceManager {
  readonly log: string[] = [];
  private readonly running = new Set<string>();
  async daemonReload(t: Transport): Promise<void> {
    this.log.push(`${t.node} daemon-reload`);
  }
  async isActive(t: Transport, u: string): Promise<boolean> {
    return this.running.has(`${t.node}/${u}`);
  }
  async start(t: Transport, u: string): Promise<void> {
    this.log.push(`${t.node} start ${u}`);
    this.running.add(`${t.node}/${u}`);
  }
  async restart(t: Transport, u: string): Promise<void> {
    this.log.push(`${t.node} restart ${u}`);
  }
}

describe("applyCluster in local mode", () => {
  it("makes the state, writes every node's files under the root and starts the units; a second apply reuses the state and changes nothing", async () => {
    const root = fresh();
    const stateDir = join(root, "state");
    const services = new Recorder();
    const events: ApplyClusterEvent[] = [];
    const first = await applyCluster({ plan, stateDir, nodes: { local: { root } }, services, now: () => clock, onEvent: (e) => events.push(e) });

    expect(first.created).toBe(true);
    expect(first.changedNodes).toEqual(["node1", "node2", "node3"]);
    expect(first.apply.changed).toBe(true);
    // The state comes first, then the apply's own events.
    expect(events[0]).toMatchObject({ kind: "state", stateDir, created: true, dryRun: false });
    expect(events.slice(1).every((e) => e.kind !== "state")).toBe(true);
    expect(events.some((e) => e.kind === "file-written" && e.node === "node1" && e.path === "/etc/kubernetes/pki/etcd/ca.pem")).toBe(true);
    // Files on the nodes (folders under the root), keys private, the state kept beside them.
    expect(readFileSync(join(root, "node1/etc/kubernetes/pki/etcd/ca.pem"), "utf8")).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const keys = events.flatMap((e) => (e.kind === "file-written" && e.node === "node1" && e.path.endsWith("-key.pem") ? [e.path] : []));
    expect(keys.length).toBeGreaterThan(3);
    for (const k of keys) expect(statSync(join(root, "node1", k)).mode & 0o777, k).toBe(0o600);
    expect(statSync(join(stateDir, "secrets.json")).mode & 0o777).toBe(0o600);
    expect(services.log).toContain("node1 start etcd.service");
    expect(services.log).toContain("node1 start kube-apiserver.service");
    expect(services.log.filter((l) => l.includes("restart"))).toEqual([]);
    // The clock given is the certificates' clock.
    const { parseCertificatePem } = await import("@k8s/pki");
    expect(parseCertificatePem(readFileSync(join(stateDir, "pki/etcd-ca.pem"))).notBefore.getTime()).toBeLessThanOrEqual(clock.getTime());

    const again = await applyCluster({ plan, stateDir, nodes: { local: { root } }, services, now: () => clock });
    expect(again).toMatchObject({ created: false, issued: [], changedNodes: [] });
    expect(again.apply.changed).toBe(false);
  });

  it("dry run: writes nothing anywhere (no state, no node folder, no unit started) and says what an apply would do", async () => {
    const root = fresh();
    const services = new Recorder();
    const events: ApplyClusterEvent[] = [];
    let drawn = 0;
    const randomBytes = (k: number): Uint8Array => ((drawn += k), webcrypto.getRandomValues(new Uint8Array(k)));
    const r = await applyCluster({ plan, stateDir: join(root, "state"), nodes: { local: { root } }, dryRun: true, services, now: () => clock, randomBytes, onEvent: (e) => events.push(e) });
    // The state's serials and secrets come from the randomness given.
    expect(drawn).toBeGreaterThan(0);
    expect(existsSync(root)).toBe(false);
    expect(services.log.filter((l) => !l.endsWith("daemon-reload"))).toEqual([]);
    expect(r.created).toBe(true);
    expect(r.apply.dryRun).toBe(true);
    expect(r.changedNodes).toEqual(["node1", "node2", "node3"]);
    const state = events[0];
    expect(state).toMatchObject({ kind: "state", created: true, dryRun: true });
    expect(state?.kind === "state" && state.wouldWrite).toContain(join(root, "state", "secrets.json"));
    expect(events).toContainEqual(expect.objectContaining({ kind: "unit-started", node: "node1", unit: "kube-apiserver.service", dryRun: true }));
  });
});

describe("applyCluster over SSH: settings refused before any node is reached", () => {
  const ssh = { user: "root", port: "22" };
  it.each([
    ["no key file", { ...ssh }, "ssh.keyFile", "--ssh-key is required (or --local DIR for local mode)"],
    ["a port out of range", { ...ssh, keyFile: "id", port: "0" }, "ssh.port", 'invalid --ssh-port "0"'],
    ["a port that is not a number", { ...ssh, keyFile: "id", port: "ssh" }, "ssh.port", 'invalid --ssh-port "ssh"'],
    ["an unreadable key file", { ...ssh, keyFile: "no-such-key" }, "ssh.keyFile", "cannot read --ssh-key no-such-key: ENOENT"],
  ])("%s: DeployError naming the field", async (_what, settings, field, message) => {
    const stateDir = join(fresh(), "state");
    const err = await applyCluster({ plan, stateDir, nodes: { ssh: settings }, dryRun: true, cwd: base, now: () => clock }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "DeployError", code: "transport-failed", field });
    expect((err as Error).message).toContain(message);
    // A dry run leaves nothing behind even when it fails.
    expect(existsSync(stateDir)).toBe(false);
  });
});

describe("nodeTransports", () => {
  it("local: one LocalTransport per node under <root>/<node>", async () => {
    const root = fresh();
    const t = await (await nodeTransports({ local: root }))({ name: "node2", address: "127.0.0.12" });
    await t.mkdirp("/etc", 0o755);
    await t.writeFileAtomic("/etc/x", Buffer.from("x"), 0o644);
    expect(readdirSync(join(root, "node2/etc"))).toEqual(["x"]);
    await t.close();
  });

  it("ssh: reads the key relative to cwd and known_hosts from the home folder given, and refuses a node it lists no key for, naming the file", async () => {
    const dir = fresh();
    const home = join(dir, "home");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(home, ".ssh"), { recursive: true });
    writeFileSync(join(home, ".ssh/known_hosts"), "");
    writeFileSync(join(dir, "id"), "not a key: never used before the host key check\n");
    const transportFor = await nodeTransports({ ssh: { user: "root", keyFile: "id", port: 2222 } }, { cwd: dir, homeDir: home });
    await expect(transportFor({ name: "node1", address: "192.0.2.1" })).rejects.toMatchObject({
      code: "node-unreachable",
      field: "node1",
      message: `node node1 (192.0.2.1): no host key in ${join(home, ".ssh/known_hosts")}; add it (ssh-keyscan -p 2222 192.0.2.1) after checking it`,
    });
  });
});
