// @k8s/cli: the k8s-pki command line, importable for in-process use.
export { run } from "./main.js";
export { processIo, type CliIo } from "./io.js";
export { buildProgram } from "./program.js";
export { commandTree, bashCompletion, zshCompletion, type CompletionNode } from "./commands/completion.js";
export { USAGE, TOP_COMMANDS } from "./usage.js";
