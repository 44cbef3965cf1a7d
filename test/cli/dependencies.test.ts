// Every package declares what it imports. A package that imports a module
// its package.json does not list works in the monorepo (npm hoists everything
// to the root node_modules) and breaks for users whose package manager does
// not hoist (pnpm with hoist=false, npm --install-strategy=nested): the CLI
// bundle once imported js-yaml, @kubernetes/client-node and ssh2 without
// declaring them, and every command but `version` failed there.
//
// Two scans per package: its TypeScript sources (every import is a declared
// dependency, or for the CLI, whose bundle inlines them, a devDependency), and
// the files `npm pack` would publish (every import in shipped JavaScript and
// declarations is a runtime dependency; the CLI bundle imports only Node).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../harness/binaries.js";
import { withTempDir } from "../harness/fixtures.js";

const PACKAGES = ["pki", "bootstrap", "deploy", "cli"] as const;
const BUILTINS = new Set(builtinModules);

// Optional native addons that ssh2 and ws require inside try/catch, with pure-JS
// fallbacks; the bundles leave them out on purpose (scripts/bundle-common.js).
const OPTIONAL_NATIVE = new Set(["cpu-features", "bufferutil", "utf-8-validate", "encoding"]);

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/** "js-yaml/dist/x" -> "js-yaml", "@scope/name/sub" -> "@scope/name"; undefined for relative paths and Node built-ins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:") || specifier.startsWith("#")) return undefined;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  return BUILTINS.has(name) ? undefined : name;
}

/**
 * The module specifiers a file imports: static imports and re-exports, import(),
 * require() and `import("x")` types (TypeScript's own pre-processor, so strings
 * and comments are not mistaken for imports), plus import(NAME) where NAME is a
 * string constant of the same file, which bundlers and the pre-processor skip.
 */
export function importsOf(text: string, fileName: string): { specifiers: string[]; unresolved: string[] } {
  const info = ts.preProcessFile(text, true, true);
  const specifiers = info.importedFiles.map((f) => f.fileName);
  const unresolved: string[] = [];
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const constants = new Map<string, string>();
  const calls: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && ts.isStringLiteralLike(n.initializer)) constants.set(n.name.text, n.initializer.text);
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && !ts.isStringLiteralLike(n.arguments[0])) calls.push(n);
    ts.forEachChild(n, visit);
  };
  visit(source);
  for (const c of calls) {
    const arg = c.arguments[0]!;
    const value = ts.isIdentifier(arg) ? constants.get(arg.text) : undefined;
    if (value === undefined) unresolved.push(arg.getText(source));
    else specifiers.push(value);
  }
  return { specifiers, unresolved };
}

/** Third-party packages imported by the given files, each with the first file that imports it. */
function importedPackages(files: { path: string; text: string }[]): { used: Map<string, string>; unresolved: string[] } {
  const used = new Map<string, string>();
  const unresolved: string[] = [];
  for (const f of files) {
    const r = importsOf(f.text, f.path);
    unresolved.push(...r.unresolved.map((u) => `${f.path}: import(${u})`));
    for (const s of r.specifiers) {
      const name = packageOf(s);
      if (name !== undefined && !used.has(name)) used.set(name, f.path);
    }
  }
  return { used, unresolved };
}

function walk(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, keep));
    else if (keep(e.name)) out.push(p);
  }
  return out;
}

/** A declared dependency satisfies an import of `name`, or of `name`'s types through @types. */
const declares = (deps: Record<string, string>, name: string): boolean => name in deps;
const typesPackage = (name: string): string => `@types/${name.startsWith("@") ? name.slice(1).replace("/", "__") : name}`;

/** The files `npm pack` would put in the package's tarball. */
function packedFiles(pkgDir: string): string[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: pkgDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const [report] = JSON.parse(out) as { files: { path: string }[] }[];
  return report!.files.map((f) => f.path);
}

/** Problems of one package folder: imports in sources and in published files that its package.json does not declare. */
export function dependencyProblems(pkgDir: string, opts: { bundlesDependencies?: boolean } = {}): string[] {
  const m = manifest(pkgDir);
  const runtime = { ...m.dependencies, ...m.peerDependencies };
  const problems: string[] = [];

  const sources = walk(join(pkgDir, "src"), (n) => n.endsWith(".ts")).map((path) => ({ path, text: readFileSync(path, "utf8") }));
  const src = importedPackages(sources);
  problems.push(...src.unresolved.map((u) => `${u}: a dynamic import whose module cannot be read from the source`));
  const forSources = opts.bundlesDependencies === true ? { ...runtime, ...m.devDependencies } : runtime;
  for (const [name, file] of src.used) {
    if (!declares(forSources, name)) problems.push(`${m.name}: ${file} imports ${name}, which package.json does not declare`);
  }

  const shipped = packedFiles(pkgDir)
    .filter((f) => /\.(m?js|d\.ts)$/.test(f))
    .map((f) => ({ path: join(pkgDir, f), text: readFileSync(join(pkgDir, f), "utf8") }));
  const pub = importedPackages(shipped);
  problems.push(...pub.unresolved.map((u) => `${u}: a dynamic import in a published file whose module cannot be read`));
  for (const [name, file] of pub.used) {
    if (OPTIONAL_NATIVE.has(name)) continue;
    const isDeclaration = file.endsWith(".d.ts");
    if (declares(runtime, name) || (isDeclaration && declares(runtime, typesPackage(name)))) continue;
    problems.push(`${m.name}: published ${file} imports ${name}, which is not in dependencies`);
  }
  return problems;
}

describe("package dependencies", () => {
  it.each(PACKAGES)("%s declares every module its sources and its published files import", (p) => {
    const dir = join(repoRoot, "packages", p);
    expect(dependencyProblems(dir, { bundlesDependencies: p === "cli" })).toEqual([]);
  });

  it("the CLI's published files need no package at run time: its bundle holds the libraries and their dependencies", () => {
    const m = manifest(join(repoRoot, "packages/cli"));
    expect(m.dependencies ?? {}).toEqual({});
    const files = packedFiles(join(repoRoot, "packages/cli"));
    expect(files).toContain("dist/bundle/main.js");
    expect(files).toContain("dist/bundle/index.js");
    const bundle = files.filter((f) => f.endsWith(".js")).map((f) => ({ path: f, text: readFileSync(join(repoRoot, "packages/cli", f), "utf8") }));
    const { used, unresolved } = importedPackages(bundle);
    expect(unresolved).toEqual([]);
    expect([...used.keys()].filter((n) => !OPTIONAL_NATIVE.has(n))).toEqual([]);
  });

  it("a package declares a third-party dependency with the same range as every other package and the root", () => {
    const ranges = new Map<string, Set<string>>();
    for (const dir of [repoRoot, ...PACKAGES.map((p) => join(repoRoot, "packages", p))]) {
      const m = manifest(dir);
      for (const [name, range] of Object.entries({ ...m.dependencies, ...m.devDependencies, ...m.peerDependencies })) {
        if (name.startsWith("@k8s/")) continue;
        ranges.set(name, new Set([...(ranges.get(name) ?? []), range]));
      }
    }
    const mixed = [...ranges].filter(([, r]) => r.size > 1).map(([n, r]) => `${n}: ${[...r].join(" vs ")}`);
    expect(mixed).toEqual([]);
  });

  describe("the scan itself", () => {
    const tmp = withTempDir("k8s-pki-deps-scan-");

    /** A throwaway package with the given manifest fields and source and published files. */
    function fakePackage(name: string, fields: Partial<Manifest>, files: Record<string, string>): string {
      const dir = join(tmp.path, name);
      for (const [f, text] of Object.entries(files)) {
        mkdirSync(join(dir, f, ".."), { recursive: true });
        writeFileSync(join(dir, f), text);
      }
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", type: "module", files: ["dist"], ...fields }));
      return dir;
    }

    it("finds an undeclared import in sources and in published files, whatever form the import takes", () => {
      const dir = fakePackage(
        "undeclared",
        { dependencies: { "js-yaml": "^4" } },
        {
          "src/a.ts": 'import yaml from "js-yaml";\nimport { x } from "left-pad/sub";\n// import "in-a-comment";\nconst s = \'from "in-a-string"\';\n',
          "src/b.ts": 'const M = "ssh2";\nexport const load = () => import(M);\nexport type T = typeof import("@scope/typed");\n',
          "dist/a.js": 'import "js-yaml"; import fs from "fs"; import("node:path"); require("chalk");\n',
          "dist/a.d.ts": 'export type X = import("@scope/typed").T;\n',
        },
      );
      const problems = dependencyProblems(dir).join("\n");
      for (const name of ["left-pad", "ssh2", "@scope/typed", "chalk"]) expect(problems).toContain(`imports ${name},`);
      for (const name of ["js-yaml", "in-a-comment", "in-a-string", "fs", "node:path"]) expect(problems).not.toContain(`imports ${name},`);
    });

    it("refuses a dynamic import whose module it cannot read", () => {
      const dir = fakePackage("dynamic", {}, { "src/a.ts": "export const load = (m: string) => import(m);\n" });
      expect(dependencyProblems(dir).join("\n")).toMatch(/import\(m\): a dynamic import/);
    });

    it("accepts a package that declares everything (types through @types in dependencies)", () => {
      const dir = fakePackage(
        "clean",
        { dependencies: { ssh2: "^1", "@types/ssh2": "^1" } },
        { "src/a.ts": 'import type { Client } from "ssh2";\nexport type C = Client;\n', "dist/a.d.ts": 'import type { Client } from "ssh2";\n', "dist/a.js": "export {};\n" },
      );
      expect(dependencyProblems(dir)).toEqual([]);
    });
  });
});
