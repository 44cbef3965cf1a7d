// DeployError: the one error type of @k8s/deploy.

export type DeployErrorCode =
  | "inventory-invalid"
  | "binary-missing"
  | "render-failed"
  | "transport-failed"
  | "node-unreachable"
  | "command-failed"
  | "verify-failed";

export class DeployError extends Error {
  override readonly name = "DeployError";
  readonly code: DeployErrorCode;
  /** The inventory field, node, file or stage the error is about. */
  readonly field: string | undefined;

  constructor(code: DeployErrorCode, message: string, options: { cause?: unknown; field?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
  }
}

export const isDeployError = (e: unknown): e is DeployError => e instanceof DeployError;
