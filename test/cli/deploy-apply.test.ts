// k8s-pki deploy apply's refusals before it touches any node: no key, and a
// node whose host key is not in known_hosts (keys are never pushed to an
// unverified host). Apply itself runs in the integration tests.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildPlan, DEFAULT_INVENTORY_YAML, defaultInventory } from "@k8s/deploy";
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
