// The k8s-pki version and the cfssl release it is compatible with. The version
// is set in one place, packages/cli/package.json: read from it here (sources
// and tsc output sit one folder below it); the bundles, which have no
// package.json beside them, get its text inlined at build time
// (scripts/bundle-common.js rewrites the readFileSync call).
import { readFileSync } from "node:fs";

const PACKAGE_JSON = new URL("../package.json", import.meta.url);
export const VERSION: string = (JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { version: string }).version;
export const CFSSL_COMPAT = "1.6.5";
