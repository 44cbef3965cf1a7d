// Where the programs the compatibility tests compare live: the real cfssl and
// cfssljson (built by scripts/fixtures.sh at the version pinned in
// scripts/versions.env), Debian's older cfssl 1.2.0, and our own built CLI.
// A missing program is an error with the command that fixes it, never a skip:
// a suite that silently skipped its reference would prove nothing.
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** CFSSL_VERSION from scripts/versions.env (the file fixtures.sh sources). */
export function cfsslVersion(): string {
  const text = readFileSync(join(repoRoot, "scripts", "versions.env"), "utf8");
  const m = /^CFSSL_VERSION=["']?([^"'\s]+)/m.exec(text);
  if (!m?.[1]) throw new Error("CFSSL_VERSION is not set in scripts/versions.env");
  return m[1];
}

/** The binary cache folder, resolved as scripts/fixtures.sh resolves it. */
export function binCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.K8S_PKI_BIN_CACHE) return env.K8S_PKI_BIN_CACHE;
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache"), "k8s-pki", "bin");
}

function requireExecutable(path: string, fix: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing or not executable. ${fix}`);
  }
  return path;
}

const FIXTURES_FIX = "Build the reference cfssl with `scripts/fixtures.sh cfssl` (or `npm run fixtures`); set K8S_PKI_BIN_CACHE if it was built into another cache folder.";

/** The real cfssl (v1.6.5). */
export const cfsslBin = (): string => requireExecutable(join(binCache(), `cfssl-${cfsslVersion()}`, "cfssl"), FIXTURES_FIX);
/** The real cfssljson (v1.6.5). */
export const cfssljsonBin = (): string => requireExecutable(join(binCache(), `cfssl-${cfsslVersion()}`, "cfssljson"), FIXTURES_FIX);

const DEBIAN_FIX = "Install Debian's cfssl 1.2.0 with `apt-get install -y golang-cfssl`.";
/** Debian's cfssl 1.2.0: an older, different peer, used only for interoperability checks. */
export const debianCfsslBin = (): string => requireExecutable("/usr/bin/cfssl", DEBIAN_FIX);
export const debianCfssljsonBin = (): string => requireExecutable("/usr/bin/cfssljson", DEBIAN_FIX);

const cliDist = join(repoRoot, "packages", "cli", "dist", "main.js");
const cliBin = join(repoRoot, "packages", "cli", "bin", "k8s-pki.js");

let checked = false;

/**
 * The command line that runs the BUILT k8s-pki (`node packages/cli/bin/k8s-pki.js`).
 * Throws when packages/cli/dist is missing: the test command builds first
 * (`npm run build && vitest run`), and so must anyone running vitest alone.
 */
export function k8sPkiCommand(): [string, string] {
  if (!checked) {
    if (!existsSync(cliDist)) throw new Error(`${cliDist} does not exist: run \`npm run build\` before the tests.`);
    checked = true;
  }
  return [process.execPath, cliBin];
}
