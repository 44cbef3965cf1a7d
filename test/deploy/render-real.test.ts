// The rendered configuration against the real programs: every ExecStart flag is one the
// binary lists (and not as deprecated), kubeconfigs load in kubectl, systemd accepts the units.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, cpSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import jsYaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPlan, defaultInventory, renderCluster, validateInventory, writeRendered, type Inventory, type RenderedNode } from "@k8s/deploy";
import { buildPki } from "../../packages/deploy/src/pki-build.js";
import { execStartOf } from "../../packages/deploy/src/render/systemd.js";
import { binaryPath, repoRoot, type Component } from "../harness/binaries.js";

// Binaries the harness builds; kube-scheduler, kube-proxy and containerd are not in the cache.
const HARNESS: Record<string, Component | undefined> = {
  etcd: "etcd",
  etcdctl: "etcdctl",
  flanneld: "flanneld",
  "kube-apiserver": "kube-apiserver",
  "kube-controller-manager": "kube-controller-manager",
  kubelet: "kubelet",
  kubectl: "kubectl",
  "kube-scheduler": "kube-scheduler",
  "kube-proxy": "kube-proxy",
  containerd: "containerd",
};

// The approver unit runs this repository's CLI (`npm run build` makes it; scripts/test.sh builds first).
const CLI = join(repoRoot, "packages/cli/bin/k8s-pki.js");
/** Every binary whose flags can be checked: the harness's and the CLI. */
const checkable = (bin: string): boolean => HARNESS[bin] !== undefined || bin === "k8s-pki" || bin === "haproxy";
/** kube-lb's HAProxy comes from Debian's haproxy package (scripts/test.sh installs it), as on the nodes. */
const HAPROXY = "/usr/sbin/haproxy";

interface HelpFlags {
  names: Set<string>;
  deprecated: Set<string>;
}

function helpText(bin: string, name: string): string {
  const run = (args: string[]): string => {
    const r = spawnSync(bin, args, { encoding: "utf8" });
    return `${r.stdout}\n${r.stderr}`;
  };
  if (name === "etcdctl") return run(["put", "--help"]) + run(["options"]);
  if (name === "kubectl") return run(["apply", "--help"]) + run(["options"]);
  // haproxy -h names -f only in its usage line (`[-f <cfgfile|cfgdir>]*`): one option per line, as the parser reads them.
  if (name === "haproxy") return run(["-h"]).replace(/\[\s*(-\w+)/g, "\n  $1");
  if (name === "k8s-pki") {
    const r = spawnSync(process.execPath, [CLI, "approver", "run", "--help"], { encoding: "utf8" });
    return `${r.stdout}\n${r.stderr}`;
  }
  return run(["--help"]);
}

/** Flag names from help output: lines that start (after spaces) with -x / --name, Go-flag or pflag style. */
export function parseHelp(text: string): HelpFlags {
  const names = new Set<string>();
  const deprecated = new Set<string>();
  for (const line of text.split("\n")) {
    if (!/^\s+-/.test(line)) continue;
    const found: string[] = [];
    for (const tok of line.trim().split(/\s+/)) {
      // urfave/cli (containerd) writes `--config value, -c value`: skip the placeholder.
      if (tok === "value" || tok === "value,") continue;
      if (!tok.startsWith("-")) break;
      const m = /^--?([A-Za-z0-9][\w.-]*)/.exec(tok.replace(/,$/, ""));
      if (m) found.push(m[1]!);
    }
    for (const f of found) {
      names.add(f);
      if (/DEPRECATED/.test(line)) deprecated.add(f);
    }
  }
  return { names, deprecated };
}

const helpCache = new Map<string, HelpFlags>();
function helpFor(name: string): HelpFlags {
  let h = helpCache.get(name);
  if (!h) {
    h = parseHelp(helpText(name === "k8s-pki" ? CLI : name === "haproxy" ? HAPROXY : binaryPath(HARNESS[name]!), name));
    helpCache.set(name, h);
  }
  return h;
}

const flagName = (arg: string): string => arg.replace(/^--?/, "").replace(/=.*$/, "");

const fileText = (n: RenderedNode, path: string): string => {
  const f = n.files.find((x) => x.path === path);
  if (!f || !Buffer.isBuffer(f.content)) throw new Error(`${n.name}: no ${path}`);
  return f.content.toString();
};

const hardened = defaultInventory();
const classic: Inventory = validateInventory({
  clusterName: "classic",
  nodes: [
    { name: "m1", address: "192.168.95.11", roles: ["etcd", "master", "worker"] },
    { name: "w1", address: "192.168.95.21", roles: ["worker"] },
  ],
  pki: { layout: "classic" },
  kubeletCerts: "presigned",
  kubeProxyMode: "iptables",
  encryptionProvider: "aescbc",
});

const rendered = new Map<string, RenderedNode[]>();
beforeAll(async () => {
  for (const [name, inv] of [["hardened", hardened], ["classic", classic]] as const) {
    const plan = buildPlan(inv);
    rendered.set(name, renderCluster(plan, { pki: await buildPki(plan) }));
  }
});

// Which (layout, node, unit) to check; the unit list is fixed by the plan, so it is known before rendering.
const units = [
  ...buildPlan(hardened).nodes.flatMap((n) => n.units.map((u) => ["hardened", n.name, u.name] as const)),
  ...buildPlan(classic).nodes.flatMap((n) => n.units.map((u) => ["classic", n.name, u.name] as const)),
];
const binaryOf = (layout: string, node: string, unit: string): string => {
  const n = rendered.get(layout)!.find((x) => x.name === node)!;
  return execStartOf(fileText(n, `/etc/systemd/system/${unit}`))[0]!.split("/").pop()!;
};
const UNIT_BINARY: Record<string, string> = {
  "etcd.service": "etcd",
  "flannel-network-config.service": "etcdctl",
  "flanneld.service": "flanneld",
  "kube-apiserver.service": "kube-apiserver",
  "kube-controller-manager.service": "kube-controller-manager",
  "kube-scheduler.service": "kube-scheduler",
  "cluster-objects.service": "kubectl",
  "cluster-addons.service": "kubectl",
  "k8s-pki-approver.service": "k8s-pki",
  "containerd.service": "containerd",
  "kubelet.service": "kubelet",
  "kube-proxy.service": "kube-proxy",
  "kube-lb.service": "haproxy",
};

/** Units that run a script the deployer renders: no flags, and sh must accept the script. */
const UNIT_SCRIPT: Record<string, string> = { "k8s-pki-host-prep.service": "k8s-pki-host-prep" };

describe("ExecStart flags are accepted by the real binaries (Kubernetes v1.37.2, etcd v3.7.3, flannel v0.28.10)", () => {
  const checked = units.filter(([, , u]) => checkable(UNIT_BINARY[u] ?? ""));
  const scripts = units.filter(([, , u]) => UNIT_SCRIPT[u] !== undefined);
  const unchecked = units.filter(([, , u]) => !checkable(UNIT_BINARY[u] ?? "") && UNIT_SCRIPT[u] === undefined);
  it.each(scripts)("%s %s %s runs its rendered script, which sh parses", (layout, node, unit) => {
    const n = rendered.get(layout)!.find((x) => x.name === node)!;
    const cmd = execStartOf(fileText(n, `/etc/systemd/system/${unit}`));
    expect(cmd).toHaveLength(1);
    expect(cmd[0]!.split("/").pop()).toBe(UNIT_SCRIPT[unit]);
    const r = spawnSync("sh", ["-n"], { input: fileText(n, cmd[0]!), encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
  it.each(checked)("%s %s %s", (layout, node, unit) => {
    const bin = binaryOf(layout, node, unit);
    expect(bin).toBe(UNIT_BINARY[unit]);
    const n = rendered.get(layout)!.find((x) => x.name === node)!;
    const args = execStartOf(fileText(n, `/etc/systemd/system/${unit}`)).slice(1);
    const help = helpFor(bin);
    expect(help.names.size, `${bin} --help parsed`).toBeGreaterThan(5);
    const flags = args.filter((a) => a.startsWith("-")).map(flagName);
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((f) => !help.names.has(f)), `${bin}: flags not in --help`).toEqual([]);
    expect(flags.filter((f) => help.deprecated.has(f)), `${bin}: deprecated flags`).toEqual([]);
    // The CLI's help is the subcommand's: the unit must run that subcommand.
    if (bin === "k8s-pki") expect(args.filter((a) => !a.startsWith("-"))).toEqual(["approver", "run"]);
  });
  it("checks every unit's binary (none left unchecked)", () => {
    expect(unchecked).toEqual([]);
  });

  it("the help parser finds known flags and deprecation marks", () => {
    expect(helpFor("kube-apiserver").names.has("encryption-provider-config")).toBe(true);
    expect(helpFor("kube-apiserver").names.has("insecure-port")).toBe(false);
    expect(helpFor("kube-apiserver").deprecated.has("admission-control")).toBe(true);
    expect(helpFor("flanneld").names.has("etcd-prefix")).toBe(true);
    expect(helpFor("etcd").names.has("enable-v2")).toBe(false);
    expect(helpFor("etcdctl").names.has("cacert")).toBe(true);
    expect(existsSync(CLI), `${CLI}: run \`npm run build\` first`).toBe(true);
    expect(helpFor("k8s-pki").names.has("lease-namespace")).toBe(true);
    expect(helpFor("k8s-pki").names.has("no-leader-elect")).toBe(true);
    expect(helpFor("haproxy").names.has("f")).toBe(true);
    expect(helpFor("haproxy").names.has("Ws")).toBe(true);
  });
});

// KubeletConfiguration v1beta1 / KubeProxyConfiguration v1alpha1 field names, written from the
// upstream types (k8s.io/kubelet/config/v1beta1, k8s.io/kube-proxy/config/v1alpha1). The kubelet
// has no way to validate a config file without starting, so this is a list check, not the binary's.
const KUBELET_FIELDS = new Set([
  "apiVersion", "kind", "address", "port", "readOnlyPort", "healthzBindAddress", "healthzPort", "authentication", "authorization",
  "cgroupDriver", "containerRuntimeEndpoint", "clusterDomain", "clusterDNS", "rotateCertificates", "serverTLSBootstrap",
  "tlsCertFile", "tlsPrivateKeyFile", "failSwapOn", "hairpinMode", "serializeImagePulls", "maxPods", "staticPodPath",
  "evictionHard", "failCgroupV1", "resolvConf", "podCIDR", "featureGates",
]);
const KUBELET_AUTH = { authentication: ["anonymous", "webhook", "x509"], authorization: ["mode", "webhook"] };
const KUBE_PROXY_FIELDS = new Set([
  "apiVersion", "kind", "bindAddress", "clientConnection", "clusterCIDR", "healthzBindAddress", "metricsBindAddress", "hostnameOverride",
  "mode", "iptables", "ipvs", "nftables", "conntrack", "featureGates", "portRange", "detectLocalMode", "detectLocal", "oomScoreAdj",
]);

describe("config files", () => {
  it.each(["hardened", "classic"])("%s: kubelet and kube-proxy configs use only known fields, with current values", (layout) => {
    for (const n of rendered.get(layout)!) {
      if (!n.roles.includes("worker")) continue;
      const k = jsYaml.load(fileText(n, "/var/lib/kubelet/config.yaml")) as Record<string, any>;
      expect(k.apiVersion).toBe("kubelet.config.k8s.io/v1beta1");
      expect(Object.keys(k).filter((f) => !KUBELET_FIELDS.has(f))).toEqual([]);
      for (const [sec, keys] of Object.entries(KUBELET_AUTH)) expect(Object.keys(k[sec]).filter((f) => !keys.includes(f))).toEqual([]);
      expect(k.featureGates).toBeUndefined();
      expect(k.cgroupDriver).toBe("systemd");
      const p = jsYaml.load(fileText(n, "/var/lib/kube-proxy/config.yaml")) as Record<string, any>;
      expect(p.apiVersion).toBe("kubeproxy.config.k8s.io/v1alpha1");
      expect(Object.keys(p).filter((f) => !KUBE_PROXY_FIELDS.has(f))).toEqual([]);
      expect(["nftables", "iptables"]).toContain(p.mode);
    }
  });

  it("the kubelet's own flags name the config file and no setting that has a config field", () => {
    const help = helpFor("kubelet");
    for (const n of rendered.get("hardened")!) {
      const args = execStartOf(fileText(n, "/etc/systemd/system/kubelet.service")).slice(1).map(flagName);
      // Flags whose help says "should be set via the config file" are deprecated in kubelet's help.
      expect(args.filter((f) => help.deprecated.has(f))).toEqual([]);
    }
  });
});

describe("kubeconfigs load in the real kubectl", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "deploy-kubeconfig-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const files = [
    ["hardened", "node1", "/etc/kubernetes/admin.kubeconfig", "https://192.168.95.11:6443", "client-certificate-data"],
    ["hardened", "node2", "/etc/kubernetes/kube-controller-manager.kubeconfig", "https://192.168.95.12:6443", "client-certificate-data"],
    ["hardened", "node3", "/etc/kubernetes/kube-scheduler.kubeconfig", "https://192.168.95.13:6443", "client-certificate-data"],
    // Three masters and no VIP: the node agents go through kube-lb on loopback.
    ["hardened", "node1", "/etc/kubernetes/kube-proxy.kubeconfig", "https://127.0.0.1:6444", "client-certificate-data"],
    ["hardened", "node2", "/etc/kubernetes/k8s-pki-approver.kubeconfig", "https://192.168.95.12:6443", "client-certificate-data"],
    ["hardened", "node2", "/etc/kubernetes/kubelet-bootstrap.kubeconfig", "https://127.0.0.1:6444", "token"],
    ["classic", "m1", "/etc/kubernetes/kubectl.kubeconfig", "https://192.168.95.11:6443", "client-certificate-data"],
    ["classic", "w1", "/etc/kubernetes/kubelet.kubeconfig", "https://192.168.95.11:6443", "client-certificate-data"],
    ["classic", "w1", "/etc/kubernetes/kube-proxy.kubeconfig", "https://192.168.95.11:6443", "client-certificate-data"],
    ["classic", "m1", "/etc/kubernetes/k8s-pki-approver.kubeconfig", "https://192.168.95.11:6443", "client-certificate-data"],
  ] as const;
  it.each(files)("%s %s %s", (layout, node, path, server, cred) => {
    const n = rendered.get(layout)!.find((x) => x.name === node)!;
    const f = join(dir, `${layout}-${node}-${path.split("/").pop()}`);
    writeFileSync(f, fileText(n, path), { mode: 0o600 });
    const out = execFileSync(binaryPath("kubectl"), ["--kubeconfig", f, "config", "view", "--raw", "-o", "json"], { encoding: "utf8" });
    const kc = JSON.parse(out);
    expect(kc["current-context"]).toBe("default");
    expect(kc.clusters[0].cluster.server).toBe(server);
    if (cred === "token") {
      // The bootstrap kubeconfig references the CA bundle on the node, so the kubelet follows a CA rotation.
      expect(kc.clusters[0].cluster["certificate-authority"]).toBe("/etc/kubernetes/pki/ca.pem");
      expect(kc.clusters[0].cluster["certificate-authority-data"]).toBeUndefined();
    } else {
      expect(kc.clusters[0].cluster["certificate-authority-data"]).toMatch(/^LS0t/);
    }
    expect(kc.users[0].user[cred]).toBeTruthy();
    // And kubectl resolves the current context to that cluster and user.
    const minified = execFileSync(binaryPath("kubectl"), ["--kubeconfig", f, "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"], { encoding: "utf8" });
    expect(minified).toBe(server);
  });
});

const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
describe("systemd-analyze verify accepts every unit", () => {
  it("systemd-analyze is installed (scripts/test.sh installs the systemd package)", () => {
    expect(analyze.status, `systemd-analyze --version: ${analyze.error?.message ?? analyze.stderr}`).toBe(0);
  });
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "deploy-units-"));
    for (const layout of ["hardened", "classic"]) {
      const nodes = rendered.get(layout)!;
      await writeRendered(nodes, join(dir, layout));
      for (const n of nodes) {
        const root = join(dir, layout, n.name);
        // verify --root resolves units and executables inside the root: give it systemd's own units
        // and an executable at every binary path (only the executable bit is checked there).
        mkdirSync(join(root, "usr/lib/systemd"), { recursive: true });
        cpSync("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true, dereference: false });
        // Programs the operator installs (HAProxy) and kube-lb's reload command, too.
        const hostBinaries = (n.hostBinaries ?? []).map((b) => b.path);
        for (const f of [...n.files.filter((x) => !Buffer.isBuffer(x.content)).map((x) => x.path), ...hostBinaries, "/sbin/modprobe", "/bin/kill"]) {
          const target = join(root, f);
          mkdirSync(dirname(target), { recursive: true });
          if (!existsSync(target)) copyFileSync("/bin/true", target);
        }
      }
    }
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));
  it.each(units)("%s %s %s", (layout, node, unit) => {
    const root = join(dir, layout, node);
    const r = spawnSync("systemd-analyze", ["verify", `--root=${root}`, `/etc/systemd/system/${unit}`], { encoding: "utf8" });
    // verify exits 0 even for unknown keys; any output at all is a finding.
    expect(`${r.stdout}${r.stderr}`.trim()).toBe("");
    expect(r.status).toBe(0);
  });
  it("catches a bad unit (the check is not vacuous)", () => {
    const root = join(dir, "hardened", "node1");
    const bad = join(root, "etc/systemd/system/bad.service");
    writeFileSync(bad, "[Unit]\nDescription=x\n[Service]\nBogusKey=1\nExecStart=/usr/local/bin/etcd --x\n");
    const r = spawnSync("systemd-analyze", ["verify", `--root=${root}`, "/etc/systemd/system/bad.service"], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toMatch(/Unknown key 'BogusKey'/);
  });
});
