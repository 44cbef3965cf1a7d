// Bootstrap tokens: `[a-z0-9]{6}.[a-z0-9]{16}`, generated from a CSPRNG and
// validated with cluster-bootstrap's exact patterns.
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { BootstrapError } from "./errors.js";

export const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const TOKEN_ID_PATTERN = /^([a-z0-9]{6})$/;
export const EXTRA_GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/**
 * A bootstrap token. Nothing that prints or serialises it shows the secret:
 * `toString()`, `toJSON()` and `util.inspect` (so `console.log(token)` and
 * loggers) give `abcdef.****************`. The secret lives in a private
 * field; `value` and `secret` are the explicit ways to read it, for the
 * commands and files that must hold it.
 */
export class BootstrapToken {
  readonly #secret: string;

  constructor(
    readonly id: string,
    secret: string,
  ) {
    if (!TOKEN_ID_PATTERN.test(id)) throw new BootstrapError("token-id-invalid", `token id ${JSON.stringify(id)} does not match [a-z0-9]{6}`, { field: "token" });
    if (!/^[a-z0-9]{16}$/.test(secret)) throw new BootstrapError("token-invalid", "token secret does not match [a-z0-9]{16}", { field: "token" });
    this.#secret = secret;
  }

  /** The 16-character secret. */
  get secret(): string {
    return this.#secret;
  }

  /** The bearer value `<id>.<secret>`. */
  get value(): string {
    return `${this.id}.${this.#secret}`;
  }

  /** The user the API server authenticates this token as. */
  get username(): string {
    return `system:bootstrap:${this.id}`;
  }

  toString(): string {
    return `${this.id}.****************`;
  }

  toJSON(): string {
    return this.toString();
  }

  // console.log and every logger built on util.inspect print this, never the fields.
  [inspect.custom](): string {
    return `BootstrapToken(${this.toString()})`;
  }
}

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Random characters from [a-z0-9]; bytes >= 252 are rejected so every character is equally likely. */
export function randomTokenString(length: number, random: (n: number) => Uint8Array = randomBytes): string {
  let out = "";
  while (out.length < length) {
    for (const b of random(length * 2)) {
      if (b >= 252) continue;
      out += ALPHABET[b % 36];
      if (out.length === length) break;
    }
  }
  return out;
}

export function generateToken(random?: (n: number) => Uint8Array): BootstrapToken {
  return new BootstrapToken(randomTokenString(6, random), randomTokenString(16, random));
}

/** Parses `<id>.<secret>`; the error never echoes the input, which may be a real secret. */
export function parseToken(value: string): BootstrapToken {
  const m = TOKEN_PATTERN.exec(value);
  if (!m) throw new BootstrapError("token-invalid", `the token does not match "[a-z0-9]{6}.[a-z0-9]{16}"`, { field: "token" });
  return new BootstrapToken(m[1]!, m[2]!);
}

/** Accepts a token id or a whole token (kubeadm token delete does) and returns the id. */
export function parseTokenId(value: string): string {
  if (TOKEN_ID_PATTERN.test(value)) return value;
  const m = TOKEN_PATTERN.exec(value);
  if (m) return m[1]!;
  throw new BootstrapError("token-id-invalid", `given token didn't match pattern "[a-z0-9]{6}.[a-z0-9]{16}" or "[a-z0-9]{6}"`, { field: "token" });
}

export function validateExtraGroup(group: string): string {
  if (!EXTRA_GROUP_PATTERN.test(group)) {
    throw new BootstrapError("group-invalid", `group ${JSON.stringify(group)} must match ${EXTRA_GROUP_PATTERN.source}`, { field: "groups" });
  }
  return group;
}
