// The built k8s-pki CLI run as a child process, as an operator runs it: for
// tests whose units must outlive one command (deploy apply --local starts
// them detached).
import { execFile } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./binaries.js";

export const cliPath = join(repoRoot, "packages/cli/bin/k8s-pki.js");

export interface ChildRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function cliChild(args: string[], timeoutMs = 120_000): Promise<ChildRun> {
  return new Promise((ok) => {
    execFile(process.execPath, [cliPath, ...args], { cwd: repoRoot, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
      ok({ code, stdout, stderr });
    });
  });
}

/** A run's exit code and output, for assertion messages. */
export const showRun = (r: ChildRun): string => `exit ${r.code}\n--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`;
