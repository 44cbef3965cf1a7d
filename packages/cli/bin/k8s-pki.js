#!/usr/bin/env node
// k8s-pki launcher: compile cache where Node has it, then the bundled CLI
// (plain tsc output if the bundle was not built). Both imports are literal
// strings so that tools reading the published files see what it loads.
import module from "node:module";
import { existsSync } from "node:fs";
if (typeof module.enableCompileCache === "function") module.enableCompileCache();
const { run } = existsSync(new URL("../dist/bundle/main.js", import.meta.url)) ? await import("../dist/bundle/main.js") : await import("../dist/main.js");
process.exitCode = await run(process.argv.slice(2));
