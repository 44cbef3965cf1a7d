// kube-lb (inventory `loadBalancer`, render/kube-lb.ts, components/kube-lb.ts):
// the default kind by master count, VIP and LB name; the inventory's errors;
// which nodes run it; the rendered haproxy.cfg (checked by the real HAProxy)
// and unit; which kubeconfigs go through it; and what `deploy plan` says.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import jsYaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { buildPlan, DeployError, localInventory, renderCluster, renderPlanText, validateInventory, type Inventory, type Plan, type RenderedNode } from "@k8s/deploy";
import { buildPki } from "../../packages/deploy/src/pki-build.js";
import { execStartOf } from "../../packages/deploy/src/render/systemd.js";
import { withTempDir } from "../harness/fixtures.js";

const tmp = withTempDir("k8s-pki-kube-lb-");
const HAPROXY = "/usr/sbin/haproxy";
const UNITS = "/etc/systemd/system";
const CFG = "/etc/k8s-pki/kube-lb/haproxy.cfg";

const n = (name: string, address: string, roles: string[]) => ({ name, address, roles });
const THREE = [n("node1", "10.0.0.11", ["etcd", "master", "worker"]), n("node2", "10.0.0.12", ["etcd", "master", "worker"]), n("node3", "10.0.0.13", ["etcd", "master", "worker"])];
const ONE_MASTER = [n("m1", "10.0.0.11", ["etcd", "master"]), n("w1", "10.0.1.1", ["worker"])];
const TWO_MASTERS = [n("m1", "10.0.0.11", ["etcd", "master"]), n("m2", "10.0.0.12", ["master"]), n("w1", "10.0.1.1", ["worker"])];
/** Masters apart from workers, an etcd-only member, a worker that is also a master. */
const SPLIT = [
  n("m1", "10.0.0.11", ["etcd", "master"]),
  n("m2", "10.0.0.12", ["etcd", "master"]),
  n("e3", "10.0.0.13", ["etcd"]),
  n("w1", "10.0.1.1", ["worker"]),
  n("w2", "10.0.1.2", ["worker", "master"]),
];

const inventory = (nodes: unknown[], extra: Record<string, unknown> = {}): Inventory => validateInventory({ clusterName: "lb", nodes, ...extra });

describe("inventory loadBalancer", () => {
  it.each([
    { name: "three masters, no VIP or LB name", nodes: THREE, extra: {}, kind: "haproxy" },
    { name: "two masters", nodes: TWO_MASTERS, extra: {}, kind: "haproxy" },
    { name: "one master (nothing to fail over to)", nodes: ONE_MASTER, extra: {}, kind: "none" },
    { name: "three masters behind a VIP", nodes: THREE, extra: { apiserver: { vip: "10.0.0.100" } }, kind: "none" },
    { name: "three masters behind an LB name", nodes: THREE, extra: { apiserver: { lbName: "api.lb.example" } }, kind: "none" },
    { name: "explicit none with three masters", nodes: THREE, extra: { loadBalancer: { kind: "none" } }, kind: "none" },
    { name: "explicit haproxy behind a VIP", nodes: THREE, extra: { apiserver: { vip: "10.0.0.100" }, loadBalancer: { kind: "haproxy" } }, kind: "haproxy" },
    { name: "explicit haproxy with one master", nodes: ONE_MASTER, extra: { loadBalancer: { kind: "haproxy" } }, kind: "haproxy" },
  ])("$name: kind $kind", ({ nodes, extra, kind }) => {
    expect(inventory(nodes, extra).loadBalancer).toEqual({ kind, port: 6444, binary: HAPROXY });
  });

  it("keeps an explicit port and binary (normalised)", () => {
    expect(inventory(THREE, { loadBalancer: { port: 16443, binary: "/opt/haproxy/sbin//haproxy" } }).loadBalancer).toEqual({
      kind: "haproxy",
      port: 16443,
      binary: "/opt/haproxy/sbin/haproxy",
    });
  });

  it("survives a second validation unchanged (localInventory and the CLI validate validated inventories)", () => {
    const inv = inventory(THREE, { loadBalancer: { kind: "haproxy", port: 7443 } });
    expect(validateInventory(inv).loadBalancer).toEqual(inv.loadBalancer);
  });

  it.each([
    { name: "unknown kind", lb: { kind: "nginx" }, field: "loadBalancer.kind", message: 'loadBalancer.kind: "nginx" is not one of haproxy, none' },
    { name: "kind not a string", lb: { kind: true }, field: "loadBalancer.kind", message: "loadBalancer.kind: true is not one of haproxy, none" },
    { name: "port 0", lb: { port: 0 }, field: "loadBalancer.port", message: "loadBalancer.port: 0 is not a TCP port" },
    { name: "port too big", lb: { port: 70000 }, field: "loadBalancer.port", message: "loadBalancer.port: 70000 is not a TCP port" },
    { name: "port as a string", lb: { port: "6444" }, field: "loadBalancer.port", message: 'loadBalancer.port: "6444" is not a TCP port' },
    { name: "port not an integer", lb: { port: 6444.5 }, field: "loadBalancer.port", message: "loadBalancer.port: 6444.5 is not a TCP port" },
    { name: "relative binary", lb: { binary: "haproxy" }, field: "loadBalancer.binary", message: 'loadBalancer.binary: "haproxy" must be an absolute file path' },
    { name: "binary with a space", lb: { binary: "/usr/local/ha proxy" }, field: "loadBalancer.binary", message: 'loadBalancer.binary: "/usr/local/ha proxy" must be an absolute file path' },
    { name: "binary that is a folder", lb: { binary: "/usr/sbin/" }, field: "loadBalancer.binary", message: 'loadBalancer.binary: "/usr/sbin/" must be an absolute file path' },
    { name: "unknown field", lb: { backends: ["10.0.0.11"] }, field: "loadBalancer.backends", message: "loadBalancer.backends: unknown field (known: kind, port, binary)" },
    { name: "a list", lb: ["haproxy"], field: "loadBalancer", message: "loadBalancer: must be a mapping, not array" },
    { name: "a string", lb: "haproxy", field: "loadBalancer", message: "loadBalancer: must be a mapping, not string" },
  ])("refuses $name, naming the field", ({ lb, field, message }) => {
    let err: unknown;
    try {
      inventory(THREE, { loadBalancer: lb });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeployError);
    expect((err as DeployError).code).toBe("inventory-invalid");
    expect((err as DeployError).field).toBe(field);
    expect((err as DeployError).message.startsWith(message), (err as DeployError).message).toBe(true);
  });

  it("is off in local mode, whose nodes share one loopback", () => {
    expect(localInventory(inventory(THREE, { loadBalancer: { kind: "haproxy" } })).loadBalancer.kind).toBe("none");
  });
});

const render = async (inv: Inventory): Promise<{ plan: Plan; nodes: RenderedNode[] }> => {
  const plan = buildPlan(inv);
  return { plan, nodes: renderCluster(plan, { pki: await buildPki(plan), now: () => new Date("2026-09-01T00:00:00Z") }) };
};
const fileOf = (nodes: RenderedNode[], node: string, path: string): string | undefined => {
  const f = nodes.find((x) => x.name === node)!.files.find((x) => x.path === path);
  return f && Buffer.isBuffer(f.content) ? f.content.toString() : undefined;
};
const serverOf = (kubeconfig: string | undefined): string => {
  const kc = jsYaml.load(kubeconfig ?? "") as { clusters: { cluster: { server: string } }[] };
  return kc.clusters[0]!.cluster.server;
};

describe("kube-lb on the nodes", async () => {
  const split = await render(inventory(SPLIT, { loadBalancer: { kind: "haproxy" } }));
  const splitPresigned = await render(inventory(SPLIT, { loadBalancer: { kind: "haproxy" }, kubeletCerts: "presigned" }));
  const off = await render(inventory(SPLIT, { apiserver: { lbName: "api.lb.example" } }));

  it("runs on every worker, masters that are workers included, and nowhere else", () => {
    const withLb = split.plan.nodes.filter((x) => x.units.some((u) => u.name === "kube-lb.service")).map((x) => x.name);
    expect(withLb).toEqual(["w1", "w2"]);
    expect(off.plan.nodes.flatMap((x) => x.units.map((u) => u.name)).filter((u) => u === "kube-lb.service")).toEqual([]);
    expect(off.plan.nodes.flatMap((x) => x.files.map((f) => f.path)).filter((p) => p.includes("kube-lb"))).toEqual([]);
  });

  it("starts first in the worker stage, before containerd, the kubelet and kube-proxy", () => {
    const w1 = split.plan.nodes.find((x) => x.name === "w1")!;
    const worker = w1.units.filter((u) => u.stage === "worker").map((u) => u.name);
    expect(worker.slice(0, 4)).toEqual(["kube-lb.service", "containerd.service", "kubelet.service", "kube-proxy.service"]);
    expect(w1.units.find((u) => u.name === "kube-lb.service")!.inputs).toEqual([`${UNITS}/kube-lb.service`, CFG]);
  });

  it("balances over every master's API server, and no other node", () => {
    const cfg = fileOf(split.nodes, "w1", CFG)!;
    const servers = cfg.split("\n").filter((l) => /^\s*server /.test(l));
    expect(servers.map((l) => l.trim().split(/\s+/).slice(1, 3))).toEqual([
      ["m1", "10.0.0.11:6443"],
      ["m2", "10.0.0.12:6443"],
      ["w2", "10.0.1.2:6443"],
    ]);
    // Every backend is health-checked with the TLS handshake, every 2 s, down after 2 failures, and its
    // connections are cut when it goes down.
    for (const l of servers) expect(l).toMatch(/ check check-ssl verify none inter 2s fall 2 rise 2 on-marked-down shutdown-sessions$/);
    expect(cfg).toMatch(/^\s*bind 127\.0\.0\.1:6444$/m);
    expect(cfg).toMatch(/^\s*mode tcp$/m);
    expect(cfg).toMatch(/^\s*balance leastconn$/m);
    expect(cfg).toMatch(/^\s*timeout (client|tunnel) 24h$/m);
    expect(cfg).toMatch(/^\s*timeout connect 3s$/m);
  });

  it("follows the inventory's ports", async () => {
    const { nodes } = await render(inventory(THREE, { apiserver: { port: 8443 }, loadBalancer: { port: 9443 } }));
    const cfg = fileOf(nodes, "node2", CFG)!;
    expect(cfg).toMatch(/^\s*bind 127\.0\.0\.1:9443$/m);
    expect(cfg.match(/^\s*server \S+ \S+/gm)!.map((l) => l.trim().split(/\s+/)[2])).toEqual(["10.0.0.11:8443", "10.0.0.12:8443", "10.0.0.13:8443"]);
    expect(serverOf(fileOf(nodes, "node2", "/etc/kubernetes/kube-proxy.kubeconfig"))).toBe("https://127.0.0.1:9443");
  });

  it("runs the inventory's HAProxy as a notify unit that checks its config first, without root", () => {
    const unit = fileOf(split.nodes, "w1", `${UNITS}/kube-lb.service`)!;
    expect(execStartOf(unit)).toEqual([HAPROXY, "-Ws", "-f", CFG]);
    expect(unit).toMatch(/^Type=notify$/m);
    expect(unit).toContain(`ExecStartPre=${HAPROXY} -c -q -f ${CFG}\n`);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -USR2 \$MAINPID$/m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^DynamicUser=yes$/m);
    expect(unit).not.toContain("CAP_NET_BIND_SERVICE");
  });

  it("may bind a port below 1024, and run another HAProxy", async () => {
    const { nodes } = await render(inventory(THREE, { loadBalancer: { port: 443, binary: "/opt/haproxy/haproxy" } }));
    const unit = fileOf(nodes, "node1", `${UNITS}/kube-lb.service`)!;
    expect(unit).toMatch(/^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m);
    expect(execStartOf(unit)[0]).toBe("/opt/haproxy/haproxy");
    expect(nodes.find((x) => x.name === "node1")!.hostBinaries).toEqual([expect.objectContaining({ path: "/opt/haproxy/haproxy" })]);
  });

  it("orders the kubelet and kube-proxy after it where it runs, and only there", () => {
    for (const unit of ["kubelet.service", "kube-proxy.service"]) {
      const on = fileOf(split.nodes, "w1", `${UNITS}/${unit}`)!;
      expect(on).toMatch(/^After=.*\bkube-lb\.service\b/m);
      expect(on).toMatch(/^Wants=.*\bkube-lb\.service\b/m);
      expect(fileOf(off.nodes, "w1", `${UNITS}/${unit}`)).not.toContain("kube-lb");
    }
  });

  it("points the node agents' kubeconfigs at it, masters included; the control plane keeps its own API server", () => {
    for (const node of ["w1", "w2"]) {
      expect(serverOf(fileOf(split.nodes, node, "/etc/kubernetes/kubelet-bootstrap.kubeconfig")), node).toBe("https://127.0.0.1:6444");
      expect(serverOf(fileOf(split.nodes, node, "/etc/kubernetes/kube-proxy.kubeconfig")), node).toBe("https://127.0.0.1:6444");
      expect(serverOf(fileOf(splitPresigned.nodes, node, "/etc/kubernetes/kubelet.kubeconfig")), node).toBe("https://127.0.0.1:6444");
    }
    // w2 is a master too: its control-plane clients talk to its own API server, not through the LB.
    expect(serverOf(fileOf(split.nodes, "w2", "/etc/kubernetes/kube-controller-manager.kubeconfig"))).toBe("https://10.0.1.2:6443");
    expect(serverOf(fileOf(split.nodes, "w2", "/etc/kubernetes/kube-scheduler.kubeconfig"))).toBe("https://10.0.1.2:6443");
    expect(serverOf(fileOf(split.nodes, "m1", "/etc/kubernetes/admin.kubeconfig"))).toBe("https://10.0.0.11:6443");
    // Without it, a worker uses the cluster endpoint (here the LB name), a master its own API server.
    expect(serverOf(fileOf(off.nodes, "w1", "/etc/kubernetes/kubelet-bootstrap.kubeconfig"))).toBe("https://api.lb.example:6443");
    expect(serverOf(fileOf(off.nodes, "w2", "/etc/kubernetes/kube-proxy.kubeconfig"))).toBe("https://10.0.1.2:6443");
  });

  it("dials a name the API server certificate carries (127.0.0.1), so the kubelet's TLS check passes through it", () => {
    const apiserver = split.plan.certs.find((c) => c.id === "apiserver")!;
    expect(apiserver.sans).toContain("127.0.0.1");
    const classic = buildPlan(inventory(SPLIT, { loadBalancer: { kind: "haproxy" }, pki: { layout: "classic" } }));
    expect(classic.certs.find((c) => c.id === "kubernetes")!.sans).toContain("127.0.0.1");
  });

  it("tells apply the node needs HAProxy", () => {
    expect(split.nodes.find((x) => x.name === "w1")!.hostBinaries).toEqual([{ path: HAPROXY, hint: expect.stringContaining("loadBalancer.binary") }]);
    expect(split.nodes.find((x) => x.name === "m1")!.hostBinaries).toBeUndefined();
    expect(off.nodes.every((x) => x.hostBinaries === undefined)).toBe(true);
  });
});

describe("the rendered haproxy.cfg in the real HAProxy", async () => {
  const { nodes } = await render(inventory(SPLIT, { loadBalancer: { kind: "haproxy" } }));
  const check = (text: string): { status: number | null; out: string } => {
    const file = join(tmp.path, `haproxy-${Math.random().toString(36).slice(2)}.cfg`);
    writeFileSync(file, text);
    // -dW: a warning fails the check too.
    const r = spawnSync(HAPROXY, ["-dW", "-c", "-f", file], { encoding: "utf8" });
    return { status: r.status, out: `${r.stdout}${r.stderr}${r.error?.message ?? ""}` };
  };

  it("HAProxy is installed (scripts/test.sh installs Debian's haproxy package)", () => {
    const r = spawnSync(HAPROXY, ["-v"], { encoding: "utf8" });
    expect(r.status, `${HAPROXY} -v: ${r.error?.message ?? r.stderr}`).toBe(0);
  });

  it("accepts it without a warning", () => {
    const r = check(fileOf(nodes, "w1", CFG)!);
    expect(r.out).toContain("Configuration file is valid");
    expect(r.status, r.out).toBe(0);
  });

  it("refuses a broken one (the check is not vacuous)", () => {
    const r = check(fileOf(nodes, "w1", CFG)!.replace("balance leastconn", "balance sometimes"));
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/balance/);
  });
});

describe("deploy plan", () => {
  const lines = (inv: Inventory): string[] => renderPlanText(buildPlan(inv)).split("\n");
  const lbRow = (inv: Inventory): string => lines(inv).find((l) => /^\s+node LB\s/.test(l))!.replace(/^\s+node LB\s+/, "");

  it.each([
    { name: "the default with three masters", inv: () => inventory(THREE), row: "kube-lb (HAProxy /usr/sbin/haproxy) on every worker at 127.0.0.1:6444 over 3 API server(s) (default: 3 masters and no apiserver.vip or apiserver.lbName)" },
    { name: "the default behind a VIP", inv: () => inventory(THREE, { apiserver: { vip: "10.0.0.100" } }), row: "none: nodes use the API server endpoint above (default: apiserver.vip 10.0.0.100 is set)" },
    { name: "the default with one master", inv: () => inventory(ONE_MASTER), row: "none: nodes use the API server endpoint above (default: a single master)" },
    {
      name: "turned off by the inventory",
      inv: () => inventory(THREE, { loadBalancer: { kind: "none" } }),
      row: "none: nodes use the API server endpoint above (loadBalancer.kind none; the default would be haproxy: 3 masters and no apiserver.vip or apiserver.lbName)",
    },
  ])("explains $name", ({ inv, row }) => {
    expect(lbRow(inv())).toBe(row);
  });

  it("lists each node's backends and that it needs HAProxy", () => {
    const text = lines(inventory(SPLIT, { loadBalancer: { kind: "haproxy" } }));
    const w1 = text.indexOf("## node w1 10.0.1.1 (worker)");
    expect(text[w1 + 1]).toBe("  kube-lb: https://127.0.0.1:6444 (kubelet, kube-proxy) -> m1 10.0.0.11:6443, m2 10.0.0.12:6443, w2 10.0.1.2:6443");
    expect(text[w1 + 2]).toMatch(/^ {2}needs on the node: \/usr\/sbin\/haproxy \(kube-lb runs it/);
    const m1 = text.indexOf("## node m1 10.0.0.11 (etcd, master)");
    expect(text[m1 + 1]).toBe("  files:");
  });
});
