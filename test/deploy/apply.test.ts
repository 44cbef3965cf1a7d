// apply's decisions, without a node: which files changed, in which stage they
// go, which units start or restart, plus one apply through LocalTransport
// (a node root in a temp folder) with an in-memory service manager.
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  applyNodes,
  DeployError,
  formatApplyEvent,
  LocalTransport,
  type RemoteFileState,
  type RenderedNode,
  type ServiceManager,
  type Transport,
} from "@k8s/deploy";
import { fileChanged, fileStages, isUnitFile, planStage, unitActions, validateNode, type DesiredFileState } from "../../packages/deploy/src/apply.js";
import { shq } from "../../packages/deploy/src/transport/transport.js";
import type { RenderedUnit } from "../../packages/deploy/src/rendered.js";

const sha = (s: string): string => createHash("sha256").update(s).digest("hex");
const want = (content: string, mode = 0o644, owner = "root:root"): DesiredFileState => ({ sha256: sha(content), mode, owner });
const have = (content: string, mode = 0o644, owner: string | undefined = "root:root"): RemoteFileState => ({ sha256: sha(content), mode, owner });

describe("fileChanged", () => {
  it.each<[string, DesiredFileState, RemoteFileState | undefined, boolean]>([
    ["missing on the node", want("a"), undefined, true],
    ["identical", want("a"), have("a"), false],
    ["content differs", want("a"), have("b"), true],
    ["mode differs (key made readable)", want("k", 0o600), have("k", 0o644), true],
    ["setuid bits count", want("b", 0o755), have("b", 0o4755), true],
    ["file type bits ignored", want("b", 0o100644), have("b", 0o644), false],
    ["owner differs", want("a", 0o644, "etcd:etcd"), have("a", 0o644, "root:root"), true],
    ["owner given as user only", want("a", 0o644, "etcd"), have("a", 0o644, "etcd:etcd"), false],
    ["user-only owner differs", want("a", 0o644, "etcd"), have("a", 0o644, "root:root"), true],
    ["owner not managed by the transport", want("a", 0o644, "etcd:etcd"), { ...have("a"), owner: undefined }, false],
  ])("%s", (_what, desired, current, changed) => {
    expect(fileChanged(desired, current)).toBe(changed);
  });
});

const unit = (name: string, stage: RenderedUnit["stage"], ...inputs: string[]): RenderedUnit => ({ name, stage, inputs });
const ETCD = unit("etcd.service", "etcd", "/etc/systemd/system/etcd.service", "/etc/etcd/etcd.conf", "/etc/kubernetes/pki/ca.pem");
const APISERVER = unit("kube-apiserver.service", "master", "/etc/systemd/system/kube-apiserver.service", "/etc/kubernetes/pki/ca.pem");
const KUBELET = unit("kubelet.service", "worker", "/etc/systemd/system/kubelet.service", "/var/lib/kubelet/config.yaml");

describe("unitActions", () => {
  const running = new Map([
    ["etcd.service", true],
    ["kube-apiserver.service", true],
    ["kubelet.service", true],
  ]);
  it.each<[string, string[], ReadonlyMap<string, boolean>, { start: string[]; restart: string[]; unchanged: string[] }]>([
    ["nothing changed, all running", [], running, { start: [], restart: [], unchanged: ["etcd.service", "kube-apiserver.service", "kubelet.service"] }],
    [
      "etcd config changed: only etcd",
      ["/etc/etcd/etcd.conf"],
      running,
      { start: [], restart: ["etcd.service"], unchanged: ["kube-apiserver.service", "kubelet.service"] },
    ],
    [
      "shared CA changed: both readers",
      ["/etc/kubernetes/pki/ca.pem"],
      running,
      { start: [], restart: ["etcd.service", "kube-apiserver.service"], unchanged: ["kubelet.service"] },
    ],
    [
      "a file no unit reads: none",
      ["/etc/kubernetes/admin.kubeconfig"],
      running,
      { start: [], restart: [], unchanged: ["etcd.service", "kube-apiserver.service", "kubelet.service"] },
    ],
    [
      "not running: started even when unchanged",
      [],
      new Map([["etcd.service", true], ["kube-apiserver.service", false]]),
      { start: ["kube-apiserver.service", "kubelet.service"], restart: [], unchanged: ["etcd.service"] },
    ],
    [
      "not running and changed: started, not restarted",
      ["/var/lib/kubelet/config.yaml"],
      new Map([["etcd.service", true], ["kube-apiserver.service", true], ["kubelet.service", false]]),
      { start: ["kubelet.service"], restart: [], unchanged: ["etcd.service", "kube-apiserver.service"] },
    ],
  ])("%s", (_what, changed, active, expected) => {
    expect(unitActions([ETCD, APISERVER, KUBELET], new Set(changed), active)).toEqual(expected);
  });
});

function node(extraFiles: string[] = []): RenderedNode {
  const paths = [
    "/etc/systemd/system/etcd.service",
    "/etc/etcd/etcd.conf",
    "/etc/kubernetes/pki/ca.pem",
    "/etc/systemd/system/kube-apiserver.service",
    "/etc/systemd/system/kubelet.service",
    "/var/lib/kubelet/config.yaml",
    "/etc/kubernetes/admin.kubeconfig",
    ...extraFiles,
  ];
  return {
    name: "node-1",
    address: "192.168.95.11",
    roles: ["etcd", "master", "worker"],
    files: paths.map((path) => ({ path, mode: 0o644, content: Buffer.from(path) })),
    units: [APISERVER, KUBELET, ETCD],
  };
}

describe("fileStages", () => {
  it("puts each file in the earliest stage that reads it, unread files in the node's first stage with units", () => {
    expect(Object.fromEntries(fileStages(node()))).toEqual({
      "/etc/systemd/system/etcd.service": "etcd",
      "/etc/etcd/etcd.conf": "etcd",
      "/etc/kubernetes/pki/ca.pem": "etcd", // read by etcd and the API server
      "/etc/systemd/system/kube-apiserver.service": "master",
      "/etc/systemd/system/kubelet.service": "worker",
      "/var/lib/kubelet/config.yaml": "worker",
      "/etc/kubernetes/admin.kubeconfig": "etcd",
    });
  });

  it.each<[string, RenderedUnit[], string]>([
    ["the host stage when the node has a host unit", [unit("k8s-pki-host-prep.service", "host", "/etc/systemd/system/k8s-pki-host-prep.service"), KUBELET], "host"],
    ["the node's first stage with units, not an empty one", [KUBELET], "worker"],
    ["the first stage when the node has no units", [], "host"],
  ])("puts unread files in %s", (_what, units, stage) => {
    const n = node(["/etc/systemd/system/k8s-pki-host-prep.service"]);
    n.units = units;
    expect(fileStages(n).get("/etc/kubernetes/admin.kubeconfig")).toBe(stage);
  });
});

describe("isUnitFile", () => {
  it.each([
    ["/etc/systemd/system/etcd.service", true],
    ["/usr/lib/systemd/system/containerd.service", true],
    ["/etc/systemd/system/kubelet.service.d/10-args.conf", true],
    ["/opt/units/kubelet.service", true], // named like one of the node's units
    ["/etc/etcd/etcd.conf", false],
    ["/etc/kubernetes/pki/ca.pem", false],
  ])("%s -> %s", (path, expected) => {
    expect(isUnitFile(path, [ETCD, KUBELET])).toBe(expected);
  });
});

describe("planStage", () => {
  const n = node();
  const desired = new Map(n.files.map((f) => [f.path, want(f.path)]));
  const onNode = (except: string[] = []): Map<string, RemoteFileState | undefined> =>
    new Map(n.files.map((f) => [f.path, except.includes(f.path) ? have("old") : have(f.path)]));
  const allRunning = new Map([...n.units].map((u) => [u.name, true]));

  it.each<[string, Parameters<typeof planStage>[1], string[], string[], boolean, string[], string[]]>([
    // what, stage, files differing on the node, changed in earlier stages, -> daemon-reload, write, restart
    ["etcd stage, nothing changed", "etcd", [], [], false, [], []],
    ["etcd unit file changed", "etcd", ["/etc/systemd/system/etcd.service"], [], true, ["/etc/systemd/system/etcd.service"], ["etcd.service"]],
    ["etcd config changed", "etcd", ["/etc/etcd/etcd.conf"], [], false, ["/etc/etcd/etcd.conf"], ["etcd.service"]],
    ["master stage after the CA changed in the etcd stage", "master", [], ["/etc/kubernetes/pki/ca.pem"], false, [], ["kube-apiserver.service"]],
    ["master stage: a worker file is not its business", "master", ["/var/lib/kubelet/config.yaml"], [], false, [], []],
    ["stage without units or files", "bootstrap", [], [], false, [], []],
    ["kubeconfig no unit reads: written, nothing restarted", "etcd", ["/etc/kubernetes/admin.kubeconfig"], [], false, ["/etc/kubernetes/admin.kubeconfig"], []],
  ])("%s", (_what, stage, differing, before, daemonReload, write, restart) => {
    const plan = planStage(n, stage, desired, onNode(differing), new Set(before), allRunning);
    expect(plan.daemonReload).toBe(daemonReload);
    expect(plan.write).toEqual(write);
    expect(plan.units.restart).toEqual(restart);
    expect(plan.units.start).toEqual([]);
  });
});

describe("validateNode", () => {
  it.each<[string, (n: RenderedNode) => void, string]>([
    ["relative path", (n) => void (n.files[0]!.path = "etc/x"), "is not an absolute file path"],
    ["duplicate path", (n) => void n.files.push({ ...n.files[0]! }), "is rendered twice"],
    ["unit input not rendered", (n) => void n.units.push(unit("x.service", "worker", "/nowhere")), "reads /nowhere, which is not among"],
    ["duplicate unit", (n) => void n.units.push(ETCD), "unit etcd.service is rendered twice"],
  ])("rejects a %s", (_what, mutate, message) => {
    const n = node();
    n.units = [...n.units];
    mutate(n);
    expect(() => validateNode(n)).toThrow(expect.objectContaining({ code: "render-failed", message: expect.stringContaining(message) }));
  });
});

describe("formatApplyEvent", () => {
  it.each([
    [{ kind: "stage-start", node: "n1", stage: "etcd", files: 3, units: 1 } as const, "n1 [etcd] checking 3 file(s), 1 unit(s)"],
    [{ kind: "unit-restarted", node: "n1", stage: "etcd", unit: "etcd.service" } as const, "n1 [etcd] restarted etcd.service"],
    [
      { kind: "stage-done", node: "n1", stage: "worker", unchanged: true, written: 0, unchangedFiles: 4, started: 0, restarted: 0, dryRun: false } as const,
      "n1 [worker] unchanged (4 file(s))",
    ],
    [
      { kind: "stage-done", node: "n1", stage: "etcd", unchanged: false, written: 1, unchangedFiles: 2, started: 0, restarted: 1, dryRun: true } as const,
      "n1 [etcd] would have written 1, unchanged 2, would have started 0, would have restarted 1",
    ],
  ])("%#", (event, line) => {
    expect(formatApplyEvent(event)).toBe(line);
  });
});

describe("shq", () => {
  it.each([
    ["/etc/kubernetes/pki/ca.pem", "/etc/kubernetes/pki/ca.pem"],
    ["root:root", "root:root"],
    ["a b", "'a b'"],
    ["it's", `'it'\\''s'`],
    ["", "''"],
  ])("%s", (input, quoted) => {
    expect(shq(input)).toBe(quoted);
  });
});

describe("applyNodes through LocalTransport", () => {
  const base = mkdtempSync(join(tmpdir(), "k8s-pki-apply-"));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  /** In-memory stand-in for systemd: records every action. */
  class Recorder implements ServiceManager {
    readonly log: string[] = [];
    readonly running = new Set<string>();
    failing: string | undefined;
    async daemonReload(t: Transport): Promise<void> {
      this.log.push(`${t.node} daemon-reload`);
    }
    async isActive(t: Transport, u: string): Promise<boolean> {
      return this.running.has(`${t.node}/${u}`);
    }
    async start(t: Transport, u: string): Promise<void> {
      this.act(t, "start", u);
    }
    async restart(t: Transport, u: string): Promise<void> {
      this.act(t, "restart", u);
    }
    private act(t: Transport, what: string, u: string): void {
      if (u === this.failing) throw new DeployError("command-failed", `${t.node}: ${what} ${u} failed:\nboom`, { field: t.node });
      this.log.push(`${t.node} ${what} ${u}`);
      this.running.add(`${t.node}/${u}`);
    }
  }

  const services = new Recorder();
  const binary = join(base, "etcd-binary");
  writeFileSync(binary, "#!/bin/sh\necho etcd\n");
  const nodes = (conf = "a"): RenderedNode[] =>
    ["n1", "n2"].map((name) => ({
      name,
      address: "127.0.0.1",
      roles: ["etcd"],
      files: [
        { path: "/etc/systemd/system/etcd.service", mode: 0o644, content: Buffer.from("[Service]\n") },
        { path: "/etc/etcd/etcd.conf", mode: 0o644, content: Buffer.from(`${name} ${conf}`) },
        { path: "/etc/etcd/etcd-key.pem", mode: 0o600, content: Buffer.from("key") },
        { path: "/usr/local/bin/etcd", mode: 0o755, content: { localPath: binary } },
      ],
      units: [unit("etcd.service", "etcd", "/etc/systemd/system/etcd.service", "/etc/etcd/etcd.conf", "/etc/etcd/etcd-key.pem", "/usr/local/bin/etcd")],
    }));
  const opts = { transportFor: async (n: RenderedNode) => new LocalTransport({ node: n.name, root: join(base, n.name) }), services };

  it("writes, starts, then changes nothing, then restarts only the node whose input changed", async () => {
    const first = await applyNodes(nodes(), opts);
    expect(first.nodes.map((r) => [r.written.length, r.started])).toEqual([
      [4, ["etcd.service"]],
      [4, ["etcd.service"]],
    ]);
    expect(readFileSync(join(base, "n2/usr/local/bin/etcd"), "utf8")).toContain("echo etcd");
    expect(statSync(join(base, "n1/etc/etcd/etcd-key.pem")).mode & 0o777).toBe(0o600);
    expect(statSync(join(base, "n1/usr/local/bin/etcd")).mode & 0o777).toBe(0o755);

    const second = await applyNodes(nodes(), opts);
    expect(second.changed).toBe(false);

    const changed = nodes().map((n) => (n.name === "n2" ? nodes("b")[1]! : n));
    const third = await applyNodes(changed, opts);
    expect(third.nodes.map((r) => r.restarted)).toEqual([[], ["etcd.service"]]);
    // the nodes of a stage run in parallel: compare without their interleaving
    expect([...services.log].sort()).toEqual(["n1 daemon-reload", "n1 start etcd.service", "n2 daemon-reload", "n2 restart etcd.service", "n2 start etcd.service"]);
    expect(services.log.filter((l) => l.startsWith("n2"))).toEqual(["n2 daemon-reload", "n2 start etcd.service", "n2 restart etcd.service"]);
  });

  it("fails with binary-missing before touching any node", async () => {
    const n = nodes();
    n[1]!.files[3] = { ...n[1]!.files[3]!, content: { localPath: join(base, "no-such-binary") } };
    const before = services.log.length;
    const fresh = { ...opts, transportFor: async (x: RenderedNode) => new LocalTransport({ node: x.name, root: join(base, "fresh", x.name) }) };
    await expect(applyNodes(n, fresh)).rejects.toMatchObject({ code: "binary-missing", field: join(base, "no-such-binary") });
    expect(existsSync(join(base, "fresh"))).toBe(false);
    expect(services.log).toHaveLength(before);
  });

  it("stops at a failing unit naming node and stage, with the output", async () => {
    services.failing = "etcd.service";
    try {
      await expect(applyNodes(nodes("c"), opts)).rejects.toMatchObject({
        code: "command-failed",
        field: "n1",
        message: "node n1, stage etcd: restart etcd.service failed:\nboom",
      });
    } finally {
      services.failing = undefined;
    }
  });

  it("rolls restarts one node at a time, files everywhere first, each node checked before the next", async () => {
    const log: string[] = [];
    const recording: ServiceManager = {
      daemonReload: (t) => services.daemonReload(t),
      isActive: (t, u) => services.isActive(t, u),
      start: (t, u) => services.start(t, u),
      restart: async (t, u) => {
        log.push(`${t.node} restart ${u} (n1 conf ${readFileSync(join(base, "n1/etc/etcd/etcd.conf"), "utf8")}, n2 conf ${readFileSync(join(base, "n2/etc/etcd/etcd.conf"), "utf8")})`);
        await services.restart(t, u);
      },
    };
    await applyNodes(nodes("r1"), opts);
    const r = await applyNodes(nodes("r2"), {
      ...opts,
      services: recording,
      waitReady: async (n, u) => {
        await new Promise((ok) => setTimeout(ok, 20));
        log.push(`${n.name} ready ${u}`);
      },
    });
    expect(r.nodes.map((x) => x.restarted)).toEqual([["etcd.service"], ["etcd.service"]]);
    // Both nodes had the new file before the first restart; n2 restarted only after n1 was ready.
    expect(log).toEqual(["n1 restart etcd.service (n1 conf n1 r2, n2 conf n2 r2)", "n1 ready etcd.service", "n2 restart etcd.service (n1 conf n1 r2, n2 conf n2 r2)", "n2 ready etcd.service"]);
  });

  it("stops the roll when a restarted unit does not get ready: the next node is not restarted", async () => {
    await applyNodes(nodes("s1"), opts);
    const restarted: string[] = [];
    const err = await applyNodes(nodes("s2"), {
      ...opts,
      services: { ...services, daemonReload: (t) => services.daemonReload(t), isActive: (t, u) => services.isActive(t, u), start: (t, u) => services.start(t, u), restart: async (t, u) => void restarted.push(`${t.node} ${u}`) },
      waitReady: async (n) => {
        if (n.name === "n1") throw new DeployError("verify-failed", "n1: etcd.service not ready 180 s after its restart (no leader)", { field: "n1" });
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "verify-failed", field: "n1", message: "node n1, stage etcd: etcd.service not ready 180 s after its restart (no leader)" });
    expect(restarted).toEqual(["n1 etcd.service"]);
  });

  it("rolling: false restarts every node of the stage without waiting", async () => {
    await applyNodes(nodes("p1"), opts);
    let waited = 0;
    const r = await applyNodes(nodes("p2"), { ...opts, rolling: false, waitReady: async () => void waited++ });
    expect(r.nodes.map((x) => x.restarted)).toEqual([["etcd.service"], ["etcd.service"]]);
    expect(waited).toBe(0);
  });

  it("dryRun touches no node: nothing written, started or restarted, and the events say what would be", async () => {
    const idle = new Recorder();
    const events: string[] = [];
    const fresh = { services: idle, transportFor: async (x: RenderedNode) => new LocalTransport({ node: x.name, root: join(base, "dry", x.name) }) };
    const r = await applyNodes(nodes(), { ...fresh, dryRun: true, onProgress: (e) => events.push(formatApplyEvent(e)) });
    expect(r).toMatchObject({ dryRun: true, changed: true });
    expect(r.nodes.map((n) => [n.written.length, n.started])).toEqual([
      [4, ["etcd.service"]],
      [4, ["etcd.service"]],
    ]);
    expect(existsSync(join(base, "dry"))).toBe(false);
    expect(idle.log).toEqual([]);
    expect(events).toContain("n1 [etcd] would write /etc/etcd/etcd-key.pem");
    expect(events).toContain("n2 [etcd] would daemon-reload");
    expect(events).toContain("n2 [etcd] would start etcd.service");
    expect(events.filter((e) => /\] (wrote|started|restarted|daemon-reload)/.test(e))).toEqual([]);
  });

  it("removes the temp file when the write fails", async () => {
    const t = new LocalTransport({ node: "n3", root: join(base, "n3") });
    mkdirSync(join(base, "n3/etc/target/sub"), { recursive: true });
    await expect(t.writeFileAtomic("/etc/target", Buffer.from("x"), 0o644)).rejects.toMatchObject({ code: "transport-failed", field: "/etc/target" });
    expect(readdirSync(join(base, "n3/etc"))).toEqual(["target"]);
    chmodSync(join(base, "n3/etc"), 0o755);
    expect(await t.readFile("/etc/nothing")).toBeUndefined();
  });
});
