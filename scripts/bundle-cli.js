// Bundles the CLI into a few ESM chunks (packages/cli/dist/bundle) so a
// command loads a handful of files instead of ~60 modules: measured on the
// development machine, `k8s-pki gencert` start-up overhead went from about
// 55 ms to 38 ms over bare Node. The bundle holds the libraries and every
// third-party package too, so the published @k8s/cli has no runtime
// dependencies: `npm i -g ./k8s-cli-<version>.tgz` works alone, offline, and
// under any package manager's layout (pnpm with hoist=false included).
// Code splitting keeps the heavy ones (@kubernetes/client-node, ssh2) in
// chunks that only the commands using them load.
// Then the single-file packages/cli/dist/k8s-pki for masters
// (scripts/bundle-standalone.js; about 1 s more).
import { build } from "esbuild";
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { COMMON_REWRITES, ESM_SHIMS, ESM_SHIM_DEFINES, NATIVE_EXTERNALS, cliDir, rewritePlugin, thirdPartyNotices } from "./bundle-common.js";
import { bundleStandalone } from "./bundle-standalone.js";

export const BUNDLE_DIR = `${cliDir}/dist/bundle`;

export async function bundleCli() {
  const outdir = BUNDLE_DIR;
  // A fresh folder each time, swapped in whole: chunk names carry content hashes, so
  // building over the old folder would keep every earlier chunk forever.
  rmSync(`${outdir}.next`, { recursive: true, force: true });
  const result = await build({
    // main.js for bin/k8s-pki.js, index.js for `import { run } from "@k8s/cli"`.
    entryPoints: [`${cliDir}/dist/main.js`, `${cliDir}/dist/index.js`],
    outdir: `${outdir}.next`,
    bundle: true,
    splitting: true,
    metafile: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: NATIVE_EXTERNALS,
    banner: { js: ESM_SHIMS },
    define: ESM_SHIM_DEFINES,
    legalComments: "eof",
    // As the standalone file: whitespace and syntax only, names kept for readable stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    lineLimit: 400,
    plugins: [rewritePlugin(COMMON_REWRITES)],
    logLevel: "warning",
  });
  const notices = await thirdPartyNotices(result.metafile);
  writeFileSync(`${outdir}.next/THIRD-PARTY-NOTICES.txt`, notices.text);
  rmSync(`${outdir}.old`, { recursive: true, force: true });
  if (existsSync(outdir)) renameSync(outdir, `${outdir}.old`);
  renameSync(`${outdir}.next`, outdir);
  rmSync(`${outdir}.old`, { recursive: true, force: true });
  return notices;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleCli();
  await bundleStandalone();
}
