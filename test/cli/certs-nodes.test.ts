// `k8s-pki deploy plan --state` and `k8s-pki certs check --inventory --local`
// (issue #7), in process, on a local tree rendered with the library the way
// `deploy apply --local DIR` lays it out (DIR/<node>/<path>, state in DIR/state).
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  buildPlan,
  loadInventory,
  loadOrCreateState,
  localInventory,
  renderCluster,
  writeRendered,
} from "@k8s/deploy";
import { DEFAULT_INVENTORY_YAML } from "../../packages/deploy/src/default-inventory.js";
import { runCli } from "../integration/cli-runner.js";
import { tempDir } from "../helpers/exec.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
const workdir = (): string => {
  const t = tempDir("k8s-pki-certs-nodes-");
  cleanups.push(t.cleanup);
  return t.dir;
};

const NODE4 = "  - { name: node4, address: 192.168.95.14, roles: [master] }\n";
const withNode4 = DEFAULT_INVENTORY_YAML.replace(/(  - \{ name: node3[^\n]*\n)/, `$1${NODE4}`);
const withVip = DEFAULT_INVENTORY_YAML + "apiserver: { vip: 192.168.95.100 }\n";

/** What `deploy apply --local root` would leave in `root`: the state and every node's files. */
async function applyLocally(root: string, inventoryFile: string): Promise<void> {
  const plan = buildPlan(localInventory(await loadInventory(inventoryFile)));
  const { pki, secrets } = await loadOrCreateState(plan, join(root, "state"));
  await writeRendered(renderCluster(plan, { pki, secrets, local: { root } }), root);
}

interface JsonRow {
  name: string;
  node: string;
  path: string;
  state: string;
  status?: string;
  signingCa?: string;
}

describe("k8s-pki deploy plan --state", () => {
  it("lists nothing for an unchanged inventory, the API server certificate after a new VIP, and refuses a state without its CA", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "inv.yaml"), DEFAULT_INVENTORY_YAML);
    writeFileSync(join(dir, "vip.yaml"), withVip);
    await loadOrCreateState(buildPlan(await loadInventory(join(dir, "inv.yaml"))), join(dir, "state"));
    const before = readFileSync(join(dir, "state", "pki", "apiserver.pem"), "utf8");

    const same = await runCli(["deploy", "plan", "--inventory", "inv.yaml", "--state", "state"], { cwd: dir });
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("## certificates");
    expect(same.stdout).toContain(`## state ${join(dir, "state")}\n  nothing to re-issue\n`);

    const vip = await runCli(["deploy", "plan", "--inventory", "vip.yaml", "--state", "state"], { cwd: dir });
    expect(vip.code, vip.stderr).toBe(0);
    expect(vip.stdout).toMatch(/re-issue on next apply:\n {4}apiserver: SANs \+192\.168\.95\.100\n {2}bootstrap tokens:\n( {4}node[123]: expires \S+Z\n){3}$/);
    // Read only: the state keeps its certificate.
    expect(readFileSync(join(dir, "state", "pki", "apiserver.pem"), "utf8")).toBe(before);

    unlinkSync(join(dir, "state", "pki", "front-proxy-ca.pem"));
    const lost = await runCli(["deploy", "plan", "--inventory", "inv.yaml", "--state", "state"], { cwd: dir });
    expect(lost.code).toBe(1);
    expect(lost.stdout).toMatch(/error: front-proxy-ca: not in the state; apply refuses to create a new CA/);
    expect(lost.stdout).toMatch(/front-proxy-client: its CA front-proxy-ca is not kept/);
    expect(lost.stderr).toMatch(/apply would refuse this state: .* lost front-proxy-ca/);

    // No state yet: everything is new.
    const none = await runCli(["deploy", "plan", "--inventory", "inv.yaml", "--state", "empty"], { cwd: dir });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toMatch(/no PKI kept there yet: the next apply creates all \d+ certificates and keys/);
  });

  it("in local mode, a new master re-issues the API server certificate for its loopback address", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "inv.yaml"), DEFAULT_INVENTORY_YAML);
    writeFileSync(join(dir, "grown.yaml"), withNode4);
    await applyLocally(join(dir, "local"), join(dir, "inv.yaml"));
    const same = await runCli(["deploy", "plan", "--inventory", "inv.yaml", "--local", "local"], { cwd: dir });
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("nothing to re-issue");
    const grown = await runCli(["deploy", "plan", "--inventory", "grown.yaml", "--local", "local"], { cwd: dir });
    expect(grown.code, grown.stderr).toBe(0);
    // node4 is a master only: no kubelet, so no token.
    expect(grown.stdout).toMatch(/re-issue on next apply:\n {4}apiserver: SANs \+127\.0\.0\.14 \+node4\n {2}bootstrap tokens:\n( {4}node[123]: expires \S+Z\n){3}$/);
  });

  it("flags the bootstrap tokens that expired: counted from when each was made, not from now", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "inv.yaml"), DEFAULT_INVENTORY_YAML);
    const made = new Date(Date.now() - 48 * 3600 * 1000);
    await loadOrCreateState(buildPlan(await loadInventory(join(dir, "inv.yaml"))), join(dir, "state"), { now: () => made });
    const r = await runCli(["deploy", "plan", "--inventory", "inv.yaml", "--state", "state"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const expires = new Date(made.getTime() + 24 * 3600 * 1000).toISOString();
    for (const n of ["node1", "node2", "node3"]) {
      expect(r.stdout).toContain(`    ${n}: EXPIRED ${expires} (a kubelet that has not bootstrapped yet cannot join with it)\n`);
    }
  });
});

describe("k8s-pki certs check --inventory --local", () => {
  it("reads every node's certificates, then finds a stale API server certificate and a missing kubeconfig", async () => {
    const dir = workdir();
    const local = join(dir, "local");
    writeFileSync(join(dir, "inv.yaml"), DEFAULT_INVENTORY_YAML);
    writeFileSync(join(dir, "grown.yaml"), withNode4);
    await applyLocally(local, join(dir, "inv.yaml"));
    // What a bootstrapped kubelet would have written (here: any certificate and key).
    mkdirSync(join(local, "node1", "var/lib/kubelet/pki"), { recursive: true });
    writeFileSync(
      join(local, "node1", "var/lib/kubelet/pki/kubelet-client-current.pem"),
      readFileSync(join(local, "state", "pki", "kube-proxy.pem"), "utf8") + readFileSync(join(local, "state", "pki", "kube-proxy-key.pem"), "utf8"),
    );

    const ok = await runCli(["certs", "check", "--inventory", "inv.yaml", "--local", "local", "-o", "json"], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    const rows = JSON.parse(ok.stdout) as JsonRow[];
    const by = new Map(rows.map((r) => [r.name, r]));
    for (const n of ["node1", "node2", "node3"]) {
      expect(by.get(`${n}:/etc/kubernetes/pki/apiserver.pem`)).toMatchObject({ state: "current", status: "ok", node: n });
      expect(by.get(`${n}:/etc/kubernetes/admin.kubeconfig[user admin]`)).toMatchObject({ state: "current", path: "/etc/kubernetes/admin.kubeconfig" });
      // The bootstrap kubeconfig references ca.pem instead of embedding it: ca.pem is the row.
      expect(by.has(`${n}:/etc/kubernetes/kubelet-bootstrap.kubeconfig[cluster kubernetes]`)).toBe(false);
      expect(by.get(`${n}:/etc/kubernetes/pki/ca.pem`)?.state).toBe("current");
      expect(by.get(`${n}:/etc/kubernetes/pki/etcd/server.pem`)?.signingCa).toMatch(/^node\d:\/etc\/kubernetes\/pki\/etcd\/ca\.pem$/);
    }
    expect(by.get("node1:/var/lib/kubelet/pki/kubelet-client-current.pem")).toMatchObject({ state: "unchecked", signingCa: expect.stringMatching(/ca(-signing)?\.pem$/) as unknown });
    expect(rows.some((r) => r.state !== "current" && r.state !== "unchecked")).toBe(false);

    // The table has a STATE column; a threshold beyond the leaves' year exits 3.
    const table = await runCli(["certs", "check", "--inventory", "inv.yaml", "--local", "local", "--warn", "400d"], { cwd: dir });
    expect(table.code).toBe(3);
    expect(table.stdout).toMatch(/^CERTIFICATE +EXPIRES +RESIDUAL TIME +STATE +SIGNED BY/);
    expect(table.stdout).toMatch(/node1:\/etc\/kubernetes\/pki\/apiserver\.pem +\S+ +\d+d \(warning\) +current /);
    expect(table.stderr).toMatch(/certificate\(s\) expire within 400d/);

    // A new master: the state re-issues the API server certificate and every node gets it,
    // except node2, which keeps the old one; node3 lost its admin kubeconfig.
    const oldApiserver = readFileSync(join(local, "node2", "etc/kubernetes/pki/apiserver.pem"));
    await applyLocally(local, join(dir, "grown.yaml"));
    expect(readFileSync(join(local, "node2", "etc/kubernetes/pki/apiserver.pem")).equals(oldApiserver)).toBe(false);
    writeFileSync(join(local, "node2", "etc/kubernetes/pki/apiserver.pem"), oldApiserver);
    rmSync(join(local, "node3", "etc/kubernetes/admin.kubeconfig"));

    const textfile = join(dir, "certs.prom");
    const drift = await runCli(["certs", "check", "--inventory", "grown.yaml", "--local", "local", "--textfile", textfile], { cwd: dir });
    expect(drift.code, drift.stderr).toBe(4);
    expect(drift.stdout).toMatch(/node2:\/etc\/kubernetes\/pki\/apiserver\.pem +\S+ +\d+d +STALE /);
    expect(drift.stdout).toMatch(/node1:\/etc\/kubernetes\/pki\/apiserver\.pem +\S+ +\d+d +current /);
    expect(drift.stdout).toMatch(/node4:\/etc\/kubernetes\/pki\/apiserver\.pem +\S+ +\d+d +current /);
    expect(drift.stdout).toMatch(/node3:\/etc\/kubernetes\/admin\.kubeconfig +- +- +MISSING/);
    expect(drift.stderr).toContain("1 node file(s) differ from what the state in");
    expect(drift.stderr).toContain("node2:/etc/kubernetes/pki/apiserver.pem");
    expect(drift.stderr).toContain("1 planned file(s) missing on their nodes: node3:/etc/kubernetes/admin.kubeconfig");
    const prom = readFileSync(textfile, "utf8");
    expect(prom).toContain('k8s_pki_node_file_stale{node="node2",path="/etc/kubernetes/pki/apiserver.pem"} 1');
    expect(prom).toContain('k8s_pki_node_file_missing{node="node3",path="/etc/kubernetes/admin.kubeconfig"} 1');
    expect(prom).toMatch(/k8s_pki_certificate_expiry_timestamp_seconds\{name="node1:\/etc\/kubernetes\/pki\/apiserver\.pem"/);

    const json = JSON.parse((await runCli(["certs", "check", "--inventory", "grown.yaml", "--local", "local", "-o", "json"], { cwd: dir })).stdout) as JsonRow[];
    expect(json.filter((r) => r.state === "stale").map((r) => r.name)).toEqual(["node2:/etc/kubernetes/pki/apiserver.pem"]);
    expect(json.filter((r) => r.state === "missing")).toEqual([
      { name: "node3:/etc/kubernetes/admin.kubeconfig", node: "node3", path: "/etc/kubernetes/admin.kubeconfig", state: "missing" },
    ]);

    // Without a state, nothing can be stale, but a missing file still counts.
    rmSync(join(local, "state"), { recursive: true });
    const noState = await runCli(["certs", "check", "--inventory", "grown.yaml", "--local", "local"], { cwd: dir });
    expect(noState.code).toBe(4);
    expect(noState.stderr).toMatch(/no deploy state in .*: STALE not checked/);
    expect(noState.stdout).not.toContain("STALE");
    // An explicit --state that is not there is an error.
    const badState = await runCli(["certs", "check", "--inventory", "grown.yaml", "--local", "local", "--state", "nowhere"], { cwd: dir });
    expect(badState.code).toBe(1);
    expect(badState.stderr).toMatch(/cannot render the nodes' files from the state in/);
  });

  it("refuses a folder with --inventory, and node flags without it", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "inv.yaml"), DEFAULT_INVENTORY_YAML);
    const both = await runCli(["certs", "check", ".", "--inventory", "inv.yaml", "--local", "l"], { cwd: dir });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("give a folder or --inventory, not both");
    const flag = await runCli(["certs", "check", ".", "--local", "l"], { cwd: dir });
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain("--local needs --inventory");
    const ssh = await runCli(["certs", "check", "--inventory", "inv.yaml"], { cwd: dir });
    expect(ssh.code).toBe(1);
    expect(ssh.stderr).toContain("--ssh-key is required (or --local DIR for local mode)");
  });

  it("over SSH, refuses a node whose host key is not in known_hosts and reports it with exit 1", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "inv.yaml"), DEFAULT_INVENTORY_YAML);
    writeFileSync(join(dir, "id"), "not a key");
    writeFileSync(join(dir, "known_hosts"), "");
    const r = await runCli(["certs", "check", "--inventory", "inv.yaml", "--ssh-key", "id", "--known-hosts", "known_hosts"], { cwd: dir });
    expect(r.code).toBe(1);
    for (const n of ["node1", "node2", "node3"]) expect(r.stderr).toContain(`[certs] node ${n} (192.168.95.1`);
    expect(r.stderr).not.toContain("node1: node node1");
    expect(r.stderr).toMatch(/no host key in .*known_hosts/);
    expect(r.stderr).toContain("3 node(s) could not be read: node1, node2, node3");
  });
});
