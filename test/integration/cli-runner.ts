// Runs k8s-pki in process with captured output, for integration tests that
// drive the CLI against the real API server.
import { run } from "@k8s/cli";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], opts: { cwd?: string; stdin?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    readStdin: async () => Buffer.from(opts.stdin ?? ""),
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? process.cwd(),
    now: () => new Date(),
  });
  return { code, stdout, stderr };
}
