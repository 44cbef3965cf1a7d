// The multi-node test bed (scripts/testbed.sh, issue 16) end to end: `up 2`
// boots two systemd-nspawn machines; each is reached with @k8s/deploy's
// SshTransport using only the bed's key and the host keys the script read
// from the machines' trees (no trust on first use); systemd inside is up and
// the hostname is the machine's name; the written inventory loads. `down`
// leaves no nspawn process, no bridge, and the host's sysctls as they were.
// Needs root, systemd-nspawn and debootstrap (the script installs them with
// apt when missing) and builds the base tree on first use (~2 min).
// The e2e project of vitest.config.ts (last, alone): npx vitest run --project e2e
import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventory, SshTransport } from "@k8s/deploy";
import { knownHostFingerprints } from "../../packages/deploy/src/transport/known-hosts.js";

const run = promisify(execFile);
const repo = join(import.meta.dirname, "..", "..");
const script = join(repo, "scripts", "testbed.sh");
const bed = join(repo, "testbed");
const SYSCTLS = ["vm/overcommit_memory", "kernel/panic", "kernel/panic_on_oops"];
const BRIDGE = "k8spki-tb0";
const CGROUP2_SUPER_MAGIC = 0x63677270;

const readSysctls = (): Record<string, string> => Object.fromEntries(SYSCTLS.map((k) => [k, readFileSync(`/proc/sys/${k}`, "utf8").trim()]));

async function testbed(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(script, args, { cwd: repo, timeout: 600_000, maxBuffer: 16 << 20 });
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`testbed.sh ${args.join(" ")} failed: ${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}`);
  }
}

/** Pids of running systemd-nspawn processes (from /proc, no pgrep needed). */
function nspawnPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/comm`, "utf8").trim() === "systemd-nspawn";
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
}

const sysctlsBefore = readSysctls();
let upOutput = "";

beforeAll(async () => {
  expect(nspawnPids(), "a systemd-nspawn is already running; run scripts/testbed.sh down").toEqual([]);
  upOutput = await testbed("up", "2");
  console.log(upOutput.trim());
}, 600_000);

afterAll(async () => {
  // Whatever happened above, leave the host clean (down is safe to repeat).
  await testbed("down").catch((e: unknown) => console.error(e));
}, 120_000);

describe("scripts/testbed.sh", () => {
  it("writes the key (0600), known_hosts and an inventory that loads", async () => {
    expect(statSync(join(bed, "id_ed25519")).mode & 0o777).toBe(0o600);
    const inv = await loadInventory(join(bed, "inventory.yaml"));
    expect(inv.nodes.map((n) => [n.name, n.address, n.roles])).toEqual([
      ["m1", "10.213.0.11", ["etcd", "master", "worker"]],
      // An even machine count: the last one leaves etcd out (etcd needs an odd member count).
      ["m2", "10.213.0.12", ["master", "worker"]],
    ]);
    // What machines in containers need: the host's swap and conntrack limits, OOM scores that cannot go down, and
    // the host's cgroup version.
    const cgroupV1 = statfsSync("/sys/fs/cgroup").type !== CGROUP2_SUPER_MAGIC;
    expect(inv.host).toMatchObject({ swap: "tolerate", cgroupV1, restrictOomScoreAdj: true, conntrack: { maxPerCore: 0, min: 0 } });
    const kh = readFileSync(join(bed, "known_hosts"), "utf8");
    for (const n of inv.nodes) expect(knownHostFingerprints(kh, n.address)).toHaveLength(1);
    expect(upOutput).toMatch(/timings: base tree [\d.]+s \((cold|cached)\)/);
  });

  it("every machine answers over SSH with the bed's key and host keys, systemd running, its own hostname", async () => {
    const inv = await loadInventory(join(bed, "inventory.yaml"));
    const kh = readFileSync(join(bed, "known_hosts"), "utf8");
    const key = readFileSync(join(bed, "id_ed25519"));
    for (const n of inv.nodes) {
      const t = await SshTransport.connect({
        node: n.name,
        host: n.address,
        username: "root",
        privateKey: key,
        hostFingerprints: knownHostFingerprints(kh, n.address),
      });
      try {
        const state = await t.exec("systemctl is-system-running --wait");
        expect(["running", "degraded"], `${n.name}: ${state.stdout}${state.stderr}`).toContain(state.stdout.trim());
        const host = await t.exec("hostname");
        expect(host.stdout.trim()).toBe(n.name);
        // No default route: nothing outside the bed is reachable from a machine.
        const routes = await t.exec("ip -4 route show default");
        expect(routes.stdout.trim()).toBe("");
      } finally {
        await t.close();
      }
    }
  }, 120_000);

  it("refuses a second up while a bed is up", async () => {
    await expect(testbed("up", "1")).rejects.toThrow(/a bed is already up/);
  });

  it("a host key not read from the bed is refused", async () => {
    const key = readFileSync(join(bed, "id_ed25519"));
    await expect(
      SshTransport.connect({ node: "m1", host: "10.213.0.11", username: "root", privateKey: key, hostFingerprints: ["SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] }),
    ).rejects.toThrow();
  });

  it("down stops every machine, removes the bridge and testbed/, restores the sysctls; a second down is harmless", async () => {
    await testbed("down");
    expect(nspawnPids()).toEqual([]);
    expect(existsSync(`/sys/class/net/${BRIDGE}`)).toBe(false);
    expect(existsSync(bed)).toBe(false);
    expect(readSysctls()).toEqual(sysctlsBefore);
    expect(await testbed("down")).toMatch(/down \(0 machine/);
  }, 120_000);
});
