// Injectable time and randomness: everything that makes two issuances differ.
import { randomBytes as nodeRandomBytes } from "node:crypto";

export interface Entropy {
  /** Current time; defaults to `new Date()`. */
  now?: () => Date;
  /** Cryptographically random bytes; defaults to Node's CSPRNG. */
  randomBytes?: (n: number) => Uint8Array;
}

export const systemNow = (): Date => new Date();
// Serials need 20 bytes per certificate; one CSPRNG call per 8 KiB is far cheaper than one per certificate.
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** CSPRNG bytes, drawn from a pooled buffer; each byte is handed out once. */
export function systemRandomBytes(n: number): Uint8Array {
  if (n > 1024) return nodeRandomBytes(n);
  if (poolOffset + n > pool.length) {
    pool = nodeRandomBytes(8192);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}

/** Go's time.Round(time.Minute): to the nearest minute, halves rounded up. */
export function roundToMinute(d: Date): Date {
  const ms = d.getTime();
  const r = ((ms % 60_000) + 60_000) % 60_000;
  return new Date(r >= 30_000 ? ms - r + 60_000 : ms - r);
}

/** Adds a Go duration (nanoseconds) to a date, at millisecond precision. */
export const addDuration = (d: Date, ns: bigint): Date => new Date(d.getTime() + Number(ns / 1_000_000n));
