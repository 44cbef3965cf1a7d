// Loads `-config` the way cfssl's cli.Start does, with its failure message.
import { parseSigningConfig, PkiError, type SigningConfig } from "@k8s/pki";
import { describeError, ExitError } from "./errors.js";
import { readPlain, type CliIo } from "./io.js";

export async function loadConfigFile(io: CliIo, path: string): Promise<SigningConfig> {
  try {
    let data: Buffer;
    try {
      data = await readPlain(io, path);
    } catch (e) {
      throw new PkiError("policy-invalid", "could not read configuration file", { field: "config", cause: e });
    }
    return parseSigningConfig(data);
  } catch (e) {
    // cfssl prints this without a newline; we end the line.
    io.stderr(`Failed to load config file: ${describeError(e)}\n`);
    throw new ExitError(1);
  }
}
