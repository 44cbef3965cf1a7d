// BootstrapError: the one error type of @k8s/bootstrap.

export type BootstrapErrorCode =
  | "token-invalid"
  | "token-id-invalid"
  | "group-invalid"
  | "usage-invalid"
  | "ttl-invalid"
  | "secret-invalid"
  | "token-not-found"
  | "ca-invalid"
  | "server-invalid"
  | "kubeconfig-invalid"
  | "api-unreachable"
  | "api-error"
  | "forbidden";

export class BootstrapError extends Error {
  override readonly name = "BootstrapError";
  readonly code: BootstrapErrorCode;
  /** The flag, field or object the error is about. */
  readonly field: string | undefined;

  constructor(code: BootstrapErrorCode, message: string, options: { cause?: unknown; field?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
  }
}

export const isBootstrapError = (e: unknown): e is BootstrapError => e instanceof BootstrapError;
