// The SSH transport and apply against a real sshd (Debian's openssh-server)
// on loopback. The "node" is this machine: every rendered path is under a
// node root in the test's temp folder, so nothing touches the real /etc.
// There is no systemd here: units are "run" by a shell script standing in for
// systemctl (ScriptServiceManager), which logs every action it is asked for.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyNodes,
  DeployError,
  formatApplyEvent,
  ScriptServiceManager,
  SshTransport,
  type ApplyEvent,
  type ApplyOptions,
  type RenderedNode,
  type SshTransportOptions,
} from "@k8s/deploy";
import { withTempDir } from "../harness/fixtures.js";
import { freePort } from "../harness/ports.js";
import { startSshd, type Sshd } from "../harness/sshd.js";

const tmp = withTempDir("k8s-pki-deploy-ssh-");
let sshd: Sshd;

beforeAll(async () => {
  sshd = await startSshd({ dir: tmp.path });
  writeFileSync(join(tmp.path, "svc.sh"), SERVICE_SCRIPT.replaceAll("@DIR@", tmp.path), { mode: 0o755 });
});

afterAll(async () => {
  await sshd?.stop();
});

// Stands in for systemctl (the CI host has no systemd): logs the action,
// keeps one state file per started unit, fails for units with a fail- marker.
// Usage: svc.sh NODE ACTION [UNIT].
const SERVICE_SCRIPT = `#!/bin/sh
log=@DIR@/services-$1.log
state=@DIR@/state-$1
mkdir -p "$state"
case "$2" in
  daemon-reload) echo daemon-reload >> "$log" ;;
  is-active) [ -f "$state/$3" ] ;;
  start|restart)
    if [ -f "@DIR@/fail-$3" ]; then echo "$3: unknown flag: --bogus-flag" >&2; exit 1; fi
    echo "$2 $3" >> "$log"; touch "$state/$3" ;;
  *) echo "unknown action $2" >&2; exit 2 ;;
esac
`;

const services = (): ScriptServiceManager => new ScriptServiceManager({ command: `${join(tmp.path, "svc.sh")} {node}` });
const serviceLog = (node = "node-a"): string[] => {
  const p = join(tmp.path, `services-${node}.log`);
  return existsSync(p) ? readFileSync(p, "utf8").trim().split("\n") : [];
};

/** A small synthetic node: etcd (unit, config, key) and a worker unit, all under `root`. */
function fixtureNode(name: string, root: string, etcdConf = "name: etcd-1\n"): RenderedNode {
  const p = (rel: string): string => join(root, rel);
  return {
    name,
    address: "127.0.0.1",
    roles: ["etcd", "worker"],
    files: [
      { path: p("etc/systemd/system/etcd.service"), mode: 0o644, content: Buffer.from("[Service]\nExecStart=/usr/local/bin/etcd\n") },
      { path: p("etc/etcd/etcd.conf.yml"), mode: 0o644, content: Buffer.from(etcdConf) },
      { path: p("etc/etcd/pki/etcd-key.pem"), mode: 0o600, content: Buffer.from("-----BEGIN PRIVATE KEY-----\nfake\n-----END PRIVATE KEY-----\n") },
      { path: p("etc/systemd/system/kubelet.service"), mode: 0o644, content: Buffer.from("[Service]\nExecStart=/usr/local/bin/kubelet\n") },
      { path: p("var/lib/kubelet/config.yaml"), mode: 0o644, owner: "nobody:nogroup", content: Buffer.from("kind: KubeletConfiguration\n") },
      { path: p("etc/kubernetes/admin.kubeconfig"), mode: 0o600, content: Buffer.from("apiVersion: v1\nkind: Config\n") },
    ],
    units: [
      { name: "etcd.service", stage: "etcd", inputs: [p("etc/systemd/system/etcd.service"), p("etc/etcd/etcd.conf.yml"), p("etc/etcd/pki/etcd-key.pem")] },
      { name: "kubelet.service", stage: "worker", inputs: [p("etc/systemd/system/kubelet.service"), p("var/lib/kubelet/config.yaml")] },
    ],
  };
}

function sshOptions(node: RenderedNode, extra: Partial<SshTransportOptions> = {}): SshTransportOptions {
  return {
    node: node.name,
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKey: sshd.privateKey,
    hostFingerprints: [sshd.hostFingerprint],
    timeoutMs: 10_000,
    ...extra,
  };
}

function applyOpts(events: ApplyEvent[] = [], extra: Partial<SshTransportOptions> = {}): ApplyOptions {
  return {
    transportFor: (node) => SshTransport.connect(sshOptions(node, extra)),
    services: services(),
    onProgress: (e) => events.push(e),
  };
}

/** Every file under `dir` whose name ends in .tmp. */
function tempFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith(".tmp"))
    .map((d) => join(d.parentPath, d.name));
}

const modeOf = (path: string): number => statSync(path).mode & 0o7777;

describe("apply over SSH", () => {
  let root: string;
  let node: RenderedNode;

  beforeAll(() => {
    root = join(tmp.path, "node-a");
    node = fixtureNode("node-a", root);
  });

  it("writes every file with its mode and owner and starts the units, stage by stage", async () => {
    const events: ApplyEvent[] = [];
    const result = await applyNodes([node], applyOpts(events));
    const r = result.nodes[0]!;
    expect(result.changed).toBe(true);
    // the file no unit reads (admin.kubeconfig) goes with the first stage
    const p = (rel: string): string => join(root, rel);
    expect(r.written).toEqual(
      ["etc/systemd/system/etcd.service", "etc/etcd/etcd.conf.yml", "etc/etcd/pki/etcd-key.pem", "etc/kubernetes/admin.kubeconfig"]
        .concat(["etc/systemd/system/kubelet.service", "var/lib/kubelet/config.yaml"])
        .map(p),
    );
    expect(r.started).toEqual(["etcd.service", "kubelet.service"]);
    expect(r.restarted).toEqual([]);
    for (const f of node.files) {
      expect(readFileSync(f.path)).toEqual(f.content);
      expect(modeOf(f.path), f.path).toBe(f.mode);
    }
    expect(modeOf(join(root, "etc/etcd/pki/etcd-key.pem"))).toBe(0o600);
    const kubeletConfig = statSync(join(root, "var/lib/kubelet/config.yaml"));
    expect(kubeletConfig.uid).not.toBe(0); // nobody
    expect(statSync(join(root, "etc/etcd/etcd.conf.yml")).uid).toBe(0);
    expect(serviceLog()).toEqual(["daemon-reload", "start etcd.service", "daemon-reload", "start kubelet.service"]);
    // etcd stage (with the files no unit reads) before the worker stage
    expect(events.filter((e) => e.kind === "stage-start").map((e) => e.stage)).toEqual(["etcd", "worker"]);
    expect(tempFiles(root)).toEqual([]);
  });

  it("changes nothing the second time and says so", async () => {
    const before = statSync(join(root, "etc/etcd/etcd.conf.yml")).mtimeMs;
    const events: ApplyEvent[] = [];
    const result = await applyNodes([node], applyOpts(events));
    const r = result.nodes[0]!;
    expect(result.changed).toBe(false);
    expect(r).toMatchObject({ written: [], started: [], restarted: [], daemonReloads: 0, changed: false });
    expect(r.unchanged).toHaveLength(node.files.length);
    expect(serviceLog()).toHaveLength(4);
    expect(statSync(join(root, "etc/etcd/etcd.conf.yml")).mtimeMs).toBe(before);
    const done = events.filter((e) => e.kind === "stage-done");
    expect(done.map(formatApplyEvent)).toEqual(["node-a [etcd] unchanged (4 file(s))", "node-a [worker] unchanged (2 file(s))"]);
    expect(events.some((e) => e.kind === "file-written" || e.kind === "unit-restarted")).toBe(false);
  });

  it("restarts only the unit whose input changed, without daemon-reload for a config file", async () => {
    node = fixtureNode("node-a", root, "name: etcd-1\nlog-level: debug\n");
    const result = await applyNodes([node], applyOpts());
    expect(result.nodes[0]).toMatchObject({
      written: [join(root, "etc/etcd/etcd.conf.yml")],
      restarted: ["etcd.service"],
      started: [],
      daemonReloads: 0,
    });
    expect(serviceLog().slice(4)).toEqual(["restart etcd.service"]);
    expect(readFileSync(join(root, "etc/etcd/etcd.conf.yml"), "utf8")).toContain("log-level: debug");
  });

  it("puts back a mode changed on the node and restarts the unit reading the file", async () => {
    const key = join(root, "etc/etcd/pki/etcd-key.pem");
    chmodSync(key, 0o644);
    const result = await applyNodes([node], applyOpts());
    expect(result.nodes[0]).toMatchObject({ written: [key], restarted: ["etcd.service"] });
    expect(modeOf(key)).toBe(0o600);
    expect(serviceLog().slice(5)).toEqual(["restart etcd.service"]);
  });

  it("reports a dry run without writing or restarting", async () => {
    const changed = fixtureNode("node-a", root, "name: etcd-1\n# dry\n");
    const result = await applyNodes([changed], { ...applyOpts(), dryRun: true });
    expect(result).toMatchObject({ dryRun: true, changed: true });
    expect(result.nodes[0]).toMatchObject({ written: [join(root, "etc/etcd/etcd.conf.yml")], restarted: ["etcd.service"] });
    expect(readFileSync(join(root, "etc/etcd/etcd.conf.yml"), "utf8")).not.toContain("# dry");
    expect(serviceLog()).toHaveLength(6);
  });

  it("stops at a failing unit with the node, the stage and the command's output, leaving no temp files", async () => {
    writeFileSync(join(tmp.path, "fail-kubelet.service"), "");
    try {
      const broken = fixtureNode("node-a", root, "name: etcd-1\nlog-level: debug\n");
      broken.files[4] = { ...broken.files[4]!, content: Buffer.from("kind: KubeletConfiguration\nbogus: true\n") };
      const err = await applyNodes([broken], applyOpts()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeployError);
      const e = err as DeployError;
      expect(e.code).toBe("command-failed");
      expect(e.field).toBe("node-a");
      expect(e.message).toContain("node node-a, stage worker");
      expect(e.message).toContain("kubelet.service: unknown flag: --bogus-flag");
      expect(tempFiles(root)).toEqual([]);
      expect(serviceLog()).toHaveLength(6);
    } finally {
      rmSync(join(tmp.path, "fail-kubelet.service"));
    }
  });
});

describe("SshTransport", () => {
  it("runs commands with stdin and exit codes, reads files and reports missing ones", async () => {
    const t = await SshTransport.connect(sshOptions({ name: "node-t" } as RenderedNode));
    try {
      expect(await t.exec("cat; echo err >&2; exit 3", { stdin: Buffer.from("in\n") })).toEqual({ code: 3, stdout: "in\n", stderr: "err\n" });
      expect((await t.exec("id -u", { sudo: true })).stdout.trim()).toBe("0");
      const path = join(tmp.path, "read-me.bin");
      writeFileSync(path, Buffer.from([0, 1, 2, 255]));
      expect(await t.readFile(path)).toEqual(Buffer.from([0, 1, 2, 255]));
      expect(await t.readFile(join(tmp.path, "absent"))).toBeUndefined();
      const state = await t.inspect([path, join(tmp.path, "absent")]);
      expect(state.get(path)).toMatchObject({ mode: 0o644, owner: "root:root" });
      expect(state.get(join(tmp.path, "absent"))).toBeUndefined();
      // 1 MiB: several SFTP writes in flight
      const big = Buffer.alloc(1024 * 1024 + 17, 7);
      await t.writeFileAtomic(join(tmp.path, "big.bin"), big, 0o640);
      expect(readFileSync(join(tmp.path, "big.bin")).equals(big)).toBe(true);
      expect(modeOf(join(tmp.path, "big.bin"))).toBe(0o640);
    } finally {
      await t.close();
    }
  });
});

describe("failures", () => {
  it("names the node and address of an unreachable node (closed port) and touches no other node", async () => {
    const port = await freePort(); // handed out, never listened on
    const good = fixtureNode("node-ok", join(tmp.path, "node-ok"));
    const bad = fixtureNode("node-down", join(tmp.path, "node-down"));
    const err = await applyNodes([good, bad], {
      transportFor: (n) => SshTransport.connect(sshOptions(n, n.name === "node-down" ? { port } : {})),
      services: services(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployError);
    expect(err).toMatchObject({ code: "node-unreachable", field: "node-down" });
    expect((err as Error).message).toBe(`node node-down (127.0.0.1:${port}) unreachable: connection refused`);
    expect(existsSync(join(tmp.path, "node-ok"))).toBe(false);
  });

  it("reports a key the server does not accept, an unusable key, and a host key that does not match", async () => {
    const n = fixtureNode("node-x", join(tmp.path, "node-x"));
    const { generateKeyPairSync } = await import("node:crypto");
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const otherKey = privateKey.export({ type: "sec1", format: "pem" });
    await expect(SshTransport.connect(sshOptions(n, { privateKey: otherKey }))).rejects.toMatchObject({
      code: "node-unreachable",
      field: "node-x",
      message: expect.stringMatching(/node node-x \(127\.0\.0\.1:\d+\) unreachable: authentication as root with the given key failed/),
    });
    await expect(SshTransport.connect(sshOptions(n, { privateKey: "not a key" }))).rejects.toMatchObject({
      code: "node-unreachable",
      message: expect.stringContaining("unreachable: cannot use the private key: Cannot parse privateKey"),
    });
    await expect(SshTransport.connect(sshOptions(n, { hostFingerprints: ["SHA256:AAAA"] }))).rejects.toMatchObject({
      code: "node-unreachable",
      message: expect.stringContaining("host key does not match"),
    });
  });

  it("leaves no partial file when a directory cannot be created", async () => {
    const root = join(tmp.path, "node-nodir");
    mkdirSync(join(root, "etc"), { recursive: true });
    writeFileSync(join(root, "etc/etcd"), "a file where the directory should be\n");
    const n = fixtureNode("node-nodir", root);
    const err = await applyNodes([n], applyOpts()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "command-failed", field: "node-nodir" });
    expect((err as Error).message).toMatch(/^node node-nodir, stage etcd: .*mkdir -p/s);
    expect((err as Error).message).toContain("cannot create directory");
    expect(readFileSync(join(root, "etc/etcd"), "utf8")).toBe("a file where the directory should be\n");
    expect(tempFiles(root)).toEqual([]);
    expect(existsSync(join(root, "etc/etcd/etcd.conf.yml"))).toBe(false);
  });

  it("removes the temp file when the rename fails", async () => {
    const root = join(tmp.path, "node-norename");
    // a non-empty directory where the key file goes: upload succeeds, rename cannot replace it
    mkdirSync(join(root, "etc/etcd/pki/etcd-key.pem/x"), { recursive: true });
    const n = fixtureNode("node-norename", root);
    const err = await applyNodes([n], applyOpts()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "transport-failed", field: "node-norename" });
    expect((err as Error).message).toContain(`node node-norename, stage etcd`);
    expect((err as Error).message).toContain(`cannot write ${join(root, "etc/etcd/pki/etcd-key.pem")}`);
    expect(tempFiles(root)).toEqual([]);
    // the files before it in the stage were written whole; nothing was started
    expect(readFileSync(join(root, "etc/etcd/etcd.conf.yml"), "utf8")).toBe("name: etcd-1\n");
    expect(serviceLog("node-norename")).toEqual([]);
  });

  it("writes through `sh -c` with the content on stdin (the sudo path) with the same result", async () => {
    const root = join(tmp.path, "node-exec");
    const n = fixtureNode("node-exec", root);
    const result = await applyNodes([n], applyOpts([], { upload: "exec" }));
    expect(result.nodes[0]!.written).toHaveLength(n.files.length);
    for (const f of n.files) {
      expect(readFileSync(f.path)).toEqual(f.content);
      expect(modeOf(f.path), f.path).toBe(f.mode);
    }
    expect(statSync(join(root, "var/lib/kubelet/config.yaml")).uid).not.toBe(0);
    expect(tempFiles(root)).toEqual([]);
    const t = await SshTransport.connect(sshOptions(n, { upload: "exec" }));
    try {
      writeFileSync(join(root, "bin.dat"), Buffer.from([0, 0xff, 0x80, 10]));
      expect(await t.readFile(join(root, "bin.dat"))).toEqual(Buffer.from([0, 0xff, 0x80, 10]));
      expect(await t.readFile(join(root, "absent"))).toBeUndefined();
    } finally {
      await t.close();
    }
    expect(serviceLog("node-exec")).toEqual(["daemon-reload", "start etcd.service", "daemon-reload", "start kubelet.service"]);
    const again = await applyNodes([n], applyOpts([], { upload: "exec" }));
    expect(again.changed).toBe(false);
  });
});
