// PkiError: the one error type of @k8s/pki. It carries cfssl's numeric code
// (category * 1000 + reason, errors/error.go) so the CLI can print cfssl's
// {"code":N,"message":"..."} verbatim, and a string code for programs.

/** Machine-readable reason of a {@link PkiError}. */
export type PkiErrorCode =
  | "certificate-unknown"
  | "certificate-read-failed"
  | "certificate-decode-failed"
  | "certificate-parse-failed"
  | "certificate-verify-failed"
  | "certificate-bad-request"
  | "certificate-missing-serial"
  | "key-unknown"
  | "key-read-failed"
  | "key-decode-failed"
  | "key-parse-failed"
  | "key-encrypted"
  | "key-unsupported-algorithm"
  | "key-mismatch"
  | "key-generation-failed"
  | "key-unavailable"
  | "policy-unknown"
  | "policy-no-key-usages"
  | "policy-invalid"
  | "policy-violation"
  | "policy-unknown-profile"
  | "policy-whitelist-mismatch"
  | "csr-unknown"
  | "csr-read-failed"
  | "csr-decode-failed"
  | "csr-parse-failed"
  | "csr-bad-request"
  | "csr-generation-failed"
  | "csr-not-canonical"
  | "input-invalid"
  | "file-exists"
  | "io-failed";

/** cfssl's numeric code for each string code (errors/error.go). */
export const CFSSL_CODES: Readonly<Record<PkiErrorCode, number>> = {
  "certificate-unknown": 1000,
  "certificate-read-failed": 1001,
  "certificate-decode-failed": 1002,
  "certificate-parse-failed": 1003,
  "certificate-verify-failed": 1200,
  "certificate-bad-request": 1300,
  "certificate-missing-serial": 1400,
  "key-unknown": 2000,
  "key-read-failed": 2001,
  "key-decode-failed": 2002,
  "key-parse-failed": 2003,
  "key-encrypted": 2100,
  "key-unsupported-algorithm": 2200,
  "key-mismatch": 2300,
  "key-generation-failed": 2400,
  "key-unavailable": 2500,
  "policy-unknown": 5000,
  "policy-no-key-usages": 5100,
  "policy-invalid": 5200,
  "policy-violation": 5300,
  "policy-unknown-profile": 5400,
  "policy-whitelist-mismatch": 5500,
  "csr-unknown": 9000,
  "csr-read-failed": 9001,
  "csr-decode-failed": 9002,
  "csr-parse-failed": 9003,
  "csr-bad-request": 9300,
  "csr-generation-failed": 9400,
  // Not cfssl categories: cfssl reports these as plain Go errors (code 0 in its API).
  "csr-not-canonical": 0,
  "input-invalid": 0,
  "file-exists": 0,
  "io-failed": 0,
};

/** cfssl's fixed messages, used when an error is not a wrapped one (cferr.New). */
export const CFSSL_MESSAGES: Readonly<Partial<Record<PkiErrorCode, string>>> = {
  "certificate-unknown": "Unknown certificate error",
  "certificate-read-failed": "Failed to read certificate",
  "certificate-decode-failed": "Failed to decode certificate",
  "certificate-parse-failed": "Failed to parse certificate",
  "certificate-verify-failed": "Unable to verify certificate",
  "certificate-bad-request": "Invalid certificate request",
  "certificate-missing-serial": "Missing serial number in request",
  "key-unknown": "Unknown private key error",
  "key-read-failed": "Failed to read private key",
  "key-decode-failed": "Failed to decode private key",
  "key-parse-failed": "Failed to parse private key",
  "key-encrypted": "Private key is encrypted.",
  "key-unsupported-algorithm": "Private key algorithm is not RSA or ECC or Ed25519",
  "key-mismatch": "Private key does not match public key",
  "key-generation-failed": "Failed to new private key",
  "key-unavailable": "Private key is unavailable",
  "policy-unknown": "Unknown policy error",
  "policy-no-key-usages": "Invalid policy: no key usage available",
  "policy-invalid": "Invalid or unknown policy",
  "policy-violation": "Policy violation request",
  "policy-unknown-profile": "Unknown policy profile",
  "policy-whitelist-mismatch": "Request does not match policy whitelist",
  "csr-unknown": "CSR parsing failed due to unknown error",
  "csr-read-failed": "CSR file read failed",
  "csr-decode-failed": "CSR Decode failed",
  "csr-parse-failed": "CSR Parsing failed",
  "csr-bad-request": "CSR Bad request",
};

export interface PkiErrorOptions {
  cause?: unknown;
  /** The input field or file the error is about, e.g. `key.size` or `ca-config.json`. */
  field?: string;
}

/** The error every @k8s/pki function throws for bad input or a failed operation. */
export class PkiError extends Error {
  override readonly name = "PkiError";
  readonly code: PkiErrorCode;
  readonly field: string | undefined;

  /** @param message defaults to cfssl's fixed message for the code. */
  constructor(code: PkiErrorCode, message?: string, options: PkiErrorOptions = {}) {
    super(message ?? CFSSL_MESSAGES[code] ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
  }

  /** cfssl's numeric code (0 where cfssl reports a plain error). */
  get cfsslCode(): number {
    return CFSSL_CODES[this.code];
  }

  /** cfssl's error JSON shape: `{"code":N,"message":"..."}`. */
  toJSON(): { code: number; message: string } {
    return { code: this.cfsslCode, message: this.message };
  }
}

export function isPkiError(e: unknown): e is PkiError {
  return e instanceof PkiError;
}
