// The curated surface of @k8s/deploy (issue #15): what the index exports at
// run time, and that every exported function, constructor and method takes and
// returns types a caller can name. An internal helper re-exported by accident
// becomes an API users start to depend on; a public function whose options type
// is not exported cannot be wrapped or typed by its callers. Both slip through
// every other test, so this one pins them.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as deploy from "@k8s/deploy";
import { repoRoot } from "../harness/binaries.js";

const SRC = join(repoRoot, "packages", "deploy", "src");

// The values of the index, sorted; types are checked below through the compiler.
const PUBLIC_VALUES = [
  "ANNOTATED_INVENTORY_YAML",
  "COMPONENTS",
  "DEFAULT_SMOKE_IMAGE",
  "DeployError",
  "LocalTransport",
  "ScriptServiceManager",
  "SshTransport",
  "StateStore",
  "SystemdServiceManager",
  "applyCluster",
  "applyNodes",
  "buildPlan",
  "caConfigJson",
  "certCsrJson",
  "checkCaRetirement",
  "checkClusterFiles",
  "clusterFilesTextfile",
  "defaultInventory",
  "diffState",
  "finishCaRotation",
  "formatApplyEvent",
  "formatSmokeCheck",
  "formatSmokeSummary",
  "formatStateDiff",
  "formatStoppedLocalUnit",
  "formatVerify",
  "isDeployError",
  "loadInventory",
  "loadKeptPki",
  "loadOrCreateState",
  "loadState",
  "localInventory",
  "parseInventory",
  "planDocument",
  "readRotation",
  "reissueCaRotation",
  "renderCluster",
  "renderPlanText",
  "renderToFolder",
  "renewBootstrapTokens",
  "runSmokeTest",
  "signingConfigJson",
  "startCaRotation",
  "stopLocalUnits",
  "validateInventory",
  "verifyCluster",
  "writeRendered",
];

/** Named types declared in the package that an exported function, constructor or public method takes or returns, but the index does not export. */
function unexportedSignatureTypes(indexFile: string): string[] {
  const program = ts.createProgram([indexFile], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const mod = checker.getSymbolAtLocation(program.getSourceFile(indexFile)!)!;
  const exported = new Set(checker.getExportsOfModule(mod).map((s) => s.name));
  const pkgDir = dirname(indexFile);
  const missing = new Set<string>();
  const seen = new Set<ts.Type>();
  const visit = (t: ts.Type, where: string): void => {
    if (seen.has(t)) return;
    seen.add(t);
    const sym = t.aliasSymbol ?? t.getSymbol();
    const decl = sym?.declarations?.[0];
    const ours = decl !== undefined && decl.getSourceFile().fileName.startsWith(pkgDir);
    if (ours && (ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl) || ts.isClassDeclaration(decl)) && !exported.has(sym!.name)) {
      missing.add(`${sym!.name} (${where})`);
    }
    for (const a of t.aliasTypeArguments ?? []) visit(a, where);
    if (t.isUnionOrIntersection()) for (const u of t.types) visit(u, where);
    if (t.flags & ts.TypeFlags.Object && (t as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
      for (const a of checker.getTypeArguments(t as ts.TypeReference)) visit(a, where);
    }
  };
  const signatures = (list: readonly ts.Signature[], where: string): void => {
    for (const sig of list) {
      for (const p of sig.getParameters()) visit(checker.getTypeOfSymbol(p), `${where}(${p.name})`);
      visit(sig.getReturnType(), `${where}() result`);
    }
  };
  for (const s of checker.getExportsOfModule(mod)) {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    if (!(target.flags & ts.SymbolFlags.Value)) continue;
    const type = checker.getTypeOfSymbol(target);
    signatures(type.getCallSignatures(), s.name);
    signatures(type.getConstructSignatures(), `new ${s.name}`);
    if (target.flags & ts.SymbolFlags.Class) {
      for (const m of checker.getDeclaredTypeOfSymbol(target).getProperties()) {
        const d = m.valueDeclaration;
        if (d && ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
        signatures(checker.getTypeOfSymbol(m).getCallSignatures(), `${s.name}.${m.name}`);
      }
    }
  }
  return [...missing].sort();
}

describe("@k8s/deploy public surface", () => {
  it("exports exactly the curated values", () => {
    expect(Object.keys(deploy).sort()).toEqual(PUBLIC_VALUES);
  });

  it("exports the types its functions, constructors and methods take and return", () => {
    expect(unexportedSignatureTypes(join(SRC, "index.ts"))).toEqual([]);
  }, 60_000);

  it("the CLI reaches the deploy library only through its index", () => {
    const files = readdirSync(join(repoRoot, "packages", "cli", "src"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const deep = files.filter((f) => /from\s+"(@k8s\/deploy\/|[./]+\/deploy\/src)/.test(readFileSync(join(repoRoot, "packages", "cli", "src", f), "utf8")));
    expect(deep).toEqual([]);
  });
});
