// RSA key generation from two primes, as Go's crypto/rsa does it.
//
// OpenSSL 3's RSA keygen (crypto.generateKeyPair) took a median 111 ms of CPU
// per 2048-bit key on the benchmark machine, two crypto.generatePrime(1024)
// calls 67 ms; and the two primes run on two threads of libuv's pool, so one
// key takes about half that on the clock. generatePrime is OpenSSL's
// BN_generate_prime_ex2: a random candidate with the top two bits set, trial
// division, then at least 64 Miller-Rabin rounds (about half of its time). The
// rest is a little BigInt arithmetic.
import { createPrivateKey, generatePrime, type KeyObject } from "node:crypto";
import { integer, seq } from "../asn1/der.js";

const E = 65537n;

const primeOf = (bits: number): Promise<bigint> =>
  new Promise((resolve, reject) => generatePrime(bits, { bigint: true }, (err, p) => (err ? reject(err) : resolve(p))));

const bitLength = (n: bigint): number => n.toString(2).length;

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** a^-1 mod m (extended Euclid); a and m coprime. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError("not invertible");
  return ((s0 % m) + m) % m;
}

/** The numbers of a two-prime RSA private key (PKCS#1 RSAPrivateKey). */
export interface RsaKeyParts {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
  dp: bigint;
  dq: bigint;
  qinv: bigint;
}

/**
 * The key from two primes, or null when they do not make a good one: both
 * exactly bits/2 long with the top two bits set (so n has exactly `bits` bits),
 * |p - q| > 2^(bits/2 - 100), e coprime to p-1 and q-1, and d > 2^(bits/2)
 * (FIPS 186-5 A.1.1's conditions). d is e^-1 mod lcm(p-1, q-1), as FIPS and Go.
 */
export function rsaKeyFromPrimes(bits: number, p: bigint, q: bigint): RsaKeyParts | null {
  const half = bits / 2;
  if (!Number.isInteger(half)) return null;
  const topTwo = (x: bigint): boolean => bitLength(x) === half && x >> BigInt(half - 2) === 3n;
  if (!topTwo(p) || !topTwo(q)) return null;
  if (p < q) [p, q] = [q, p];
  if (p - q <= 1n << BigInt(half - 100)) return null;
  const p1 = p - 1n;
  const q1 = q - 1n;
  if (p1 % E === 0n || q1 % E === 0n) return null;
  const lambda = (p1 / gcd(p1, q1)) * q1;
  const d = modInverse(E, lambda);
  if (d <= 1n << BigInt(half)) return null;
  const n = p * q;
  if (bitLength(n) !== bits) return null;
  return { n, e: E, d, p, q, dp: d % p1, dq: d % q1, qinv: modInverse(q, p) };
}

/** PKCS#1 RSAPrivateKey DER (version 0, two primes). */
export const rsaPrivateKeyDer = (k: RsaKeyParts): Buffer => seq(integer(0), integer(k.n), integer(k.e), integer(k.d), integer(k.p), integer(k.q), integer(k.dp), integer(k.dq), integer(k.qinv));

/** A new RSA private key of `bits` (even, e = 65537): two primes made in parallel on libuv's pool. */
export async function generateRsaKey(bits: number): Promise<KeyObject> {
  for (;;) {
    const [p, q] = await Promise.all([primeOf(bits / 2), primeOf(bits / 2)]);
    // p == q, primes too close or sharing a factor with e: about 1 draw in 30,000 (p-1 divisible by 65537); draw again.
    const parts = p === q ? null : rsaKeyFromPrimes(bits, p, q);
    if (parts) return createPrivateKey({ key: rsaPrivateKeyDer(parts), format: "der", type: "pkcs1" });
  }
}
