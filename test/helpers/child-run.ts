// Runs a program as a child process to completion (a built k8s-pki, npm,
// publint, ...) and keeps what it printed; plus the one check the release
// tests make of every shipped k8s-pki: `certs check --inventory` reading a
// node over SSH from a real sshd (ssh2 and its pure-JS fallbacks bundled).
// Shared by test/cli/packaging.test.ts and test/cli/standalone.test.ts.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { startSshd } from "../harness/sshd.js";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The run for a failure message. */
export const show = (r: Run): string => `exit ${r.code}\n--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`;

/** Runs a command to completion without throwing on a non-zero exit; stdin gets `stdin` (or nothing) and is closed. */
export function runChild(file: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string; timeout?: number }): Promise<Run> {
  return new Promise((ok, fail) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"], ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => void (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => void (stderr += b.toString()));
    child.on("error", fail);
    child.on("close", (code) => ok({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? "");
  });
}

export interface SshCertsCheckOptions {
  /** Runs the k8s-pki under test with these arguments. */
  k8sPki(args: string[]): Promise<Run>;
  /** Where sshd, the client key and known_hosts go. */
  dir: string;
  /** Where the one-node inventory goes (k8s-pki's working folder). */
  work: string;
  /** Suffix of the sshd folder, key and known_hosts names, so two checks can share `dir`. */
  suffix?: string;
  /** What standard error must not show (a node not read, a module missing from the bundle). */
  stderrMustNotMatch: RegExp;
}

/**
 * Starts a real sshd, trusts its host key, and runs `certs check --inventory`
 * over SSH on a one-node inventory at it: read-only, the planned /etc paths
 * of this machine, which are not there (MISSING, exit 4) or are (0 or 3);
 * every row must be node1's.
 */
export async function expectCertsCheckOverSsh(o: SshCertsCheckOptions): Promise<void> {
  const suffix = o.suffix ?? "";
  const sshd = await startSshd({ dir: o.dir, ...(suffix ? { name: `sshd${suffix}` } : {}) });
  try {
    const key = join(o.dir, suffix ? `id${suffix}` : "id_ed25519");
    const knownHosts = join(o.dir, `known_hosts${suffix}`);
    writeFileSync(key, sshd.privateKey, { mode: 0o600 });
    const hostPub = readFileSync(join(sshd.dir, "ssh_host_ed25519_key.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
    writeFileSync(knownHosts, `[${sshd.host}]:${sshd.port} ${hostPub}\n`);
    writeFileSync(join(o.work, "one-node.yaml"), `nodes:\n  - { name: node1, address: ${sshd.host}, roles: [etcd, master, worker] }\n`);
    const r = await o.k8sPki(["certs", "check", "--inventory", "one-node.yaml", "--ssh-key", key, "--ssh-port", String(sshd.port), "--known-hosts", knownHosts, "-o", "json"]);
    expect([0, 3, 4], show(r)).toContain(r.code);
    expect(r.stderr).not.toMatch(o.stderrMustNotMatch);
    const rows = JSON.parse(r.stdout) as { name: string }[];
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(row.name).toMatch(/^node1:\//);
  } finally {
    await sshd.stop();
  }
}
