// stopLocalUnits against real (harmless) processes: only a pid whose command
// line is still the recorded command under the node root is signalled.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatStoppedLocalUnit, stopLocalUnits } from "@k8s/deploy";
import { pidMatches, readPidFile } from "../../packages/deploy/src/local-stop.js";

const dir = realpathSync(mkdtempSync(join(tmpdir(), "k8s-pki-local-stop-")));
const children: ChildProcess[] = [];

function sleeper(...extra: string[]): Promise<ChildProcess> {
  const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "--", ...extra], { stdio: "ignore" });
  children.push(c);
  return new Promise((ok, fail) => {
    c.once("spawn", () => ok(c));
    c.once("error", fail);
  });
}

const exited = (c: ChildProcess): Promise<unknown> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((ok) => c.once("exit", ok));

afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("stopLocalUnits", () => {
  it("stops the unit processes, leaves a reused pid alone, clears stale and .done files", async () => {
    const run1 = join(dir, "node1", "run/local-units");
    const run2 = join(dir, "node2", "run/local-units");
    mkdirSync(run1, { recursive: true });
    mkdirSync(run2, { recursive: true });
    const unit = await sleeper(`--data-dir=${join(dir, "node1")}/var/lib/x`);
    const other = await sleeper("not-under-the-root");
    writeFileSync(join(run1, "etcd.service.pid"), `${unit.pid}\n${process.execPath}\n`);
    writeFileSync(join(run1, "flannel-network-config.service.done"), "");
    writeFileSync(join(run2, "etcd.service.pid"), `${other.pid}\n${process.execPath}\n`); // pid "reused" by another process
    writeFileSync(join(run2, "kubelet.service.pid"), "999999999\n/usr/bin/kubelet\n");
    expect(readPidFile(join(run1, "etcd.service.pid"))).toEqual({ pid: unit.pid, command: process.execPath });
    expect(pidMatches(unit.pid!, join(dir, "node1"), { command: "/usr/bin/other" })).toBe(false);

    const r = await stopLocalUnits(dir, { timeoutMs: 5000 });
    expect(r.map(formatStoppedLocalUnit)).toEqual([
      `node1 etcd.service: stopped (pid ${unit.pid})`,
      "node1 flannel-network-config.service: cleared (oneshot unit that remained active)",
      `node2 etcd.service: pid ${other.pid} is now another process, left alone; pid file removed`,
      "node2 kubelet.service: was not running (pid 999999999); pid file removed",
    ]);
    await exited(unit);
    expect(unit.signalCode).toBe("SIGTERM");
    expect(other.exitCode).toBeNull();
    expect(other.signalCode).toBeNull();
    expect(readdirSync(run1)).toEqual([]);
    expect(readdirSync(run2)).toEqual([]);
    expect(await stopLocalUnits(join(dir, "missing"))).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  });
});
