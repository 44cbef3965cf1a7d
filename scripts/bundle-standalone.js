// Bundles the CLI and every dependency (@kubernetes/client-node, commander,
// js-yaml, ssh2, ...) into one executable file, packages/cli/dist/k8s-pki, that
// needs only Node 20: what `deploy apply` copies to <binDir>/k8s-pki on masters
// for k8s-pki-approver.service. Reads the tsc output (packages/*/dist), so run
// it after `tsc -b`; `npm run build` does (scripts/bundle-cli.js calls it).
//
// What bundling has to work around:
// * ssh2's native addons (cpu-features, sshcrypto.node) are required inside
//   try/catch and ssh2 falls back to pure JS: they stay external and are absent.
//   Likewise ws's bufferutil / utf-8-validate and node-fetch's encoding.
// * CommonJS dependencies (ssh2, node-fetch, ws, ...) call require() for Node
//   built-ins; in an ESM bundle esbuild's require shim would throw, so the
//   banner defines a real require with createRequire.
// * __dirname / __filename do not exist in ESM; ssh2's poly1305 (emscripten,
//   loaded as ssh2 loads, before its first handshake) reads __dirname, which
//   would reject ssh2's crypto init and crash `deploy apply` over SSH. They are
//   defined to the bundle file's own folder and path.
// * @k8s/deploy imports ssh2 through a specifier in a variable so the normal
//   CLI bundle keeps it external; here it is rewritten to a literal import.
// * The deploy command finds "its own launcher" at ../../bin/k8s-pki.js from
//   import.meta.url; in the single file the launcher is the file itself.
import { build } from "esbuild";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const cliDist = `${root}packages/cli/dist`;
export const STANDALONE = `${cliDist}/k8s-pki`;

/** Source rewrites for bundling; each must match exactly once, or the build fails loudly. */
const REWRITES = [
  {
    file: /[/\\]packages[/\\]deploy[/\\]dist[/\\]transport[/\\]ssh\.js$/,
    from: "import(SSH2_MODULE)",
    to: 'import("ssh2")',
    why: "bundle ssh2 instead of loading it from node_modules",
  },
  {
    file: /[/\\]packages[/\\]cli[/\\]dist[/\\]commands[/\\]deploy\.js$/,
    from: 'new URL("../../bin/k8s-pki.js", import.meta.url)',
    to: "import.meta.url",
    why: "local mode's own launcher is the standalone file itself",
  },
];

const rewritePlugin = {
  name: "standalone-rewrites",
  setup(b) {
    const seen = new Set();
    b.onLoad({ filter: /[/\\]packages[/\\](deploy|cli)[/\\]dist[/\\].*\.js$/ }, async (args) => {
      const rules = REWRITES.filter((r) => r.file.test(args.path));
      if (rules.length === 0) return undefined;
      let text = await readFile(args.path, "utf8");
      for (const r of rules) {
        const n = text.split(r.from).length - 1;
        if (n !== 1) throw new Error(`${args.path}: expected "${r.from}" once (to ${r.why}), found it ${n} times; update scripts/bundle-standalone.js`);
        text = text.replace(r.from, r.to);
        seen.add(r);
      }
      return { contents: text, loader: "js" };
    });
    b.onEnd((result) => {
      if (result.errors.length > 0) return;
      const missed = REWRITES.filter((r) => !seen.has(r));
      if (missed.length > 0) return { errors: missed.map((r) => ({ text: `no file matched ${r.file} (to ${r.why}); update scripts/bundle-standalone.js` })) };
    });
  },
};

const ENTRY = `
import { run } from "./dist/main.js";
process.exitCode = await run(process.argv.slice(2));
`;

const BANNER = [
  "#!/usr/bin/env node",
  "// k8s-pki, standalone: the CLI and its dependencies in one file (scripts/bundle-standalone.js). Needs Node >= 20.19.",
  'import { createRequire as __k8sPkiCreateRequire } from "node:module";',
  'import { dirname as __k8sPkiDirnameOf } from "node:path";',
  'import { fileURLToPath as __k8sPkiFileURLToPath } from "node:url";',
  "const require = __k8sPkiCreateRequire(import.meta.url);",
  "const __k8sPkiFilename = __k8sPkiFileURLToPath(import.meta.url);",
  "const __k8sPkiDirname = __k8sPkiDirnameOf(__k8sPkiFilename);",
].join("\n");

export async function bundleStandalone() {
  await mkdir(cliDist, { recursive: true });
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: `${root}packages/cli`, sourcefile: "standalone-entry.js", loader: "js" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    // Native addons, loaded in try/catch with pure-JS fallbacks.
    external: ["cpu-features", "*.node", "bufferutil", "utf-8-validate", "encoding"],
    banner: { js: BANNER },
    define: { __dirname: "__k8sPkiDirname", __filename: "__k8sPkiFilename" },
    legalComments: "none",
    // Whitespace and syntax only: unminified (16.7 MB) starts about 150 ms
    // slower; mangled identifiers (4.3 MB) gain no measurable start-up time
    // and make stack traces unreadable. Short lines keep Node's print of the
    // source line of an uncaught error short.
    minifyWhitespace: true,
    minifySyntax: true,
    lineLimit: 400,
    plugins: [rewritePlugin],
    logLevel: "warning",
  });
  // Write then rename, so a test or a copy never reads a half-written file.
  const tmp = `${STANDALONE}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, result.outputFiles[0].contents, { mode: 0o755 });
    await chmod(tmp, 0o755);
    await rename(tmp, STANDALONE);
  } finally {
    await rm(tmp, { force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleStandalone();
