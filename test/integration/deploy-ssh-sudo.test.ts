// Apply over SSH as a user that is not root, as on nodes where root cannot log
// in: every command and file write goes through `sudo -n`. The test makes two
// throwaway system users (one allowed passwordless sudo by a sudoers drop-in,
// one not) and removes them and the drop-in afterwards. The node root is a
// root-only folder, so nothing could be written there without sudo.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyNodes, ScriptServiceManager, SshTransport, type RenderedNode, type SshTransportOptions } from "@k8s/deploy";
import { withTempDir } from "../harness/fixtures.js";
import { startSshd, type Sshd } from "../harness/sshd.js";

const tmp = withTempDir("k8s-pki-deploy-ssh-sudo-");
const SUDOER = "k8spki-sudoer";
const PLAIN = "k8spki-nosudo";
const DROP_IN = `/etc/sudoers.d/${SUDOER}`;
let sshd: Sshd;

function ensureUser(name: string): void {
  try {
    execFileSync("id", [name], { stdio: "ignore" });
  } catch {
    execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/bin/sh", name]);
  }
  // No password, but not locked ("!"), which sshd refuses even for key logins without PAM.
  execFileSync("usermod", ["-p", "*", name]);
}

beforeAll(async () => {
  expect(process.getuid?.(), "this test creates users: run as root (CI does)").toBe(0);
  ensureUser(SUDOER);
  ensureUser(PLAIN);
  // visudo -c checks the drop-in before sudo ever reads it.
  const text = `${SUDOER} ALL=(root) NOPASSWD: ALL\n`;
  writeFileSync(`${DROP_IN}.tmp`, text, { mode: 0o440 });
  execFileSync("visudo", ["-c", "-q", "-f", `${DROP_IN}.tmp`]);
  execFileSync("mv", [`${DROP_IN}.tmp`, DROP_IN]);
  sshd = await startSshd({ dir: tmp.path });
  // The users must reach the service script and the (root-only) node folders only through sudo.
  execFileSync("chmod", ["0755", tmp.path, sshd.dir]);
  execFileSync("chmod", ["0644", join(sshd.dir, "authorized_keys")]);
  writeFileSync(join(tmp.path, "svc.sh"), SERVICE_SCRIPT.replaceAll("@DIR@", tmp.path), { mode: 0o755 });
});

afterAll(async () => {
  await sshd?.stop();
  rmSync(DROP_IN, { force: true });
  for (const u of [SUDOER, PLAIN]) {
    try {
      execFileSync("userdel", [u], { stdio: "ignore" });
    } catch {
      // already gone
    }
  }
});

// Stands in for systemctl; records who ran it, so the test sees sudo took effect.
const SERVICE_SCRIPT = `#!/bin/sh
echo "$(id -un) $2 $3" >> @DIR@/services.log
case "$2" in
  is-active) [ -f "@DIR@/state-$3" ] ;;
  start|restart) touch "@DIR@/state-$3" ;;
esac
`;

function fixtureNode(root: string): RenderedNode {
  const p = (rel: string): string => join(root, rel);
  return {
    name: "node-sudo",
    address: "127.0.0.1",
    roles: ["etcd"],
    files: [
      { path: p("etc/systemd/system/etcd.service"), mode: 0o644, content: Buffer.from("[Service]\nExecStart=/usr/local/bin/etcd\n") },
      { path: p("etc/etcd/etcd.conf.yml"), mode: 0o644, content: Buffer.from("name: etcd-1\n") },
      { path: p("etc/etcd/pki/etcd-key.pem"), mode: 0o600, content: Buffer.from("-----BEGIN PRIVATE KEY-----\nfake\n-----END PRIVATE KEY-----\n") },
      { path: p("var/lib/etcd/owned.txt"), mode: 0o640, owner: "nobody:nogroup", content: Buffer.from("owned by nobody\n") },
    ],
    units: [{ name: "etcd.service", stage: "etcd", inputs: [p("etc/systemd/system/etcd.service"), p("etc/etcd/etcd.conf.yml"), p("etc/etcd/pki/etcd-key.pem")] }],
  };
}

const options = (username: string, extra: Partial<SshTransportOptions> = {}): SshTransportOptions => ({
  node: "node-sudo",
  host: sshd.host,
  port: sshd.port,
  username,
  privateKey: sshd.privateKey,
  hostFingerprints: [sshd.hostFingerprint],
  timeoutMs: 10_000,
  ...extra,
});

const applyAs = (username: string, nodes: RenderedNode[]) =>
  applyNodes(nodes, {
    transportFor: () => SshTransport.connect(options(username)),
    services: new ScriptServiceManager({ command: `${join(tmp.path, "svc.sh")} {node}` }),
  });

const tempFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile() && d.name.endsWith(".tmp"))
        .map((d) => join(d.parentPath, d.name))
    : [];

describe("apply over SSH as a user that is not root", () => {
  let root: string;
  beforeAll(() => {
    root = join(tmp.path, "node-root");
    mkdirSync(root, { mode: 0o700 });
  });

  it("runs commands as root through sudo -n, and as itself without", async () => {
    const t = await SshTransport.connect(options(SUDOER));
    try {
      const uid = execFileSync("id", ["-u", SUDOER], { encoding: "utf8" }).trim();
      expect((await t.exec("id -u")).stdout.trim()).toBe(uid);
      expect((await t.exec("id -u", { sudo: true })).stdout.trim()).toBe("0");
      // Without sudo it cannot even look into the node root.
      expect((await t.exec(`ls ${root}`)).code).not.toBe(0);
    } finally {
      await t.close();
    }
  });

  it("writes every file with its mode and owner (root, or the one asked for) and starts the unit as root", async () => {
    const node = fixtureNode(root);
    const r = await applyAs(SUDOER, [node]);
    expect(r.nodes[0]!.written).toHaveLength(node.files.length);
    expect(r.nodes[0]!.started).toEqual(["etcd.service"]);
    for (const f of node.files) {
      expect(readFileSync(f.path)).toEqual(f.content);
      const st = statSync(f.path);
      expect(st.mode & 0o7777, f.path).toBe(f.mode);
      const owner = execFileSync("stat", ["-c", "%U:%G", f.path], { encoding: "utf8" }).trim();
      expect(owner, f.path).toBe(f.owner ?? "root:root");
    }
    expect(tempFiles(root)).toEqual([]);
    const log = readFileSync(join(tmp.path, "services.log"), "utf8").trim().split("\n");
    expect(log).toContain("root start etcd.service");
    expect(log.every((l) => l.startsWith("root "))).toBe(true);
  });

  it("a second apply reads everything back through sudo and changes nothing", async () => {
    const again = await applyAs(SUDOER, [fixtureNode(root)]);
    expect(again.changed).toBe(false);
  });

  it("a user without sudo rights gets a clear error naming the node, and nothing is written", async () => {
    const fresh = join(tmp.path, "node-root-2");
    mkdirSync(fresh, { mode: 0o700 });
    const err = await applyAs(PLAIN, [fixtureNode(fresh)]).catch((e: unknown) => e);
    expect(err).toMatchObject({ field: "node-sudo" });
    expect((err as Error).message).toMatch(/^node node-sudo, stage etcd: /);
    expect((err as Error).message).toMatch(/sudo: a password is required|is not in the sudoers file|not allowed/);
    expect(readdirSync(fresh)).toEqual([]);
  });
});
