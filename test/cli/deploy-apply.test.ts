// k8s-pki deploy apply's refusals before it touches any node: no key, and a
// node whose host key is not in known_hosts (keys are never pushed to an
// unverified host). Apply itself runs in the integration tests.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildPlan, defaultInventory } from "@k8s/deploy";
import { DEFAULT_INVENTORY_YAML } from "../../packages/deploy/src/default-inventory.js";
import { runCli } from "../integration/cli-runner.js";
import { tempDir } from "../helpers/exec.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe("k8s-pki deploy apply over SSH", () => {
  it("needs --ssh-key (or --local)", async () => {
    const t = tempDir("k8s-pki-apply-cli-");
    cleanups.push(t.cleanup);
    const r = await runCli(["deploy", "apply", "--state", "state"], { cwd: t.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--ssh-key is required (or --local DIR for local mode)");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses a node whose host key is not in known_hosts, naming it and the file", async () => {
    const t = tempDir("k8s-pki-apply-cli-");
    cleanups.push(t.cleanup);
    writeFileSync(join(t.dir, "id_ed25519"), "not used before the host key check\n", { mode: 0o600 });
    writeFileSync(join(t.dir, "known_hosts"), "");
    // Every planned binary present (apply hashes them before connecting to any node).
    const bin = join(t.dir, "bin");
    for (const n of buildPlan(defaultInventory()).nodes) {
      for (const f of n.files) {
        if (f.source.kind !== "binary") continue;
        mkdirSync(join(bin, f.source.name, ".."), { recursive: true });
        writeFileSync(join(bin, f.source.name), "#!/bin/sh\n", { mode: 0o755 });
      }
    }
    writeFileSync(join(t.dir, "cluster.yaml"), DEFAULT_INVENTORY_YAML.replace(/^binDir: .*$/m, `binDir: ${bin}`));
    const r = await runCli(["deploy", "apply", "--inventory", "cluster.yaml", "--state", "state", "--ssh-key", "id_ed25519", "--known-hosts", "known_hosts"], { cwd: t.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/node node1 \(192\.168\.95\.11\): no host key in .*known_hosts; add it \(ssh-keyscan -p 22 192\.168\.95\.11\) after checking it/);
    expect(r.stdout).not.toMatch(/wrote|started/);
  });
});

/** A folder with every binary the default plan installs (apply hashes them before it reads any node). */
function fakeBinaries(dir: string): string {
  const bin = join(dir, "bin");
  for (const n of buildPlan(defaultInventory()).nodes) {
    for (const f of n.files) {
      if (f.source.kind !== "binary") continue;
      mkdirSync(join(bin, f.source.name, ".."), { recursive: true });
      writeFileSync(join(bin, f.source.name), "#!/bin/sh\n", { mode: 0o755 });
    }
  }
  return bin;
}

describe("k8s-pki deploy apply --dry-run", () => {
  it("writes nothing anywhere in local mode, says it is a dry run and lists what an apply would do", async () => {
    const t = tempDir("k8s-pki-apply-dry-");
    cleanups.push(t.cleanup);
    fakeBinaries(t.dir);
    const r = await runCli(["deploy", "apply", "--local", "NEW", "--dry-run", "--bin-dir", "bin"], { cwd: t.dir });
    expect(r.code, r.stderr).toBe(0);
    // No state folder (CA keys), no node folder, nothing else.
    expect(existsSync(join(t.dir, "NEW"))).toBe(false);
    expect(readdirSync(t.dir)).toEqual(["bin"]);
    expect(r.stdout).toMatch(/^dry run: nothing is written, started or restarted/);
    expect(r.stdout).toContain(`would create the PKI and secrets in ${join(t.dir, "NEW", "state")}`);
    expect(r.stdout).toMatch(/^node1 \[etcd\] would write \/etc\/kubernetes\/pki\/etcd\/ca\.pem$/m);
    expect(r.stdout).toMatch(/^node1 \[master\] would start kube-apiserver\.service$/m);
    expect(r.stdout).not.toMatch(/applied:|\] (wrote|started|restarted) /);
    expect(r.stdout.trimEnd().split("\n").pop()).toBe("dry run: an apply would change node1, node2, node3; nothing was written");
  });

  it("leaves no ./deploy-state behind when it fails", async () => {
    const t = tempDir("k8s-pki-apply-dry-");
    cleanups.push(t.cleanup);
    const r = await runCli(["deploy", "apply", "--dry-run"], { cwd: t.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--ssh-key is required");
    expect(readdirSync(t.dir)).toEqual([]);
  });
});
