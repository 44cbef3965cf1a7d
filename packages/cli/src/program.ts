// The commander program for k8s-pki's non-cfssl commands (token, rbac); loaded
// only when one of them runs, so cfssl-style commands start fast.
import { Command, CommanderError } from "commander";
import type { CliIo } from "./io.js";
import { ExitError } from "./errors.js";

export async function runCommander(io: CliIo, argv: string[]): Promise<void> {
  const program = new Command("k8s-pki")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError(false);
  const [{ registerToken }, { registerRbac }, { registerApprover }, { registerDeploy }] = await Promise.all([
    import("./commands/token.js"),
    import("./commands/rbac.js"),
    import("./commands/approver.js"),
    import("./commands/deploy.js"),
  ]);
  const { registerCerts } = await import("./commands/certs.js");
  registerCerts(program, io);
  registerToken(program, io);
  registerRbac(program, io);
  registerApprover(program, io);
  registerDeploy(program, io);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) throw new ExitError(e.exitCode === 0 ? 0 : 2);
    throw e;
  }
}
