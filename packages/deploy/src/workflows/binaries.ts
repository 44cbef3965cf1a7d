// Local mode's binary lookup: the program a unit runs comes from the first of
// the given folders that holds it as an executable, as a shell's PATH would.
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { DeployError } from "../errors.js";

/** The approver unit's program: this very tool, unless a folder holds its own copy. */
export const SELF_BINARY = "k8s-pki";

/**
 * A `binaryFor(name)` over `dirs`. `selfBinary` (the running k8s-pki's
 * launcher) stands in for {@link SELF_BINARY} when no folder holds one, so a
 * local cluster runs its approver from the tool that deployed it. A binary in
 * no folder throws DeployError("binary-missing") naming it and the folders.
 */
export function localBinaryFinder(dirs: readonly string[], selfBinary?: string): (name: string) => string {
  return (name) => {
    if (name !== SELF_BINARY || selfBinary === undefined) return findBinary(dirs, name);
    try {
      return findBinary(dirs, name);
    } catch {
      accessSync(selfBinary, constants.X_OK);
      return selfBinary;
    }
  };
}

/** The first `<dir>/<name>` that is executable. */
export function findBinary(dirs: readonly string[], name: string): string {
  for (const d of dirs) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next folder
    }
  }
  throw new DeployError("binary-missing", `${name} is not in ${dirs.join(", ")}`, { field: name });
}
