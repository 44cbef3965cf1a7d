#!/usr/bin/env node
// k8s-pki launcher: compile cache where Node has it, then the bundled CLI
// (plain tsc output if the bundle was not built).
import module from "node:module";
import { existsSync } from "node:fs";
if (typeof module.enableCompileCache === "function") module.enableCompileCache();
const bundled = new URL("../dist/bundle/main.js", import.meta.url);
const { run } = await import(existsSync(bundled) ? bundled.href : "../dist/main.js");
process.exitCode = await run(process.argv.slice(2));
