// The single-file k8s-pki that `deploy apply` copies to <binDir>/k8s-pki on
// masters (packages/cli/dist/k8s-pki, built by scripts/bundle-standalone.js in
// `npm run build`), copied alone into a temp folder outside the repo and run
// there with NODE_PATH empty and HOME in that folder, so no node_modules can
// help it: every command kind (cfssl, cfssljson, bootstrap, deploy), the
// approver started with the exact arguments and NODE_OPTIONS of the unit the
// deployer renders (client-node talking HTTPS), and the SSH transport (ssh2,
// bundled without its native addons) against a real sshd.
import { X509Certificate } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import jsYaml from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { execStartOf } from "../../packages/deploy/src/render/systemd.js";
import { repoRoot } from "../harness/binaries.js";
import { withTempDir } from "../harness/fixtures.js";
import { freePort } from "../harness/ports.js";
import { startProcess, waitFor } from "../harness/process.js";
import { expectCertsCheckOverSsh, runChild, show, type Run } from "../helpers/child-run.js";

const BUILT = join(repoRoot, "packages/cli/dist/k8s-pki");
const tmp = withTempDir("k8s-pki-standalone-");
let bin: string;
let cwd: string;
let env: NodeJS.ProcessEnv;

/** Runs the copied file itself (its shebang finds node on PATH), optionally feeding stdin. */
const k8sPki = (args: string[], stdin?: string): Promise<Run> => runChild(bin, args, { cwd, env, ...(stdin === undefined ? {} : { stdin }) });

beforeAll(() => {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` (scripts/bundle-standalone.js makes it)`);
  cwd = join(tmp.path, "work");
  mkdirSync(join(tmp.path, "bin"));
  mkdirSync(cwd);
  bin = join(tmp.path, "bin", "k8s-pki");
  copyFileSync(BUILT, bin);
  // Only Node itself and the basics on PATH; nothing else leaks in from the test's environment.
  env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: tmp.path, NODE_PATH: "", LANG: "C" };
});

describe("the standalone k8s-pki file", () => {
  it("is one executable file (0755) with a node shebang, run where no node_modules is up the tree", () => {
    for (const f of [BUILT, bin]) expect((statSync(f).mode & 0o777).toString(8), f).toBe("755");
    expect(readFileSync(bin, "utf8").split("\n", 1)[0]).toBe("#!/usr/bin/env node");
    expect(readdirSync(dirname(bin))).toEqual(["k8s-pki"]);
    for (let d = dirname(bin); ; d = dirname(d)) {
      expect(existsSync(join(d, "node_modules")), `${d}/node_modules`).toBe(false);
      expect(existsSync(join(d, "package.json")), `${d}/package.json`).toBe(false);
      if (dirname(d) === d) break;
    }
  });

  it("version", async () => {
    const r = await k8sPki(["version"]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^Version: \d+\.\d+\.\d+ \(cfssl \d+\.\d+\.\d+ compatible\)\nRuntime: node v\d+/);
  });

  it("gencert -initca piped through json -bare makes a CA", async () => {
    const csr = { CN: "standalone-ca", key: { algo: "ecdsa", size: 256 }, names: [{ O: "k8s-pki" }] };
    writeFileSync(join(cwd, "ca-csr.json"), JSON.stringify(csr));
    const gen = await k8sPki(["gencert", "-initca", "ca-csr.json"]);
    expect(gen.code, show(gen)).toBe(0);
    const split = await k8sPki(["json", "-bare", "ca"], gen.stdout);
    expect(split.code, show(split)).toBe(0);
    const ca = new X509Certificate(readFileSync(join(cwd, "ca.pem")));
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain("CN=standalone-ca");
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.checkPrivateKey((await import("node:crypto")).createPrivateKey(readFileSync(join(cwd, "ca-key.pem"))))).toBe(true);
    expect(statSync(join(cwd, "ca-key.pem")).mode & 0o777).toBe(0o600);
    expect(existsSync(join(cwd, "ca.csr"))).toBe(true);
  });

  it("token generate", async () => {
    const r = await k8sPki(["token", "generate"]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}\n$/);
  });

  it("deploy plan (the default inventory)", async () => {
    const r = await k8sPki(["deploy", "plan"]);
    expect(r.code, show(r)).toBe(0);
    for (const s of ["node1", "node2", "node3", "k8s-pki-approver"]) expect(r.stdout).toContain(s);
  });

  it("runs the approver with the arguments and NODE_OPTIONS of the unit it renders: help lists every flag; it serves /healthz and reaches for the API server", async () => {
    const render = await k8sPki(["deploy", "render", "--out", "rendered"]);
    expect(render.code, show(render)).toBe(0);
    const unit = readFileSync(join(cwd, "rendered/node1/etc/systemd/system/k8s-pki-approver.service"), "utf8");
    const [exe, ...args] = execStartOf(unit);
    expect(exe).toMatch(/\/k8s-pki$/);
    expect(args.slice(0, 2)).toEqual(["approver", "run"]);
    const flags = args.slice(2).map((a) => a.replace(/=.*/, ""));
    expect(flags.length).toBeGreaterThan(3);

    const help = await k8sPki(["approver", "run", "--help"]);
    expect(help.code, show(help)).toBe(0);
    for (const f of flags) expect(help.stdout, f).toMatch(new RegExp(`^\\s+${f}\\b`, "m"));

    // The rendered kubeconfig with its server moved to a closed loopback port:
    // client-node (bundled) must load it and make requests that are refused.
    const kcPath = join(cwd, "rendered/node1/etc/kubernetes/k8s-pki-approver.kubeconfig");
    const kc = jsYaml.load(readFileSync(kcPath, "utf8")) as { clusters: { cluster: { server: string } }[] };
    const closed = await freePort();
    for (const c of kc.clusters) c.cluster.server = `https://127.0.0.1:${closed}`;
    writeFileSync(kcPath, jsYaml.dump(kc));
    const port = await freePort();
    const runArgs = args.map((a) => (a.startsWith("--kubeconfig=") ? `--kubeconfig=${kcPath}` : a.startsWith("--listen=") ? `--listen=127.0.0.1:${port}` : a));
    const nodeOptions = /^Environment="NODE_OPTIONS=([^"]*)"$/m.exec(unit)?.[1];
    expect(nodeOptions).toBeDefined();

    const proc = await startProcess({ name: "approver", command: bin, args: runArgs, logDir: tmp.path, cwd, env: { ...env, NODE_OPTIONS: nodeOptions }, stopTimeoutMs: 5000 });
    try {
      const healthz = await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, { what: "approver /healthz", timeoutMs: 20_000, processes: [proc] });
      expect(healthz).toBe(true);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain("k8s_pki_approver_");
      await waitFor(() => /ECONNREFUSED 127\.0\.0\.1:\d+/.test(readFileSync(proc.logPath, "utf8")), { what: "a refused request in the approver's log", timeoutMs: 20_000, processes: [proc] });
      const log = readFileSync(proc.logPath, "utf8");
      expect(log).not.toMatch(/Cannot find (module|package)|is not defined|Dynamic require/);
      expect(log).toContain('"msg":"approver running"');
    } finally {
      const status = await proc.stop();
      expect(status, proc.logTail()).toEqual({ code: 0, signal: null });
    }
  });

  it("reads a node's certificates over SSH (ssh2 bundled, pure-JS crypto) with certs check --inventory against a real sshd", async () => {
    await expectCertsCheckOverSsh({ k8sPki, dir: tmp.path, work: cwd, stderrMustNotMatch: /could not be read|node-unreachable/ });
  });
});
