// k8s-pki version: cfssl's two-line format.
import type { CliIo } from "../io.js";
import { CFSSL_COMPAT, VERSION } from "../version.js";

export function version(io: CliIo): void {
  io.stdout(`Version: ${VERSION} (cfssl ${CFSSL_COMPAT} compatible)\nRuntime: node ${process.version}\n`);
}
