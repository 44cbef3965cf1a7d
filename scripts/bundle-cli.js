// Bundles the CLI into a few ESM chunks (packages/cli/dist/bundle) so a
// command loads a handful of files instead of ~60 modules: measured on the
// development machine, `k8s-pki gencert` start-up overhead went from about
// 55 ms to 38 ms over bare Node. Heavy dependencies stay external and lazy.
// Then the single-file packages/cli/dist/k8s-pki for masters
// (scripts/bundle-standalone.js; about 1 s more).
import { build } from "esbuild";
import { existsSync, renameSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bundleStandalone } from "./bundle-standalone.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const outdir = `${root}packages/cli/dist/bundle`;
// A fresh folder each time, swapped in whole: chunk names carry content hashes, so
// building over the old folder would keep every earlier chunk forever.
rmSync(`${outdir}.next`, { recursive: true, force: true });
await build({
  entryPoints: [`${root}packages/cli/dist/main.js`],
  outdir: `${outdir}.next`,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["@kubernetes/client-node", "commander", "js-yaml", "ssh2"],
  logLevel: "warning",
});
rmSync(`${outdir}.old`, { recursive: true, force: true });
if (existsSync(outdir)) renameSync(outdir, `${outdir}.old`);
renameSync(`${outdir}.next`, outdir);
rmSync(`${outdir}.old`, { recursive: true, force: true });
await bundleStandalone();
