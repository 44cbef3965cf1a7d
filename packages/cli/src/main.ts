// k8s-pki entry: dispatches to commands, loading only what each one needs,
// and is the single place where errors become messages and exit codes.
import { parseGoFlags, FlagError } from "./go-flags.js";
import { describeError, exitCodeFor } from "./errors.js";
import { processIo, type CliIo } from "./io.js";
import type { CfsslContext } from "./cfssl-context.js";
import { CFSSL_COMMANDS, cfsslUsage } from "./cfssl-commands.js";
import { CFSSL_FLAGS } from "./cfssl-flags.js";
import { notDefinedMessage } from "./did-you-mean.js";
import { TOP_COMMANDS, USAGE } from "./usage.js";

/** Commands of the commander program (program.ts); everything else is dispatched here. */
const COMMANDER_COMMANDS = new Set(["token", "rbac", "approver", "deploy", "certs", "completion"]);
const HELP_FLAGS = new Set(["-h", "--help", "-help", "help"]);

async function runCfssl(io: CliIo, name: string, argv: string[]): Promise<void> {
  const cmd = CFSSL_COMMANDS[name]!;
  let parsed;
  try {
    parsed = parseGoFlags(CFSSL_FLAGS, argv);
  } catch (e) {
    if (e instanceof FlagError) {
      if (!e.help) io.stderr(`${e.message}\n`);
      io.stderr(cfsslUsage(name));
    }
    throw e;
  }
  const ctx: CfsslContext = { io, flags: parsed.values, args: parsed.rest };
  const configFile = String(parsed.values.config ?? "");
  if (configFile !== "") {
    const { loadConfigFile } = await import("./load-config.js");
    ctx.config = await loadConfigFile(io, configFile);
  }
  await (await cmd.load())(ctx);
}

/** An unknown top-level command: cfssl's message with the nearest command; exit 1. */
function unknownCommand(io: CliIo, words: readonly string[]): number {
  io.stderr(notDefinedMessage(words, words.length === 1 ? TOP_COMMANDS : []));
  return 1;
}

/** `k8s-pki help [command...]`: the help of a command on standard output, exit 0; the top-level help without one. */
async function help(io: CliIo, words: string[]): Promise<number> {
  const [name] = words;
  if (name === undefined || HELP_FLAGS.has(name)) {
    io.stdout(USAGE);
    return 0;
  }
  if (COMMANDER_COMMANDS.has(name)) return (await import("./program.js")).printCommanderHelp(io, words);
  let text: string;
  if (Object.hasOwn(CFSSL_COMMANDS, name)) text = cfsslUsage(name);
  else if (name === "json" || name === "cfssljson") text = (await import("./commands/json.js")).jsonUsage();
  else if (name === "demo") text = (await import("./commands/demo.js")).DEMO_USAGE;
  else return unknownCommand(io, [name]);
  // These commands have no subcommands: `help gencert x` names something that does not exist.
  if (words.length > 1) return unknownCommand(io, words);
  io.stdout(text);
  return 0;
}

async function dispatch(io: CliIo, argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr("No command is given.\n" + USAGE);
    return 1;
  }
  if (name === "-h" || name === "--help" || name === "-help") {
    io.stdout(USAGE);
    return 0;
  }
  if (name === "help") return help(io, rest);
  if (Object.hasOwn(CFSSL_COMMANDS, name)) await runCfssl(io, name, rest);
  else if (name === "json" || name === "cfssljson") await (await import("./commands/json.js")).json(io, rest);
  else if (name === "-version" || name === "--version") (await import("./commands/version.js")).version(io);
  else if (name === "demo") await (await import("./commands/demo.js")).demo(io, rest);
  else if (COMMANDER_COMMANDS.has(name)) await (await import("./program.js")).runCommander(io, argv);
  else return unknownCommand(io, [name]);
  return 0;
}

/** Runs one invocation; resolves to the exit code. Never throws. */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await dispatch(io, argv);
  } catch (e) {
    const code = exitCodeFor(e);
    if (!(e instanceof FlagError)) {
      const { ExitError } = await import("./errors.js");
      if (!(e instanceof ExitError)) io.stderr(describeError(e) + "\n");
    }
    return code;
  }
}
