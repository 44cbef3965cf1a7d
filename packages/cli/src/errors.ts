// Turns errors into what a cfssl user sees: coded errors as cfssl's JSON, plain
// ones as their message, and an exit code. The only place exit codes are decided.
// No static import of the libraries here: `k8s-pki version` must not load them.
import { FlagError } from "./go-flags.js";

/** Ends a command with an exit code, having printed what it had to. */
export class ExitError extends Error {
  override readonly name = "ExitError";
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

interface CodedError extends Error {
  cfsslCode: number;
  toJSON(): { code: number; message: string };
}

const isPki = (e: unknown): e is CodedError => e instanceof Error && e.name === "PkiError" && typeof (e as CodedError).cfsslCode === "number";

/** Go's json.Marshal escaping of HTML characters, so error JSON matches cfssl's bytes. */
const goJson = (v: unknown): string =>
  JSON.stringify(v).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");

/** The message cfssl would print for an error (its Error() string). */
export function describeError(e: unknown): string {
  if (isPki(e)) return e.cfsslCode !== 0 ? goJson(e.toJSON()) : e.message;
  if (e instanceof Error && e.name === "BootstrapError") return `error: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Exit code for an error: 2 for command-line misuse (as Go's flag package), 1 otherwise. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof ExitError) return e.exitCode;
  if (e instanceof FlagError) return e.help ? 0 : 2;
  return 1;
}
