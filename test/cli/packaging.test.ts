// The release as users get it: scripts/release.sh packs the four packages and
// the standalone file with SHA256SUMS into a temp folder; the tarballs must
// pass publint and @arethetypeswrong/cli, carry their licenses and publishing
// fields and nothing for development only; `npm i -g` of the CLI tarball alone,
// offline and with an empty npm cache, must give a working `k8s-pki` run from
// a folder outside the repo (cfssl, cfssljson, token, deploy and SSH commands);
// and the three library tarballs, installed without hoisting (each package
// sees only what it declares, as under pnpm), must import and work.
// Needs `npm run build` first (scripts/test.sh does it).
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../harness/binaries.js";
import { withTempDir } from "../harness/fixtures.js";
import { expectCertsCheckOverSsh, runChild, show, type Run } from "../helpers/child-run.js";

const run = promisify(execFile);
const tmp = withTempDir("k8s-pki-packaging-");
const bin = (name: string): string => join(repoRoot, "node_modules/.bin", name);
const VERSION = (JSON.parse(readFileSync(join(repoRoot, "packages/cli/package.json"), "utf8")) as { version: string }).version;
const PACKAGES = ["pki", "bootstrap", "deploy", "cli"] as const;

let release: string;
const tarball = (p: string): string => join(release, `k8s-${p}-${VERSION}.tgz`);

/** Runs a command to completion without throwing on a non-zero exit (killed after 2 minutes unless told). */
const exec = (file: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string; timeout?: number }): Promise<Run> =>
  runChild(file, args, { ...opts, timeout: opts.timeout ?? 120_000 });

async function tarList(file: string): Promise<string[]> {
  return (await run("tar", ["-tzf", file])).stdout.trim().split("\n");
}
async function tarRead(file: string, member: string): Promise<string> {
  return (await run("tar", ["-xzOf", file, member], { maxBuffer: 64 << 20 })).stdout;
}

/** Every key of an exports map, nested conditions included. */
function exportKeys(v: unknown): string[] {
  if (v === null || typeof v !== "object") return [];
  return Object.entries(v).flatMap(([k, sub]) => [k, ...exportKeys(sub)]);
}

beforeAll(async () => {
  for (const f of ["packages/cli/dist/bundle/main.js", "packages/cli/dist/k8s-pki", "packages/pki/dist/index.js"]) {
    if (!existsSync(join(repoRoot, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  release = join(tmp.path, "release");
  await run(join(repoRoot, "scripts/release.sh"), ["--no-build", "--out", release], { cwd: repoRoot });
}, 300_000);

describe("scripts/release.sh", () => {
  it("makes the four tarballs, the standalone file and SHA256SUMS that sha256sum -c accepts", async () => {
    const standalone = `k8s-pki-standalone-${VERSION}.mjs`;
    expect(readdirSync(release).sort()).toEqual(["SHA256SUMS", ...PACKAGES.map((p) => `k8s-${p}-${VERSION}.tgz`), standalone].sort());
    const sums = readFileSync(join(release, "SHA256SUMS"), "utf8").trim().split("\n");
    expect(sums.map((l) => l.split(/\s+/)[1]).sort()).toEqual(readdirSync(release).filter((f) => f !== "SHA256SUMS").sort());
    const ok = await exec("sha256sum", ["-c", "SHA256SUMS"], { cwd: release });
    expect(ok.code, show(ok)).toBe(0);
    // The same check on a copy with one flipped byte fails: the sums are of these very files.
    const copy = join(tmp.path, "tampered");
    mkdirSync(copy);
    for (const f of readdirSync(release)) writeFileSync(join(copy, f), readFileSync(join(release, f)));
    const bytes = readFileSync(join(copy, standalone));
    bytes[bytes.length - 10]! ^= 1;
    writeFileSync(join(copy, standalone), bytes);
    const bad = await exec("sha256sum", ["-c", "SHA256SUMS"], { cwd: copy });
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toContain(`${standalone}: FAILED`);
  });

  it("the standalone file runs by itself and carries the third-party license notices", async () => {
    const file = join(release, `k8s-pki-standalone-${VERSION}.mjs`);
    const r = await exec(file, ["version"], { cwd: tmp.path, env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: tmp.path } });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain(`Version: ${VERSION} `);
    const text = readFileSync(file, "utf8");
    const notices = text.slice(text.lastIndexOf("THIRD-PARTY NOTICES"));
    for (const p of ["@kubernetes/client-node", "commander", "js-yaml", "ssh2", "ws", "node-fetch"]) expect(notices).toMatch(new RegExp(`\\n${p.replace("/", "\\/")}@\\d+\\.\\d+\\.\\d+ \\(`));
    // The license texts themselves, not only the names.
    expect(notices).toContain("Permission is hereby granted, free of charge");
    expect(notices).toContain("Apache License");
  });
});

describe("the packed tarballs", () => {
  it.each(PACKAGES)("%s: LICENSE, README.md and built files only: no sources, source maps or build info", async (p) => {
    const files = await tarList(tarball(p));
    expect(files).toContain("package/LICENSE");
    expect(files).toContain("package/README.md");
    expect(files).toContain("package/package.json");
    expect(await tarRead(tarball(p), "package/LICENSE")).toContain("Apache License\n                           Version 2.0, January 2004");
    const bad = files.filter((f) => f.endsWith(".map") || f.includes("tsbuildinfo") || f.startsWith("package/src/") || f.endsWith(".ts") !== f.endsWith(".d.ts"));
    expect(bad).toEqual([]);
    // A source map would point at src/, which is not shipped; no file may refer to one.
    const unpacked = join(tmp.path, `unpacked-${p}`);
    mkdirSync(unpacked);
    await run("tar", ["-xzf", tarball(p), "-C", unpacked]);
    const mapped = files.filter((f) => /\.(js|d\.ts)$/.test(f) && /^\/\/# sourceMappingURL=/m.test(readFileSync(join(unpacked, f), "utf8")));
    expect(mapped).toEqual([]);
    // Every compiled file has its source: tsc -b leaves the output of a deleted source behind, and it must not ship.
    if (p !== "cli") {
      const orphans = files.filter((f) => f.endsWith(".js") && !existsSync(join(repoRoot, "packages", p, f.replace(/^package\/dist\//, "src/").replace(/\.js$/, ".ts"))));
      expect(orphans).toEqual([]);
    }
  });

  it.each(PACKAGES)("%s: package.json has the publishing fields and no development-only export condition", async (p) => {
    const m = JSON.parse(await tarRead(tarball(p), "package/package.json")) as Record<string, unknown>;
    expect(m.name).toBe(`@k8s/${p}`);
    expect(m.version).toBe(VERSION);
    expect(m.license).toBe("Apache-2.0");
    expect(m.publishConfig).toEqual({ access: "public" });
    expect(m.repository).toMatchObject({ type: "git", directory: `packages/${p}` });
    expect((m.keywords as string[]).length).toBeGreaterThan(3);
    expect(Array.isArray(m.files)).toBe(true);
    expect(m.engines).toEqual({ node: ">=20.19" });
    const conditions = exportKeys(m.exports).filter((k) => !k.startsWith("."));
    expect(new Set(conditions)).toEqual(new Set(["types", "default"]));
    expect(JSON.stringify(m)).not.toContain("@k8s/source");
    expect(m.scripts).toBeUndefined();
  });

  it.each(PACKAGES)("%s passes publint (strict)", async (p) => {
    const r = await exec(bin("publint"), ["run", tarball(p), "--strict"], { cwd: tmp.path });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain("All good!");
  });

  it.each(PACKAGES)("%s passes @arethetypeswrong/cli (ESM-only profile: Node 16+ ESM and bundlers)", async (p) => {
    const r = await exec(bin("attw"), [tarball(p), "--profile", "esm-only", "--format", "json"], { cwd: tmp.path });
    expect(r.code, show(r)).toBe(0);
    // The profile ignores only CommonJS require() and node10 resolution; anything else would have failed the exit code.
    const report = JSON.parse(r.stdout) as { problems?: Record<string, { resolutionKind?: string }[]> };
    const counted = Object.values(report.problems ?? {}).flat().filter((x) => x.resolutionKind !== "node10" && x.resolutionKind !== "node16-cjs");
    expect(counted).toEqual([]);
  });
});

describe("npm i -g of the CLI tarball alone, offline, with an empty npm cache", () => {
  let prefix: string;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const k8sPki = (args: string[], stdin?: string): Promise<Run> => exec(join(prefix, "bin/k8s-pki"), args, { cwd: work, env, stdin });

  beforeAll(async () => {
    prefix = join(tmp.path, "global");
    work = join(tmp.path, "work");
    mkdirSync(work);
    const cache = join(tmp.path, "empty-npm-cache");
    const r = await exec("npm", ["i", "-g", "--prefix", prefix, "--offline", "--cache", cache, "--no-audit", "--no-fund", "--no-update-notifier", tarball("cli")], { cwd: work, timeout: 240_000 });
    expect(r.code, show(r)).toBe(0);
    // Only Node and the basics on PATH; no node_modules up the tree from the work folder.
    env = { PATH: `${join(prefix, "bin")}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: tmp.path, NODE_PATH: "", LANG: "C" };
  }, 300_000);

  it("installs k8s-pki and nothing else", () => {
    expect(readdirSync(join(prefix, "bin"))).toEqual(["k8s-pki"]);
    const cli = join(prefix, "lib/node_modules/@k8s/cli");
    expect(existsSync(join(cli, "node_modules"))).toBe(false);
    expect(readdirSync(join(prefix, "lib/node_modules"))).toEqual(["@k8s"]);
    expect(readdirSync(join(prefix, "lib/node_modules/@k8s"))).toEqual(["cli"]);
  });

  it("version prints the package's version", async () => {
    const r = await k8sPki(["version"]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Version: ${VERSION.replaceAll(".", "\\.")} \\(cfssl \\d+\\.\\d+\\.\\d+ compatible\\)\\nRuntime: node v`));
  });

  it("gencert -initca | json -bare, then gencert -ca with the kubernetes profile", async () => {
    writeFileSync(join(work, "ca-csr.json"), JSON.stringify({ CN: "kubernetes", key: { algo: "ecdsa", size: 256 }, names: [{ O: "k8s" }] }));
    writeFileSync(join(work, "ca-config.json"), JSON.stringify({ signing: { default: { expiry: "8760h" }, profiles: { kubernetes: { usages: ["signing", "key encipherment", "server auth", "client auth"], expiry: "8760h" } } } }));
    writeFileSync(join(work, "etcd-csr.json"), JSON.stringify({ CN: "etcd", hosts: ["127.0.0.1", "etcd.local"], key: { algo: "ecdsa", size: 256 } }));
    const init = await k8sPki(["gencert", "-initca", "ca-csr.json"]);
    expect(init.code, show(init)).toBe(0);
    const bare = await k8sPki(["json", "-bare", "ca"], init.stdout);
    expect(bare.code, show(bare)).toBe(0);
    const ca = new X509Certificate(readFileSync(join(work, "ca.pem")));
    expect(ca.ca).toBe(true);
    const leaf = await k8sPki(["gencert", "-ca=ca.pem", "-ca-key=ca-key.pem", "-config=ca-config.json", "-profile=kubernetes", "etcd-csr.json"]);
    expect(leaf.code, show(leaf)).toBe(0);
    const cert = new X509Certificate((JSON.parse(leaf.stdout) as { cert: string }).cert);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName?.split(", ").sort()).toEqual(["DNS:etcd.local", "IP Address:127.0.0.1"]);
  });

  it("token generate", async () => {
    const r = await k8sPki(["token", "generate"]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}\n$/);
  });

  it("rbac print and deploy plan (js-yaml and the deployer from the bundle)", async () => {
    const rbac = await k8sPki(["rbac", "print"]);
    expect(rbac.code, show(rbac)).toBe(0);
    expect(rbac.stdout).toContain("name: kubelet-bootstrap");
    const plan = await k8sPki(["deploy", "plan"]);
    expect(plan.code, show(plan)).toBe(0);
    expect(plan.stdout).toContain("192.168.95.11");
  });

  it("a bad flag is a usage error, not a stack trace", async () => {
    const r = await k8sPki(["gencert", "-no-such-flag"]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("reads a node's certificates over SSH (ssh2 and its pure-JS fallbacks from the bundle) against a real sshd", async () => {
    await expectCertsCheckOverSsh({
      k8sPki,
      dir: tmp.path,
      work,
      suffix: "-packaging",
      stderrMustNotMatch: /could not be read|node-unreachable|Cannot find (module|package)/,
    });
  });

  it("imports as a library: import { run } from \"@k8s/cli\"", async () => {
    const probe = join(prefix, "lib", "probe.mjs");
    writeFileSync(probe, 'import { run } from "@k8s/cli";\nprocess.exitCode = await run(["token", "generate"]);\n');
    const r = await exec(process.execPath, [probe], { cwd: work, env });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}\n$/);
  });
});

describe("the library tarballs installed without hoisting (npm --install-strategy=nested)", () => {
  it("each imports and works using only what it declares", async () => {
    const project = join(tmp.path, "lib-user");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "lib-user", private: true, type: "module" }));
    // --prefer-offline: the third-party packages come from the npm cache that `npm ci` filled (the registry only for what it lacks).
    const r = await exec(
      "npm",
      ["i", "--install-strategy=nested", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", "--no-update-notifier", tarball("pki"), tarball("bootstrap"), tarball("deploy")],
      { cwd: project, timeout: 280_000 },
    );
    expect(r.code, show(r)).toBe(0);
    // Nested: the third-party packages sit under the package that declares them, none at the top.
    expect(readdirSync(join(project, "node_modules")).filter((n) => !n.startsWith(".")).sort()).toEqual(["@k8s"]);
    const script = [
      'import { parseCsrJson, initCa, parseCertificatePem, isCaCertificate } from "@k8s/pki";',
      'import { generateToken, renderRbacYaml, csrRbacObjects } from "@k8s/bootstrap";',
      'import { buildPlan, defaultInventory, renderPlanText } from "@k8s/deploy";',
      'const ca = await initCa(parseCsrJson({ CN: "lib-ca", key: { algo: "ecdsa", size: 256 } }));',
      "const token = generateToken();",
      "const plan = buildPlan(defaultInventory());",
      "console.log(JSON.stringify({ ca: isCaCertificate(parseCertificatePem(ca.cert)), token: /^[a-z0-9]{6}\\.\\*+$/.test(String(token)), rbac: renderRbacYaml(csrRbacObjects()).includes('kubelet-bootstrap'), plan: renderPlanText(plan).length > 100 }));",
    ].join("\n");
    writeFileSync(join(project, "use.mjs"), script);
    const use = await exec(process.execPath, ["use.mjs"], { cwd: project });
    expect(use.code, show(use)).toBe(0);
    expect(JSON.parse(use.stdout)).toEqual({ ca: true, token: true, rbac: true, plan: true });
    // What a package loads lazily (ssh2, client-node) resolves from the package's own folder as its code resolves it.
    for (const p of ["pki", "bootstrap", "deploy"]) {
      const dir = join(project, "node_modules/@k8s", p);
      const deps = Object.keys((JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> }).dependencies ?? {});
      const modules = deps.filter((d) => !d.startsWith("@types/"));
      writeFileSync(join(dir, "probe.mjs"), modules.map((d) => `await import(${JSON.stringify(d)});`).join("\n") + '\nconsole.log("ok");\n');
      const probe = await exec(process.execPath, [join(dir, "probe.mjs")], { cwd: project });
      expect(probe.code, `${p}: ${show(probe)}`).toBe(0);
    }
  }, 300_000);
});
