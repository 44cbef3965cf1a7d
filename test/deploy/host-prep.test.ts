// Host preparation (inventory `host`, render/host-prep.ts, components/host-prep.ts):
// the inventory's errors, what each option changes in the kubelet, containerd
// and kube-proxy configs, the unit ordering, the plan's notes, and the script
// itself run for real by sh against a fake root and a fake PATH.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { dirname, join } from "node:path";
import jsYaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { buildPlan, renderPlanText, validateInventory, type Inventory, type RenderedNode } from "@k8s/deploy";
import { hostPrep } from "../../packages/deploy/src/components/host-prep.js";
import { makeVerifyContext, type VerifyCheck } from "../../packages/deploy/src/components/verify-context.js";
import { buildPki, pkiItem } from "../../packages/deploy/src/pki-build.js";
import { pkiLayout } from "../../packages/deploy/src/pki-layouts.js";
import { planDocument } from "../../packages/deploy/src/plan-document.js";
import { renderInventory } from "../../packages/deploy/src/render.js";
import { withTempDir } from "../harness/fixtures.js";

const nodes = [
  { name: "m1", address: "10.0.0.11", roles: ["etcd", "master"] },
  { name: "w1", address: "10.0.1.1", roles: ["worker"] },
];
const inventory = (extra: Record<string, unknown> = {}): Inventory => validateInventory({ nodes, ...extra });
const text = (n: RenderedNode, path: string): string => {
  const f = n.files.find((x) => x.path === path);
  if (!f || !Buffer.isBuffer(f.content)) throw new Error(`${n.name}: no ${path}`);
  return f.content.toString();
};
const render = async (extra: Record<string, unknown> = {}): Promise<RenderedNode[]> => (await renderInventory(inventory(extra))).nodes;
const worker = async (extra: Record<string, unknown> = {}): Promise<RenderedNode> => (await render(extra)).find((n) => n.name === "w1")!;
const unitLine = (unit: string, key: string): string[] =>
  unit
    .split("\n")
    .filter((l) => l.startsWith(`${key}=`))
    .flatMap((l) => l.slice(key.length + 1).split(" "));

describe("inventory host", () => {
  it("fills in the defaults", () => {
    expect(inventory().host).toEqual({ swap: "off", cgroupV1: false, restrictOomScoreAdj: false, sysctls: {} });
  });

  it("keeps what it is given, sysctl integers as strings", () => {
    const h = inventory({
      host: { swap: "tolerate", cgroupV1: true, restrictOomScoreAdj: true, conntrack: { maxPerCore: 0, min: 0 }, sysctls: { "net.core.somaxconn": 4096, "net.ipv4.ip_local_port_range": "32768 60999" } },
    }).host;
    expect(h).toEqual({
      swap: "tolerate",
      cgroupV1: true,
      restrictOomScoreAdj: true,
      conntrack: { maxPerCore: 0, min: 0 },
      sysctls: { "net.core.somaxconn": "4096", "net.ipv4.ip_local_port_range": "32768 60999" },
    });
  });

  it.each([
    { name: "not a mapping", host: "off", error: /^host: must be a mapping, not string/ },
    { name: "unknown field", host: { swapp: "off" }, error: /^host\.swapp: unknown field \(known: swap, cgroupV1, restrictOomScoreAdj, conntrack, sysctls\)/ },
    { name: "swap value", host: { swap: "on" }, error: /^host\.swap: "on" is not one of off, tolerate/ },
    { name: "cgroupV1 as a string", host: { cgroupV1: "yes" }, error: /^host\.cgroupV1: must be true or false, not "yes"/ },
    { name: "restrictOomScoreAdj as a number", host: { restrictOomScoreAdj: 1 }, error: /^host\.restrictOomScoreAdj: must be true or false, not 1/ },
    { name: "conntrack without min", host: { conntrack: { maxPerCore: 0 } }, error: /^host\.conntrack\.min: is required/ },
    { name: "conntrack negative", host: { conntrack: { maxPerCore: -1, min: 0 } }, error: /^host\.conntrack\.maxPerCore: must be an integer >= 0, not -1/ },
    { name: "conntrack fraction", host: { conntrack: { maxPerCore: 0, min: 1.5 } }, error: /^host\.conntrack\.min: must be an integer >= 0, not 1\.5/ },
    { name: "conntrack unknown field", host: { conntrack: { maxPerCore: 0, min: 0, max: 1 } }, error: /^host\.conntrack\.max: unknown field/ },
    { name: "sysctls not a mapping", host: { sysctls: ["a.b=1"] }, error: /^host\.sysctls: must be a mapping, not array/ },
    { name: "sysctl name without a dot", host: { sysctls: { somaxconn: 1 } }, error: /^host\.sysctls\.somaxconn: "somaxconn" is not a dotted sysctl name/ },
    { name: "sysctl name with a slash", host: { sysctls: { "net/core/somaxconn": 1 } }, error: /^host\.sysctls\.net\/core\/somaxconn: .* is not a dotted sysctl name/ },
    { name: "sysctl the deployer sets", host: { sysctls: { "net.ipv4.ip_forward": 0 } }, error: /^host\.sysctls\.net\.ipv4\.ip_forward: is set by the deployer/ },
    { name: "sysctl value boolean", host: { sysctls: { "vm.swappiness": true } }, error: /^host\.sysctls\.vm\.swappiness: must be a string or an integer, not boolean/ },
    { name: "sysctl value two lines", host: { sysctls: { "vm.swappiness": "1\n2" } }, error: /^host\.sysctls\.vm\.swappiness: "1\\n2" is not a one-line value/ },
    { name: "sysctl value with a comment", host: { sysctls: { "vm.swappiness": "1 # low" } }, error: /^host\.sysctls\.vm\.swappiness: .* is not a one-line value without #/ },
    { name: "sysctl value empty", host: { sysctls: { "vm.swappiness": "" } }, error: /^host\.sysctls\.vm\.swappiness: "" is not a one-line value/ },
  ])("refuses $name", ({ host, error }) => {
    expect(() => inventory({ host })).toThrow(expect.objectContaining({ code: "inventory-invalid", message: expect.stringMatching(error) }));
  });
});

describe("what the host options change", () => {
  it("by default: the kubelet fails on swap and on cgroup v1, containerd and kube-proxy as before", async () => {
    const w = await worker();
    const k = jsYaml.load(text(w, "/var/lib/kubelet/config.yaml")) as Record<string, unknown>;
    expect(k.failSwapOn).toBe(true);
    expect(k).not.toHaveProperty("failCgroupV1");
    expect(k).not.toHaveProperty("memorySwap");
    expect(text(w, "/etc/containerd/config.toml")).not.toContain("restrict_oom_score_adj");
    expect(jsYaml.load(text(w, "/var/lib/kube-proxy/config.yaml"))).not.toHaveProperty("conntrack");
  });

  it.each([
    ["swap tolerate", { swap: "tolerate" }, "kubelet", { failSwapOn: false, memorySwap: { swapBehavior: "NoSwap" } }],
    ["cgroupV1", { cgroupV1: true }, "kubelet", { failCgroupV1: false, failSwapOn: true }],
    ["conntrack", { conntrack: { maxPerCore: 0, min: 0 } }, "kube-proxy", { conntrack: { maxPerCore: 0, min: 0 } }],
    ["conntrack with limits", { conntrack: { maxPerCore: 32768, min: 131072 } }, "kube-proxy", { conntrack: { maxPerCore: 32768, min: 131072 } }],
  ])("%s sets the %s config", async (_name, host, component, fields) => {
    const w = await worker({ host });
    const path = component === "kubelet" ? "/var/lib/kubelet/config.yaml" : "/var/lib/kube-proxy/config.yaml";
    expect(jsYaml.load(text(w, path))).toMatchObject(fields);
  });

  it("restrictOomScoreAdj puts restrict_oom_score_adj in containerd's CRI runtime table", async () => {
    const toml = text(await worker({ host: { restrictOomScoreAdj: true } }), "/etc/containerd/config.toml");
    expect(toml).toMatch(/^\[plugins\.'io\.containerd\.cri\.v1\.runtime'\]\n {2}restrict_oom_score_adj = true\n/m);
  });

  it("extra sysctls follow the deployer's in the sysctl.d file", async () => {
    const w = await worker({ host: { sysctls: { "net.core.somaxconn": 4096 } } });
    expect(text(w, "/etc/sysctl.d/90-k8s-pki.conf").split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([
      "net.ipv4.ip_forward = 1",
      "net.bridge.bridge-nf-call-iptables = 1",
      "net.bridge.bridge-nf-call-ip6tables = 1",
      "net.core.somaxconn = 4096",
    ]);
    expect(text(w, "/etc/modules-load.d/k8s-pki.conf").split("\n").filter((l) => l && !l.startsWith("#"))).toEqual(["overlay", "br_netfilter"]);
  });
});

describe("the host stage", () => {
  it("puts the host preparation unit on every node, first, reading its script and both conf files", async () => {
    const plan = buildPlan(inventory());
    for (const n of plan.nodes) {
      expect(n.units[0]).toEqual({
        name: "k8s-pki-host-prep.service",
        stage: "host",
        inputs: ["/etc/systemd/system/k8s-pki-host-prep.service", "/usr/local/bin/k8s-pki-host-prep", "/etc/modules-load.d/k8s-pki.conf", "/etc/sysctl.d/90-k8s-pki.conf"],
      });
      expect(n.files.find((f) => f.path === "/usr/local/bin/k8s-pki-host-prep")?.mode).toBe(0o755);
    }
  });

  it("is a oneshot that stays active, and the runtime units come after it and want it (never require it)", async () => {
    const rendered = await render();
    const w = rendered.find((n) => n.name === "w1")!;
    const unit = text(w, "/etc/systemd/system/k8s-pki-host-prep.service");
    expect(unit).toMatch(/^Type=oneshot$/m);
    expect(unit).toMatch(/^RemainAfterExit=yes$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/bin\/k8s-pki-host-prep$/m);
    for (const u of ["containerd.service", "kubelet.service", "kube-proxy.service", "flanneld.service"]) {
      const t = text(w, `/etc/systemd/system/${u}`);
      expect(unitLine(t, "After"), u).toContain("k8s-pki-host-prep.service");
      expect(unitLine(t, "Wants"), u).toContain("k8s-pki-host-prep.service");
      expect(unitLine(t, "Requires"), u).not.toContain("k8s-pki-host-prep.service");
    }
  });

  it("is left out in local mode", async () => {
    const { LOCAL_MODE_SKIPPED_UNITS } = await import("../../packages/deploy/src/render.js");
    expect(LOCAL_MODE_SKIPPED_UNITS).toContain("k8s-pki-host-prep.service");
  });
});

describe("plan notes", () => {
  it("says nothing when no option is used", () => {
    const plan = buildPlan(inventory());
    expect(renderPlanText(plan)).not.toContain("## notes");
    expect(planDocument(plan).notes).toEqual([]);
  });

  it("has one note per host option used, in the text and the document", () => {
    const plan = buildPlan(inventory({ host: { swap: "tolerate", cgroupV1: true, restrictOomScoreAdj: true, conntrack: { maxPerCore: 0, min: 0 }, sysctls: { "vm.swappiness": 10 } } }));
    const notes = planDocument(plan).notes;
    expect(notes.map((n) => n.split(":")[0])).toEqual(["host.swap tolerate", "host.cgroupV1", "host.restrictOomScoreAdj", "host.conntrack", "host.sysctls"]);
    expect(notes[1]).toBe("host.cgroupV1: kubelets run on cgroup v1 (failCgroupV1: false); cgroup v1 support is deprecated in Kubernetes");
    expect(notes[4]).toContain("vm.swappiness = 10");
    const txt = renderPlanText(plan);
    const section = txt.slice(txt.indexOf("## notes\n"), txt.indexOf("## certificates"));
    expect(section.trim().split("\n").slice(1)).toEqual(notes.map((n) => `  - ${n}`));
  });
});

// ---- the script, run by sh ----

const tmp = withTempDir("k8s-pki-host-prep-");
let case_ = 0;

interface Bed {
  root: string;
  bin: string;
  log: string;
  script: string;
}

/** A fake root (proc/sys, sys/module, etc) and a PATH of logging stubs; `tools` chooses which stubs exist. */
function bed(
  script: string,
  o: { sysctls: Record<string, string>; modules: string[]; filesystems?: string[]; swaps?: string[]; fstab?: string; tools: Record<string, string> },
): Bed {
  const dir = join(tmp.path, `case-${++case_}`);
  const root = join(dir, "root");
  const bin = join(dir, "bin");
  const log = join(dir, "calls.log");
  const write = (p: string, content: string, mode = 0o644): void => {
    mkdirSync(dirname(p), { recursive: true, mode: 0o755 });
    writeFileSync(p, content);
    chmodSync(p, mode);
  };
  // The user that runs the script (below) may write what root could: sysctls, fstab and its folder.
  for (const [k, v] of Object.entries(o.sysctls)) write(join(root, "proc/sys", ...k.split(".")), `${v}\n`, 0o666);
  for (const m of o.modules) mkdirSync(join(root, "sys/module", m), { recursive: true });
  write(join(root, "proc/filesystems"), (o.filesystems ?? ["ext4"]).map((f) => `nodev\t${f}\n`).join(""));
  write(join(root, "proc/swaps"), ["Filename\tType\tSize\tUsed\tPriority", ...(o.swaps ?? [])].join("\n") + "\n");
  if (o.fstab !== undefined) {
    write(join(root, "etc/fstab"), o.fstab, 0o666);
    chmodSync(join(root, "etc"), 0o777);
  }
  mkdirSync(bin, { recursive: true });
  // What a real PATH would give the script besides the stubs: the text tools it uses.
  for (const tool of ["tr", "sed", "awk", "wc", "cat", "rm", "grep", "chmod", "mv"]) {
    const real = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    write(join(bin, tool), `#!/bin/sh\nexec ${real} "$@"\n`, 0o755);
  }
  for (const [tool, body] of Object.entries(o.tools)) write(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> ${log}\n${body}\n`, 0o755);
  const path = join(dir, "k8s-pki-host-prep");
  write(path, script, 0o755);
  // Everything readable by the unprivileged user that runs it (below).
  spawnSync("chmod", ["-R", "a+rX", dir]);
  chmodSync(tmp.path, 0o755);
  chmodSync(dir, 0o777);
  return { root, bin, log, script: path };
}

/** Runs the script as an unprivileged user when this is root, so a 0444 file stands for a read-only /proc/sys. */
function run(b: Bed): { status: number | null; stdout: string; stderr: string; calls: string[] } {
  const asUser = process.getuid?.() === 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : [];
  const [cmd, ...args] = [...asUser, "/bin/sh", b.script];
  const r = spawnSync(cmd!, args, { encoding: "utf8", env: { PATH: b.bin, K8S_PKI_HOST_ROOT: b.root } });
  let calls: string[] = [];
  try {
    calls = readFileSync(b.log, "utf8").trim().split("\n");
  } catch {
    // no stub was called
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}

/** The script of an inventory, and its two conf files put into a bed's root. */
async function scriptFor(extra: Record<string, unknown> = {}): Promise<{ script: string; install(b: Bed): void }> {
  const w = await worker(extra);
  const confs = ["/etc/sysctl.d/90-k8s-pki.conf", "/etc/modules-load.d/k8s-pki.conf"].map((p) => [p, text(w, p)] as const);
  return {
    script: text(w, "/usr/local/bin/k8s-pki-host-prep"),
    install: (b) => {
      for (const [p, t] of confs) {
        mkdirSync(dirname(join(b.root, p)), { recursive: true });
        writeFileSync(join(b.root, p), t, { mode: 0o644 });
      }
      spawnSync("chmod", ["-R", "a+rX", b.root]);
    },
  };
}

const WANTED = { "net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "1", "net.bridge.bridge-nf-call-ip6tables": "1" };
const synced = { timedatectl: 'echo yes' };

describe("the host preparation script", () => {
  it("is valid POSIX sh", async () => {
    const { script } = await scriptFor();
    const r = spawnSync("sh", ["-n"], { input: script, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("on a prepared host changes nothing, loads nothing and says so", async () => {
    const s = await scriptFor();
    const b = bed(s.script, { sysctls: WANTED, modules: ["overlay", "br_netfilter"], tools: { modprobe: "exit 0", swapoff: "exit 0", ...synced } });
    s.install(b);
    for (const k of Object.keys(WANTED)) chmodSync(join(b.root, "proc/sys", ...k.split(".")), 0o444);
    const r = run(b);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(["timedatectl show -p NTPSynchronized --value"]);
    expect(r.stdout).toContain("module overlay: present");
    expect(r.stdout).toContain("sysctl net.ipv4.ip_forward = 1: already set");
    expect(r.stdout).toContain("swap: none active");
    expect(r.stdout).toContain("time: synchronized");
  });

  it("loads missing modules with modprobe, sets what differs, and a second run changes nothing", async () => {
    const s = await scriptFor({ host: { sysctls: { "net.ipv4.ip_local_port_range": "32768 60999" } } });
    // Before br_netfilter is loaded its sysctls do not exist; the stub modprobe makes them, as the module does.
    const { "net.bridge.bridge-nf-call-iptables": _a, "net.bridge.bridge-nf-call-ip6tables": _b, ...unbridged } = WANTED;
    const b = bed(s.script, {
      sysctls: { ...unbridged, "net.ipv4.ip_forward": "0", "net.ipv4.ip_local_port_range": "32768\t60999" },
      modules: ["overlay"],
      tools: { ...synced },
    });
    const bridge = join(b.root, "proc/sys/net/bridge");
    mkdirSync(bridge, { recursive: true, mode: 0o777 });
    chmodSync(bridge, 0o777);
    writeFileSync(
      join(b.bin, "modprobe"),
      `#!/bin/sh\necho "modprobe $*" >> ${b.log}\nif [ "$1" = br_netfilter ]; then for k in iptables ip6tables; do echo 1 > ${bridge}/bridge-nf-call-$k; done; fi\nexit 0\n`,
      { mode: 0o755 },
    );
    s.install(b);
    const first = run(b);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.calls).toContain("modprobe br_netfilter");
    expect(first.calls).not.toContain("modprobe overlay");
    expect(first.stdout).toContain("sysctl net.ipv4.ip_forward = 1: set (was 0)");
    // Tabs and spaces between numbers are the same value.
    expect(first.stdout).toContain("sysctl net.ipv4.ip_local_port_range = 32768 60999: already set");
    expect(readFileSync(join(b.root, "proc/sys/net/ipv4/ip_forward"), "utf8")).toBe("1\n");
    const second = run(b);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain("sysctl net.ipv4.ip_forward = 1: already set");
  });

  it("without modprobe, warns that a module is taken as built in", async () => {
    const s = await scriptFor();
    // Bridge sysctls present: br_netfilter is there; no overlay in /proc/filesystems: overlay is not visibly there.
    const b = bed(s.script, { sysctls: WANTED, modules: [], tools: synced });
    s.install(b);
    const r = run(b);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("module br_netfilter: present (what it provides is there)");
    expect(r.stderr).toContain("warning: module overlay: not loaded and no modprobe here; assuming it is built into the kernel");
  });

  it("a built-in module with no /sys/module entry counts as present by what it provides, and modprobe is not tried", async () => {
    const s = await scriptFor();
    // As on a kernel without /lib/modules: modprobe fails for anything.
    const b = bed(s.script, { sysctls: WANTED, modules: [], filesystems: ["ext4", "overlay"], tools: { modprobe: "exit 1", ...synced } });
    s.install(b);
    const r = run(b);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.calls).not.toContain("modprobe");
    expect(r.stdout).toContain("module overlay: present (what it provides is there)");
    expect(r.stdout).toContain("module br_netfilter: present (what it provides is there)");
  });

  it.each([
    ["a wrong value it cannot write", { ...WANTED, "net.ipv4.ip_forward": "0" }, "error: sysctl net.ipv4.ip_forward is 0 and cannot be set to 1 here"],
    ["a key this kernel does not have", { "net.ipv4.ip_forward": "1" }, "error: sysctl net.bridge.bridge-nf-call-iptables: not present in this kernel"],
  ])("fails naming the key on %s", async (_name, sysctls, message) => {
    const s = await scriptFor();
    const b = bed(s.script, { sysctls, modules: ["overlay", "br_netfilter"], tools: synced });
    s.install(b);
    for (const k of Object.keys(sysctls)) chmodSync(join(b.root, "proc/sys", ...k.split(".")), 0o444);
    const r = run(b);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
  });

  it("swap off: runs swapoff -a when swap is active and comments swap out of fstab, once", async () => {
    const s = await scriptFor();
    const fstab = "UUID=1 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n# /old none swap sw 0 0\n";
    const b = bed(s.script, { sysctls: WANTED, modules: ["overlay", "br_netfilter"], swaps: ["/swapfile\tfile\t1024\t0\t-2"], fstab, tools: { swapoff: "exit 0", ...synced } });
    s.install(b);
    const r = run(b);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.calls).toContain("swapoff -a");
    const after = readFileSync(join(b.root, "etc/fstab"), "utf8");
    expect(after).toBe("UUID=1 / ext4 defaults 0 1\n# /swapfile none swap sw 0 0  # swap off: k8s-pki host.swap\n# /old none swap sw 0 0\n");
    run(b);
    expect(readFileSync(join(b.root, "etc/fstab"), "utf8")).toBe(after);
  });

  it("swap tolerate: leaves swap and fstab alone", async () => {
    const s = await scriptFor({ host: { swap: "tolerate" } });
    const fstab = "/swapfile none swap sw 0 0\n";
    const b = bed(s.script, { sysctls: WANTED, modules: ["overlay", "br_netfilter"], swaps: ["/swapfile\tfile\t1024\t0\t-2"], fstab, tools: { swapoff: "exit 0", ...synced } });
    s.install(b);
    const r = run(b);
    expect(r.status).toBe(0);
    expect(r.calls).not.toContain("swapoff -a");
    expect(readFileSync(join(b.root, "etc/fstab"), "utf8")).toBe(fstab);
    expect(r.stdout).toContain("swap: left as it is");
  });

  it.each([
    ["not synchronized", { timedatectl: "echo no" }, "warning: time: the clock is not synchronized (NTPSynchronized=no)"],
    ["no timedatectl", {}, ""],
  ])("time sync %s", async (_name, tools, warning) => {
    const s = await scriptFor();
    const b = bed(s.script, { sysctls: WANTED, modules: ["overlay", "br_netfilter"], tools });
    s.install(b);
    const r = run(b);
    expect(r.status).toBe(0);
    if (warning) expect(r.stderr).toContain(warning);
    else expect(r.stdout).toContain("time: no timedatectl, sync not checked");
  });
});

// ---- deploy verify: clock skew per API server ----

describe("deploy verify: clock skew", () => {
  const local = new Date("2026-12-02T12:00:00.000Z");
  const plan0 = buildPlan(validateInventory({ nodes: [{ name: "m1", address: "127.0.0.1", roles: ["etcd", "master", "worker"] }] }));

  /** An HTTPS server with the API server's certificate whose Date header says `date` (none when undefined). */
  async function apiServer(date: string | undefined): Promise<{ server: Server; port: number; pki: Awaited<ReturnType<typeof buildPki>> }> {
    const pki = await buildPki(plan0);
    const tls = pkiItem(pki, pkiLayout(plan0.inventory).ids.apiserver);
    const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      res.sendDate = false;
      if (date !== undefined) res.setHeader("Date", date);
      res.end("ok");
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    return { server, port: (server.address() as { port: number }).port, pki };
  }

  it.each([
    ["2 s ahead", new Date(local.getTime() + 2000).toUTCString(), true, "API server ahead of this machine by 2.0 s (at most 5 s)"],
    ["5 s behind", new Date(local.getTime() - 5000).toUTCString(), true, "API server behind this machine by 5.0 s (at most 5 s)"],
    ["10 s behind", new Date(local.getTime() - 10000).toUTCString(), false, "API server behind this machine by 10.0 s (at most 5 s)"],
    ["no Date header", undefined, false, "no usable Date header (null)"],
    ["a Date header that is no date", "yesterday", false, 'no usable Date header ("yesterday")'],
  ])("%s", async (_name, date, ok, detail) => {
    const { server, port, pki } = await apiServer(date);
    try {
      const plan = { ...plan0, inventory: { ...plan0.inventory, apiserver: { ...plan0.inventory.apiserver, port } } };
      const checks: VerifyCheck[] = [];
      await hostPrep.verify!.node!(makeVerifyContext({ plan, pki, now: () => local }, checks), plan.inventory.nodes[0]!);
      expect(checks).toHaveLength(1);
      expect(checks[0]!.name).toBe("clock skew m1");
      expect(checks[0]!.ok).toBe(ok);
      expect(checks[0]!.detail).toContain(detail);
    } finally {
      server.close();
    }
  });

  it("checks masters only", async () => {
    const checks: VerifyCheck[] = [];
    const plan = buildPlan(inventory());
    await hostPrep.verify!.node!(makeVerifyContext({ plan, pki: await buildPki(plan) }, checks), plan.inventory.nodes[1]!);
    expect(checks).toEqual([]);
  });
});
