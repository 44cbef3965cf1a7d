// The commander program for k8s-pki's non-cfssl commands (token, rbac,
// approver, deploy, certs, completion); loaded only when one of them runs, so
// cfssl-style commands start fast.
import { Command, CommanderError } from "commander";
import type { CliIo } from "./io.js";
import { ExitError } from "./errors.js";
import { notDefinedMessage } from "./did-you-mean.js";

/** Every commander command with its options: what runs, what `-h` prints and what the shell completion offers. */
export async function buildProgram(io: CliIo): Promise<Command> {
  const program = new Command("k8s-pki")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError(false)
    .showSuggestionAfterError(true);
  const [{ registerToken }, { registerRbac }, { registerApprover }, { registerDeploy }, { registerCerts }, { registerCompletion }] = await Promise.all([
    import("./commands/token.js"),
    import("./commands/rbac.js"),
    import("./commands/approver.js"),
    import("./commands/deploy.js"),
    import("./commands/certs.js"),
    import("./commands/completion.js"),
  ]);
  registerCerts(program, io);
  registerToken(program, io);
  registerRbac(program, io);
  registerApprover(program, io);
  registerDeploy(program, io);
  registerCompletion(program, io);
  return program;
}

export async function runCommander(io: CliIo, argv: string[]): Promise<void> {
  const program = await buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) throw new ExitError(e.exitCode === 0 ? 0 : 2);
    throw e;
  }
}

/** `k8s-pki help token create`: that command's help on standard output, exit 0; an unknown word gets the nearest subcommand, exit 1. */
export async function printCommanderHelp(io: CliIo, words: readonly string[]): Promise<number> {
  let cmd = await buildProgram(io);
  for (const [i, w] of words.entries()) {
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (!sub) {
      io.stderr(notDefinedMessage(words.slice(0, i + 1), cmd.commands.map((c) => c.name())));
      return 1;
    }
    cmd = sub;
  }
  cmd.outputHelp();
  return 0;
}
