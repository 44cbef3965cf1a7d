import { afterEach, describe, expect, it } from "vitest";
import { run } from "@k8s/cli";
import { dnsAllowed } from "@k8s/bootstrap";

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

  // The policy is logged before the kubeconfig is loaded, so a missing one still shows what was read.
  const policyOf = (err: string): Record<string, unknown> => {
    const line = err.split("\n").find((l) => l.includes('"approver configuration"'));
    if (!line) throw new Error(`no policy line in ${err}`);
    return JSON.parse(line) as Record<string, unknown>;
  };
  const noKubeconfig = ["--kubeconfig", "/nonexistent/kubeconfig"];

  it("keeps a --dns-pattern with a comma whole, and it works", async () => {
    const r = await cli(["approver", "run", "--dns-pattern", "n{1,3}\\.example", "--dns-pattern", "{node}\\.internal", ...noKubeconfig]);
    expect(r.code).toBe(1);
    const patterns = policyOf(r.err).dnsPatterns as string[];
    expect(patterns).toEqual(["n{1,3}\\.example", "{node}\\.internal"]);
    expect(["nn.example", "nnnn.example", "n1.internal"].map((d) => dnsAllowed(d, "n1", patterns))).toEqual([true, false, true]);
  });

  it("reads K8S_PKI_APPROVER_DNS_PATTERN one pattern per line", async () => {
    process.env.K8S_PKI_APPROVER_DNS_PATTERN = "n{1,3}\\.example\n{node}\\.internal\n";
    const r = await cli(["approver", "run", ...noKubeconfig]);
    expect(policyOf(r.err).dnsPatterns).toEqual(["n{1,3}\\.example", "{node}\\.internal"]);
  });

  it("has --max-sans 32 and no re-bootstrap by default; reads both from flags and the environment", async () => {
    expect(policyOf((await cli(["approver", "run", ...noKubeconfig])).err)).toMatchObject({ maxSans: 32, allowRebootstrap: false });
    expect(policyOf((await cli(["approver", "run", "--max-sans", "4", "--allow-rebootstrap", ...noKubeconfig])).err)).toMatchObject({ maxSans: 4, allowRebootstrap: true });
    process.env.K8S_PKI_APPROVER_MAX_SANS = "5";
    process.env.K8S_PKI_APPROVER_ALLOW_REBOOTSTRAP = "true";
    expect(policyOf((await cli(["approver", "run", ...noKubeconfig])).err)).toMatchObject({ maxSans: 5, allowRebootstrap: true });
  });

  it.each(["false", "0", "no"])("K8S_PKI_APPROVER_ALLOW_REBOOTSTRAP=%s does not allow re-bootstrap", async (v) => {
    // A boolean variable that is merely defined must not switch the flag on.
    process.env.K8S_PKI_APPROVER_ALLOW_REBOOTSTRAP = v;
    expect(policyOf((await cli(["approver", "run", ...noKubeconfig])).err)).toMatchObject({ allowRebootstrap: false });
  });

  it("reads the other boolean variables by value too", async () => {
    process.env.K8S_PKI_APPROVER_LEADER_ELECT = "true";
    process.env.K8S_PKI_APPROVER_DRY_RUN = "false";
    expect(policyOf((await cli(["approver", "run", ...noKubeconfig])).err)).toMatchObject({ leaderElect: true, dryRun: false });
    process.env.K8S_PKI_APPROVER_LEADER_ELECT = "false";
    process.env.K8S_PKI_APPROVER_DRY_RUN = "true";
    expect(policyOf((await cli(["approver", "run", ...noKubeconfig])).err)).toMatchObject({ leaderElect: false, dryRun: true });
    expect(policyOf((await cli(["approver", "run", "--no-leader-elect", ...noKubeconfig])).err)).toMatchObject({ leaderElect: false });
  });

  it("refuses a K8S_PKI_APPROVER_ALLOW_REBOOTSTRAP that is not a boolean", async () => {
    process.env.K8S_PKI_APPROVER_ALLOW_REBOOTSTRAP = "please";
    const r = await cli(["approver", "run", ...noKubeconfig]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--allow-rebootstrap: expected true or false, got "please"/);
  });

  it("documents the new flags, their reasons and the deny reasons in --help", async () => {
    // Collapsed whitespace: commander wraps the descriptions to the terminal width.
    const out = (await cli(["approver", "run", "--help"])).out.replace(/\s+/g, " ");
    expect(out).toMatch(/--max-sans <n>[\s\S]*hostname and its addresses/);
    expect(out).toMatch(/--allow-rebootstrap[\s\S]*registered-node[\s\S]*K8S_PKI_APPROVER_ALLOW_REBOOTSTRAP/);
    expect(out).toMatch(/NonCanonicalRequest[\s\S]*AutoDenied/);
  });

  it("prints least-privilege manifests", async () => {
    const r = await cli(["approver", "manifests", "--namespace", "pki"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/kind: Deployment/);
    expect(r.out).toMatch(/namespace: pki/);
  });
});
