#!/usr/bin/env node
// k8s-pki launcher: compile cache where Node has it, then the CLI.
import module from "node:module";
if (typeof module.enableCompileCache === "function") module.enableCompileCache();
const { run } = await import("../dist/main.js");
process.exitCode = await run(process.argv.slice(2));
