// Bundles the CLI and every dependency (@kubernetes/client-node, commander,
// js-yaml, ssh2, ...) into one executable file, packages/cli/dist/k8s-pki, that
// needs only Node 20: what `deploy apply` copies to <binDir>/k8s-pki on masters
// for k8s-pki-approver.service, and the release's standalone artefact
// (scripts/release.sh). Reads the tsc output (packages/*/dist), so run it
// after `tsc -b`; `npm run build` does (scripts/bundle-cli.js calls it).
//
// Beyond what scripts/bundle-common.js handles for both bundles: the deploy
// command finds "its own launcher" at ../../bin/k8s-pki.js from
// import.meta.url; in the single file the launcher is the file itself. The
// third-party license notices go at the end of the file as a comment, because
// this file is copied alone (to masters, out of a release) and they must
// travel with it.
import { build } from "esbuild";
import { chmod, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { COMMON_REWRITES, ESM_SHIMS, ESM_SHIM_DEFINES, NATIVE_EXTERNALS, cliDir, rewritePlugin, thirdPartyNotices } from "./bundle-common.js";

const cliDist = `${cliDir}/dist`;
export const STANDALONE = `${cliDist}/k8s-pki`;

const REWRITES = [
  ...COMMON_REWRITES,
  {
    file: /[/\\]packages[/\\]cli[/\\]dist[/\\]commands[/\\]deploy\.js$/,
    from: 'new URL("../../bin/k8s-pki.js", import.meta.url)',
    to: "import.meta.url",
    why: "local mode's own launcher is the standalone file itself",
  },
];

const ENTRY = `
import { run } from "./dist/main.js";
process.exitCode = await run(process.argv.slice(2));
`;

const BANNER = [
  "#!/usr/bin/env node",
  "// k8s-pki, standalone: the CLI and its dependencies in one file (scripts/bundle-standalone.js). Needs Node >= 20.19.",
  "// Licensed under Apache-2.0; the third-party notices are at the end of this file.",
  ESM_SHIMS,
].join("\n");

export async function bundleStandalone() {
  await mkdir(cliDist, { recursive: true });
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: cliDir, sourcefile: "standalone-entry.js", loader: "js" },
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: NATIVE_EXTERNALS,
    banner: { js: BANNER },
    define: ESM_SHIM_DEFINES,
    // The packages' own /*! @license */ comments, kept together at the end.
    legalComments: "eof",
    // Whitespace and syntax only: unminified (16.7 MB) starts about 150 ms
    // slower; mangled identifiers (4.3 MB) gain no measurable start-up time
    // and make stack traces unreadable. Short lines keep Node's print of the
    // source line of an uncaught error short.
    minifyWhitespace: true,
    minifySyntax: true,
    lineLimit: 400,
    plugins: [rewritePlugin(REWRITES)],
    logLevel: "warning",
  });
  const notices = await thirdPartyNotices(result.metafile);
  // A block comment cannot hold "*/"; no license text needs the exact pair.
  const footer = `\n/*\n${notices.text.replaceAll("*/", "* /")}*/\n`;
  // Write then rename, so a test or a copy never reads a half-written file.
  const tmp = `${STANDALONE}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, Buffer.concat([result.outputFiles[0].contents, Buffer.from(footer)]), { mode: 0o755 });
    await chmod(tmp, 0o755);
    await rename(tmp, STANDALONE);
  } finally {
    await rm(tmp, { force: true });
  }
  return notices;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleStandalone();
