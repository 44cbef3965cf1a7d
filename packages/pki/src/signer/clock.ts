// Injectable time and randomness: everything that makes two issuances differ.
import { randomBytes as nodeRandomBytes } from "node:crypto";

export interface Entropy {
  /** Current time; defaults to `new Date()`. */
  now?: () => Date;
  /** Cryptographically random bytes; defaults to Node's CSPRNG. */
  randomBytes?: (n: number) => Uint8Array;
}

export const systemNow = (): Date => new Date();
export const systemRandomBytes = (n: number): Uint8Array => nodeRandomBytes(n);

/** Go's time.Round(time.Minute): to the nearest minute, halves rounded up. */
export function roundToMinute(d: Date): Date {
  const ms = d.getTime();
  const r = ((ms % 60_000) + 60_000) % 60_000;
  return new Date(r >= 30_000 ? ms - r + 60_000 : ms - r);
}

/** Adds a Go duration (nanoseconds) to a date, at millisecond precision. */
export const addDuration = (d: Date, ns: bigint): Date => new Date(d.getTime() + Number(ns / 1_000_000n));
