// Turns errors into what a cfssl user sees: coded errors as cfssl's JSON, plain
// ones as their message, and an exit code. The only place exit codes are decided.
import { isPkiError, goJsonStringify } from "@k8s/pki";
import type { BootstrapError } from "@k8s/bootstrap";
import { FlagError } from "./go-flags.js";

/** Ends a command with an exit code, having printed what it had to. */
export class ExitError extends Error {
  override readonly name = "ExitError";
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** The message cfssl would print for an error (its Error() string). */
export function describeError(e: unknown): string {
  if (isPkiError(e)) return e.cfsslCode !== 0 ? goJsonStringify(e.toJSON()) : e.message;
  if (e instanceof Error && e.name === "BootstrapError") return `error: ${(e as BootstrapError).message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Exit code for an error: 2 for command-line misuse (as Go's flag package), 1 otherwise. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof ExitError) return e.exitCode;
  if (e instanceof FlagError) return e.help ? 0 : 2;
  return 1;
}
