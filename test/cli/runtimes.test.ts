// Supported runtimes (README "Supported runtimes"): the built CLI and the built
// library give the same results on Node 22 and 24 as on the machine's own Node
// (20.19+). scripts/node-runtimes.sh installs the official 22 and 24 builds from
// the npm registry into a cache outside the repo (scripts/test.sh runs it first;
// here it only finds them). A runtime that cannot be installed fails its test
// with the script's own message: never a skip, so CI cannot pass without them.
import { spawnSync } from "node:child_process";
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../harness/binaries.js";
import { withTempDir } from "../harness/fixtures.js";
import { run, type RunResult } from "../helpers/exec.js";

const SCRIPT = join(repoRoot, "scripts/node-runtimes.sh");
const CLI = join(repoRoot, "packages/cli/bin/k8s-pki.js");
const PKI_DIST = join(repoRoot, "packages/pki/dist/index.js");
// The single file deploy apply copies to masters, which runs on whatever Node the master has.
const STANDALONE = join(repoRoot, "packages/cli/dist/k8s-pki");
const FIXTURES = join(repoRoot, "test/fixtures/cfssl");
const tmp = withTempDir("k8s-pki-runtimes-");

/** The versions pinned in the script's RUNTIMES table, read from the script so the two cannot drift apart. */
const PINNED = [...readFileSync(SCRIPT, "utf8").matchAll(/^\s+"(\d+\.\d+\.\d+) sha512-/gm)].map((m) => m[1]!);

interface Install {
  status: number | null;
  stderr: string;
  nodes: Map<string, string>;
}
let install: Install | undefined;

/** The node binary of a pinned version, or a failure carrying the install script's exact error. */
function nodeOf(version: string): string {
  if (!install) throw new Error("scripts/node-runtimes.sh did not run");
  const node = install.nodes.get(version);
  if (!node) throw new Error(`Node.js ${version} is not installed: scripts/node-runtimes.sh exited ${install.status}:\n${install.stderr}`);
  return node;
}

/** Everything one runtime printed and wrote in the smoke, normalised only where runs differ by design (keys, serials, times). */
interface Smoke {
  version: RunResult;
  initca: { code: number; stderr: string; facts: Record<string, unknown> };
  jsonBare: { code: number; stdout: string; stderr: string; files: Record<string, { mode: string; sameAsJson: boolean }> };
  signed: { code: number; stderr: string; facts: Record<string, unknown> };
  certinfo: RunResult;
  csrinfo: RunResult;
  badInput: RunResult;
  token: { code: number; stderr: string; shape: boolean };
  library: RunResult;
  standalone: { version: RunResult; certinfo: RunResult };
}

const strip = (r: RunResult): RunResult => ({ ...r, cmd: "" });

/** What a fresh CA must be, whichever runtime made it; checked with node:crypto in this process. */
function caFacts(out: { cert: string; csr: string; key: string }): Record<string, unknown> {
  const cert = new X509Certificate(out.cert);
  const key = createPrivateKey(out.key);
  return {
    subject: cert.subject,
    ca: cert.ca,
    selfSigned: cert.verify(cert.publicKey) && cert.checkIssued(cert),
    keyMatches: cert.checkPrivateKey(key),
    keyType: key.asymmetricKeyType,
    keyDetails: key.asymmetricKeyDetails,
    keyPemType: out.key.split("\n")[0],
    csrPemType: out.csr.split("\n")[0],
  };
}

/** A leaf's facts: signed by the given CA, its names and key. */
function leafFacts(out: { cert: string; key: string }, caPem: string): Record<string, unknown> {
  const cert = new X509Certificate(out.cert);
  const ca = new X509Certificate(caPem);
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    sans: cert.subjectAltName,
    ca: cert.ca,
    signedByCa: cert.verify(ca.publicKey) && cert.checkIssued(ca),
    keyMatches: cert.checkPrivateKey(createPrivateKey(out.key)),
    keyDetails: createPublicKey(out.key).asymmetricKeyDetails,
    lifetimeHours: (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 3_600_000,
  };
}

/** The library through its built dist, as a user's ESM program imports it: fixed key, clock and serial bytes, so output is exact. */
const LIBRARY_SMOKE = `
import { readFileSync } from "node:fs";
import { certInfo, createLocalSigner, encodePrivateKeyPem, generateKey, initCa, parseCertificatePem, parseCsrJson, parsePrivateKeyPem, parseSigningConfig } from "@k8s/pki";
const fx = (f) => readFileSync(${JSON.stringify(FIXTURES)} + "/" + f, "utf8");
const now = () => new Date("2026-03-04T05:06:07Z");
let n = 0;
const randomBytes = (len) => Buffer.alloc(len, ++n);
// RSA PKCS#1 v1.5 signatures are deterministic, so the certificates are too.
const key = parsePrivateKeyPem(fx("rsa-ca-key.pem"));
const ca = await initCa(parseCsrJson(fx("ca-csr.json")), { key, now, randomBytes });
const signer = createLocalSigner({ caKey: key, caCert: ca.cert, config: parseSigningConfig(fx("config.json")), now, randomBytes });
const leaf = await signer.sign({ request: fx("rsa.csr"), hosts: ["leaf.example.com", "10.0.0.1"], profile: "kubernetes" });
const fresh = await Promise.all([["rsa", 2048], ["ecdsa", 256], ["ed25519", 0]].map(([algo, size]) => generateKey({ algo, size })));
console.log(JSON.stringify({
  ca,
  leaf,
  leafInfo: certInfo(parseCertificatePem(leaf)),
  fresh: fresh.map((k) => ({ algo: k.algo, size: k.size, pem: encodePrivateKeyPem(k).split("\\n")[0] })),
}, null, 1));
`;

/** The same commands under one node binary, each in a fresh folder. */
async function smoke(node: string, label: string): Promise<Smoke> {
  const dir = join(tmp.path, label);
  spawnSync("mkdir", ["-p", dir]);
  for (const f of ["ca-csr.json", "config.json", "rsa.csr", "rsa-ca.pem"]) copyFileSync(join(FIXTURES, f), join(dir, f));
  // Only this runtime and the basics on PATH, so a child that looks for `node` finds this one.
  const env = { PATH: `${join(node, "..")}:/usr/bin:/bin`, HOME: dir, LANG: "C" };
  const k8sPki = (args: string[], input?: string): Promise<RunResult> => run(node, [CLI, ...args], { cwd: dir, env, input });

  const version = await k8sPki(["version"]);
  const initca = await k8sPki(["gencert", "-initca", "ca-csr.json"]);
  const caOut = JSON.parse(initca.stdout) as { cert: string; csr: string; key: string };
  const bare = await k8sPki(["json", "-bare", "ca"], initca.stdout);
  const files: Smoke["jsonBare"]["files"] = {};
  for (const [file, field] of [["ca.pem", "cert"], ["ca-key.pem", "key"], ["ca.csr", "csr"]] as const) {
    const path = join(dir, file);
    files[file] = existsSync(path) ? { mode: (statSync(path).mode & 0o777).toString(8), sameAsJson: readFileSync(path, "utf8") === caOut[field] } : { mode: "missing", sameAsJson: false };
  }
  const signed = await k8sPki(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config.json", "-profile", "kubernetes", "-hostname", "node1.example.com,10.1.2.3", "-"], JSON.stringify({ CN: "system:node:node1", names: [{ O: "system:nodes" }], key: { algo: "rsa", size: 2048 } }));
  const token = await k8sPki(["token", "generate"]);
  return {
    version: strip(version),
    initca: { code: initca.code, stderr: initca.stderr, facts: caFacts(caOut) },
    jsonBare: { code: bare.code, stdout: bare.stdout, stderr: bare.stderr, files },
    signed: { code: signed.code, stderr: signed.stderr, facts: leafFacts(JSON.parse(signed.stdout) as { cert: string; key: string }, caOut.cert) },
    certinfo: strip(await k8sPki(["certinfo", "-cert", "rsa-ca.pem"])),
    csrinfo: strip(await k8sPki(["certinfo", "-csr", "rsa.csr"])),
    badInput: strip(await k8sPki(["gencert", "-initca", "-"], '{"CN": "x", "key": {"algo": "rsa", "size": 1024}}')),
    token: { code: token.code, stderr: token.stderr, shape: /^[a-z0-9]{6}\.[a-z0-9]{16}\n$/.test(token.stdout) },
    library: strip(await run(node, ["--input-type=module", "-e", LIBRARY_SMOKE], { cwd: repoRoot, env })),
    standalone: {
      version: strip(await run(node, [STANDALONE, "version"], { cwd: dir, env })),
      certinfo: strip(await run(node, [STANDALONE, "certinfo", "-cert", "rsa-ca.pem"], { cwd: dir, env })),
    },
  };
}

let baseline: Promise<Smoke> | undefined;
const machineSmoke = (): Promise<Smoke> => (baseline ??= smoke(process.execPath, "machine"));

beforeAll(() => {
  for (const built of [CLI, join(repoRoot, "packages/cli/dist/main.js"), PKI_DIST, STANDALONE]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first (scripts/test.sh does)`);
  }
  // Finds the cached runtimes in well under a second; installs them (about a minute) only when missing.
  const r = spawnSync(SCRIPT, [], { encoding: "utf8", timeout: 600_000 });
  const nodes = new Map<string, string>();
  for (const line of (r.stdout ?? "").split("\n")) {
    const [v, path] = line.split(" ");
    if (v && path) nodes.set(v, path);
  }
  install = { status: r.status, stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}`, nodes };
}, 610_000);

describe("supported runtimes", () => {
  it("pins one Node 22 and one Node 24 release; the machine's Node is 20.19 or later", () => {
    expect(PINNED.map((v) => v.split(".")[0])).toEqual(["22", "24"]);
    const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
    expect(major > 20 || (major === 20 && minor >= 19)).toBe(true);
  });

  it("every package.json declares engines.node >=20.19", () => {
    const packages = readdirSync(join(repoRoot, "packages")).map((p) => join(repoRoot, "packages", p, "package.json"));
    const manifests = [join(repoRoot, "package.json"), ...packages.filter((m) => existsSync(m))];
    expect(manifests.length).toBeGreaterThanOrEqual(5);
    for (const m of manifests) expect((JSON.parse(readFileSync(m, "utf8")) as { engines?: { node?: string } }).engines?.node, m).toBe(">=20.19");
  });

  // About 10 s each on a quiet machine; a shared 2-core CI machine has taken 50.
  it(`the smoke on the machine's Node (${process.version}) does what the CLI and library promise`, { timeout: 300_000 }, async () => {
    const s = await machineSmoke();
    expect(s.version).toMatchObject({ code: 0, stderr: "" });
    expect(s.version.stdout).toMatch(/^Version: \S+/);
    expect(s.version.stdout).toContain(`Runtime: node ${process.version}\n`);
    expect(s.initca).toEqual({
      code: 0,
      stderr: "",
      facts: {
        subject: "C=US\nST=California\nL=San Francisco\nO=k8s-pki\nOU=fixtures\nCN=k8s-pki fixture root",
        ca: true,
        selfSigned: true,
        keyMatches: true,
        keyType: "ec",
        keyDetails: { namedCurve: "prime256v1" },
        keyPemType: "-----BEGIN EC PRIVATE KEY-----",
        csrPemType: "-----BEGIN CERTIFICATE REQUEST-----",
      },
    });
    expect(s.jsonBare).toEqual({ code: 0, stdout: "", stderr: "", files: { "ca.pem": { mode: "644", sameAsJson: true }, "ca-key.pem": { mode: "600", sameAsJson: true }, "ca.csr": { mode: "644", sameAsJson: true } } });
    expect(s.signed).toEqual({
      code: 0,
      stderr: "",
      facts: {
        subject: "O=system:nodes\nCN=system:node:node1",
        issuer: "C=US\nST=California\nL=San Francisco\nO=k8s-pki\nOU=fixtures\nCN=k8s-pki fixture root",
        sans: "DNS:node1.example.com, IP Address:10.1.2.3",
        ca: false,
        signedByCa: true,
        keyMatches: true,
        keyDetails: { modulusLength: 2048, publicExponent: 65537n },
        lifetimeHours: 876000,
      },
    });
    // cfssl's own certinfo of this fixture, as cfssl 1.6.5 printed it.
    expect(s.certinfo).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(s.certinfo.stdout)).toEqual(JSON.parse(readFileSync(join(FIXTURES, "rsa-ca.certinfo.json"), "utf8")));
    expect(s.csrinfo).toMatchObject({ code: 0, stderr: "" });
    expect(s.badInput).toEqual({ code: 1, stdout: "", stderr: expect.stringContaining("RSA key is too weak") as string, cmd: "" });
    expect(s.token).toEqual({ code: 0, stderr: "", shape: true });
    expect(s.library).toMatchObject({ code: 0, stderr: "" });
    const lib = JSON.parse(s.library.stdout) as { ca: { cert: string }; leaf: string; fresh: unknown };
    expect(new X509Certificate(lib.leaf).verify(new X509Certificate(lib.ca.cert).publicKey)).toBe(true);
    expect(s.standalone.version).toEqual({ ...s.version, cmd: "" });
    expect(s.standalone.certinfo).toEqual(s.certinfo);
    expect(lib.fresh).toEqual([
      { algo: "rsa", size: 2048, pem: "-----BEGIN RSA PRIVATE KEY-----" },
      { algo: "ecdsa", size: 256, pem: "-----BEGIN EC PRIVATE KEY-----" },
      { algo: "ed25519", size: 0, pem: "-----BEGIN PRIVATE KEY-----" },
    ]);
  });

  it.each(PINNED)("Node %s gives the machine's results: same output, same files, same errors, no warnings", { timeout: 300_000 }, async (version) => {
    const node = nodeOf(version);
    const s = await smoke(node, `node-${version}`);
    const base = await machineSmoke();
    const runtimeLine = (r: RunResult, v: string): RunResult => ({ ...r, stdout: r.stdout.replace(`Runtime: node ${v}\n`, "Runtime: node (this runtime)\n") });
    const normalise = (x: Smoke, v: string): Smoke => ({ ...x, version: runtimeLine(x.version, v), standalone: { ...x.standalone, version: runtimeLine(x.standalone.version, v) } });
    expect(s.version.stdout).toContain(`Runtime: node v${version}\n`);
    expect(normalise(s, `v${version}`)).toEqual(normalise(base, process.version));
  });
});
