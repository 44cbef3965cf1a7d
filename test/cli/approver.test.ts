import { afterEach, describe, expect, it } from "vitest";
import { run } from "@k8s/cli";

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await run(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s), readStdin: async () => Buffer.alloc(0), env: process.env, cwd: process.cwd(), now: () => new Date() });
  return { code, out, err };
}

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith("K8S_PKI_APPROVER_")) delete process.env[k];
  Object.assign(process.env, saved);
});

describe("k8s-pki approver run configuration", () => {
  it("reads K8S_PKI_APPROVER_* environment variables and checks them before connecting", async () => {
    process.env.K8S_PKI_APPROVER_DENY_MODE = "drop";
    const r = await cli(["approver", "run", "--kubeconfig", "/nonexistent/kubeconfig"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--deny-mode: expected deny or pending, got "drop"/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("a flag wins over the environment", async () => {
    process.env.K8S_PKI_APPROVER_DENY_MODE = "drop";
    const r = await cli(["approver", "run", "--deny-mode", "pending", "--kubeconfig", "/nonexistent/kubeconfig"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot load kubeconfig \/nonexistent\/kubeconfig/);
  });

  it("prints least-privilege manifests", async () => {
    const r = await cli(["approver", "manifests", "--namespace", "pki"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/kind: Deployment/);
    expect(r.out).toMatch(/namespace: pki/);
  });
});
