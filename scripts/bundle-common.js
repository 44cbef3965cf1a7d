// What the two CLI bundles (scripts/bundle-cli.js: chunks for the npm package;
// scripts/bundle-standalone.js: one file for masters and releases) share: the
// esbuild settings that let CommonJS dependencies with optional native addons
// run from an ESM bundle, the exact-once source rewrites, and the notices of the
// third-party packages that end up inside.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../", import.meta.url));
export const cliDir = `${root}packages/cli`;

/** The CLI's version, from the one place it is set. */
export const cliVersion = JSON.parse(await readFile(`${cliDir}/package.json`, "utf8")).version;

// Native addons, loaded in try/catch with pure-JS fallbacks (ssh2's
// cpu-features and sshcrypto.node, ws's bufferutil / utf-8-validate,
// node-fetch's encoding): left out, so the fallbacks run.
export const NATIVE_EXTERNALS = ["cpu-features", "*.node", "bufferutil", "utf-8-validate", "encoding"];

// CommonJS dependencies call require() for Node built-ins; in an ESM bundle
// esbuild's require shim would throw, so a real require is made with
// createRequire. ssh2's poly1305 (emscripten) reads __dirname as ssh2 loads;
// both names are defined to the output file's own folder and path.
export const ESM_SHIMS = [
  'import { createRequire as __k8sPkiCreateRequire } from "node:module";',
  'import { dirname as __k8sPkiDirnameOf } from "node:path";',
  'import { fileURLToPath as __k8sPkiFileURLToPath } from "node:url";',
  "const require = __k8sPkiCreateRequire(import.meta.url);",
  "const __k8sPkiFilename = __k8sPkiFileURLToPath(import.meta.url);",
  "const __k8sPkiDirname = __k8sPkiDirnameOf(__k8sPkiFilename);",
].join("\n");
export const ESM_SHIM_DEFINES = { __dirname: "__k8sPkiDirname", __filename: "__k8sPkiFilename" };

/** Rewrites both bundles need. */
export const COMMON_REWRITES = [
  {
    file: /[/\\]packages[/\\]deploy[/\\]dist[/\\]transport[/\\]ssh\.js$/,
    from: "import(SSH2_MODULE)",
    to: 'import("ssh2")',
    why: "bundle ssh2 instead of loading it from node_modules",
  },
  {
    file: /[/\\]packages[/\\]cli[/\\]dist[/\\]version\.js$/,
    from: 'readFileSync(PACKAGE_JSON, "utf8")',
    to: JSON.stringify(JSON.stringify({ version: cliVersion })),
    why: "carry package.json's version into the bundle, which has no package.json beside it",
  },
];

/**
 * An esbuild plugin that applies source rewrites; each must match exactly
 * once, or the build fails loudly (a silent miss would ship a bundle that
 * loads ssh2 from a node_modules that is not there).
 */
export function rewritePlugin(rewrites) {
  return {
    name: "k8s-pki-rewrites",
    setup(b) {
      const seen = new Set();
      b.onLoad({ filter: /[/\\]packages[/\\](deploy|cli)[/\\]dist[/\\].*\.js$/ }, async (args) => {
        const rules = rewrites.filter((r) => r.file.test(args.path));
        if (rules.length === 0) return undefined;
        let text = await readFile(args.path, "utf8");
        for (const r of rules) {
          const n = text.split(r.from).length - 1;
          if (n !== 1) throw new Error(`${args.path}: expected "${r.from}" once (to ${r.why}), found it ${n} times; update scripts/bundle-common.js`);
          text = text.replace(r.from, r.to);
          seen.add(r);
        }
        return { contents: text, loader: "js" };
      });
      b.onEnd((result) => {
        if (result.errors.length > 0) return undefined;
        const missed = rewrites.filter((r) => !seen.has(r));
        if (missed.length > 0) return { errors: missed.map((r) => ({ text: `no file matched ${r.file} (to ${r.why}); update scripts/bundle-common.js` })) };
        return undefined;
      });
    },
  };
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\.|-|$)/i;

/** The package folder (…/node_modules/name or …/node_modules/@scope/name) of a bundled input, or undefined for our own code. */
function packageDirOf(input) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.replaceAll("\\", "/"));
  return m?.[1];
}

/**
 * The license notices of every third-party package whose code esbuild put in
 * the output (from the build's metafile): name, version, license and the
 * package's own LICENSE/NOTICE text. Most of these licenses (MIT, ISC, BSD,
 * Apache-2.0) require the notice to travel with copies of the code.
 */
export async function thirdPartyNotices(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const d = packageDirOf(input);
    if (d !== undefined) dirs.add(d);
  }
  const entries = [];
  for (const d of dirs) {
    const abs = d.startsWith("/") ? d : join(root, d);
    const pkg = JSON.parse(await readFile(join(abs, "package.json"), "utf8"));
    const texts = [];
    for (const f of (await readdir(abs)).filter((n) => LICENSE_FILE.test(n)).sort()) {
      texts.push((await readFile(join(abs, f), "utf8")).trim());
    }
    // Old manifests (ssh2's) still use the "licenses": [{ type }] form.
    const declared = pkg.license ?? pkg.licenses?.map((l) => l.type ?? l).join(" OR ");
    const license = typeof declared === "string" ? declared : (declared?.type ?? "UNKNOWN");
    entries.push({ name: pkg.name, version: pkg.version, license, text: texts.join("\n\n") });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const seen = new Set();
  const parts = [
    "THIRD-PARTY NOTICES",
    "",
    `k8s-pki ${cliVersion} (Apache-2.0) includes the following third-party packages, each under its own license.`,
  ];
  for (const e of entries) {
    const id = `${e.name}@${e.version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    parts.push("", "-".repeat(78), `${id} (${e.license})`, "-".repeat(78), "", e.text || `Licensed under ${e.license}; the package ships no license file.`);
  }
  return { packages: [...seen], text: `${parts.join("\n")}\n` };
}
