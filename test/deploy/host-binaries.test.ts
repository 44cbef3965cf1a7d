// Programs the operator installs on a node (RenderedNode.hostBinaries, e.g.
// HAProxy for kube-lb): apply checks them on every node before it writes or
// starts anything, and a missing one stops it naming the node and the path.
import { chmodSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { applyNodes, DeployError, LocalTransport, type RenderedNode, type ServiceManager, type Transport } from "@k8s/deploy";
import { checkHostBinaries, missingBinariesScript } from "../../packages/deploy/src/host-binaries.js";
import { withTempDir } from "../harness/fixtures.js";

const tmp = withTempDir("k8s-pki-host-binaries-");

/** Records what apply asks of the service manager; nothing may be asked when a check fails. */
class Recorder implements ServiceManager {
  readonly log: string[] = [];
  async daemonReload(t: Transport): Promise<void> {
    this.log.push(`${t.node} daemon-reload`);
  }
  async isActive(): Promise<boolean> {
    return false;
  }
  async start(t: Transport, u: string): Promise<void> {
    this.log.push(`${t.node} start ${u}`);
  }
  async restart(t: Transport, u: string): Promise<void> {
    this.log.push(`${t.node} restart ${u}`);
  }
}

const node = (name: string, hostBinaries: string[]): RenderedNode => ({
  name,
  address: "127.0.0.1",
  roles: ["worker"],
  files: [{ path: "/etc/systemd/system/kube-lb.service", mode: 0o644, content: Buffer.from("[Service]\n") }],
  units: [{ name: "kube-lb.service", stage: "worker", inputs: ["/etc/systemd/system/kube-lb.service"] }],
  ...(hostBinaries.length === 0 ? {} : { hostBinaries: hostBinaries.map((path) => ({ path, hint: "kube-lb runs it" })) }),
});

describe("checkHostBinaries", () => {
  let exe: string;
  let t: LocalTransport;
  beforeAll(() => {
    exe = join(tmp.path, "haproxy");
    writeFileSync(exe, "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(join(tmp.path, "haproxy-not-executable"), "#!/bin/sh\n", { mode: 0o644 });
    t = new LocalTransport({ node: "w1", root: tmp.path });
  });

  it("passes an executable file, and a node that needs none", async () => {
    await expect(checkHostBinaries(node("w1", [exe]), t)).resolves.toBeUndefined();
    await expect(checkHostBinaries(node("w1", []), t)).resolves.toBeUndefined();
  });

  it.each([
    { name: "a missing file", under: "nope/haproxy" },
    { name: "a file that is not executable", under: "haproxy-not-executable" },
    { name: "a folder", under: "." },
  ])("refuses $name, naming the node and the path", async ({ under }) => {
    const path = join(tmp.path, under);
    const err = await checkHostBinaries(node("w1", [exe, path]), t).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployError);
    expect((err as DeployError).code).toBe("binary-missing");
    expect((err as DeployError).field).toBe(path);
    expect((err as DeployError).message).toBe(`node w1: ${path} is missing or not executable (kube-lb runs it); no node was changed`);
  });

  it("quotes paths for the shell", () => {
    expect(missingBinariesScript(["/opt/it's/haproxy"])).toContain(`'/opt/it'\\''s/haproxy'`);
  });
});

describe("applyNodes with a program missing on one node", () => {
  it("stops before writing or starting anything on any node", async () => {
    const exe = join(tmp.path, "bin-ok");
    writeFileSync(exe, "#!/bin/sh\n");
    chmodSync(exe, 0o755);
    const missing = join(tmp.path, "bin-missing");
    const services = new Recorder();
    const roots = join(tmp.path, "roots");
    const err = await applyNodes([node("w1", [exe]), node("w2", [missing])], {
      services,
      transportFor: async (n) => new LocalTransport({ node: n.name, root: join(roots, n.name) }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployError);
    expect((err as DeployError).message).toMatch(/^node w2: .*bin-missing is missing or not executable/);
    expect(services.log).toEqual([]);
    for (const n of ["w1", "w2"]) expect(existsSync(join(roots, n)) ? readdirSync(join(roots, n), { recursive: true }) : []).toEqual([]);
  });

  it("goes ahead when every node has them", async () => {
    const exe = join(tmp.path, "bin-ok2");
    writeFileSync(exe, "#!/bin/sh\n", { mode: 0o755 });
    const services = new Recorder();
    const roots = join(tmp.path, "roots-ok");
    const r = await applyNodes([node("w1", [exe]), node("w2", [exe])], {
      services,
      transportFor: async (n) => new LocalTransport({ node: n.name, root: join(roots, n.name) }),
    });
    expect(r.nodes.map((x) => x.started)).toEqual([["kube-lb.service"], ["kube-lb.service"]]);
  });
});
