// RSA keys made from two primes of ours (keys/rsa-keygen.ts): every number of
// the PKCS#1 key checked against its definition, OpenSSL's own key check, a
// sign/verify round trip, and the refusals for primes that make a bad key.
import { spawnSync } from "node:child_process";
import { checkPrimeSync, generatePrimeSync, sign, verify } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeDer } from "../../packages/pki/src/asn1/der.js";
import { modInverse, rsaKeyFromPrimes, rsaPrivateKeyDer, type RsaKeyParts } from "../../packages/pki/src/keys/rsa-keygen.js";
import { encodePem, encodePrivateKeyPem, generateKey, parsePrivateKeyPem } from "@k8s/pki";

const bitLength = (n: bigint): number => n.toString(2).length;
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/** The PKCS#1 numbers of a PEM `RSA PRIVATE KEY`, read with the package's DER decoder. */
function partsOf(pem: string): RsaKeyParts & { version: bigint } {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  const [version, n, e, d, p, q, dp, dq, qinv] = decodeDer(der).children().map((c) => c.toBigInt());
  return { version: version!, n: n!, e: e!, d: d!, p: p!, q: q!, dp: dp!, dq: dq!, qinv: qinv! };
}

/** Fails, naming the first broken condition, unless the numbers make a good two-prime 2048-bit key. */
function expectGoodKey(k: RsaKeyParts, bits: number): void {
  const half = bits / 2;
  expect(k.e).toBe(65537n);
  expect(k.n).toBe(k.p * k.q);
  expect(bitLength(k.n)).toBe(bits);
  for (const x of [k.p, k.q]) {
    expect(bitLength(x)).toBe(half);
    expect(x >> BigInt(half - 2)).toBe(3n);
    expect(checkPrimeSync(x, { checks: 20 })).toBe(true);
  }
  expect(k.p).not.toBe(k.q);
  const diff = k.p > k.q ? k.p - k.q : k.q - k.p;
  expect(diff > 1n << BigInt(half - 100)).toBe(true);
  const lambda = ((k.p - 1n) * (k.q - 1n)) / gcd(k.p - 1n, k.q - 1n);
  expect(gcd(k.e, lambda)).toBe(1n);
  expect((k.d * k.e) % lambda).toBe(1n);
  expect(k.d > 1n << BigInt(half)).toBe(true);
  expect(k.dp).toBe(k.d % (k.p - 1n));
  expect(k.dq).toBe(k.d % (k.q - 1n));
  expect((k.q * k.qinv) % k.p).toBe(1n);
}

const opensslCheck = (pem: string): { ok: boolean; out: string } => {
  const r = spawnSync("openssl", ["rsa", "-check", "-noout"], { input: pem });
  const out = r.stdout.toString() + r.stderr.toString();
  // OpenSSL 3.0 exits 0 on "RSA key not ok": the verdict is in the output.
  return { ok: r.status === 0 && /^RSA key ok$/m.test(out) && !/not ok/.test(out), out };
};

/** A 1024-bit prime with the top two bits set and p % add == rem. */
function prime1024(opts: { add?: bigint; rem?: bigint } = {}): bigint {
  for (;;) {
    const p = generatePrimeSync(1024, { bigint: true, ...opts });
    if (bitLength(p) === 1024 && p >> 1022n === 3n) return p;
  }
}

describe("RSA key generation from two primes", () => {
  it("openssl is installed (scripts/test.sh installs it): the checks below need it", () => {
    expect(spawnSync("openssl", ["version"]).status).toBe(0);
  });

  it("generateKey rsa/2048 makes keys whose every PKCS#1 number is right, and that sign and verify", async () => {
    const keys = await Promise.all([1, 2, 3, 4].map(() => generateKey({ algo: "rsa", size: 2048 })));
    for (const key of keys) {
      expect(key.algo).toBe("rsa");
      expect(key.size).toBe(2048);
      const pem = encodePrivateKeyPem(key);
      expect(pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
      const parts = partsOf(pem);
      expect(parts.version).toBe(0n);
      expectGoodKey(parts, 2048);
      const msg = Buffer.from("round trip");
      expect(verify("sha256", msg, parsePrivateKeyPem(pem).publicKey, sign("sha256", msg, key.keyObject))).toBe(true);
      expect(verify("sha256", Buffer.from("other"), key.publicKey, sign("sha256", msg, key.keyObject))).toBe(false);
      expect(opensslCheck(pem)).toMatchObject({ ok: true });
    }
    // Fresh primes every time.
    expect(new Set(keys.map((k) => partsOf(encodePrivateKeyPem(k)).n.toString(16))).size).toBe(4);
  });

  it("other even sizes too (3072)", async () => {
    const key = await generateKey({ algo: "rsa", size: 3072 });
    expect(key.size).toBe(3072);
    expectGoodKey(partsOf(encodePrivateKeyPem(key)), 3072);
  });

  it("OpenSSL's key check tells a wrong CRT number from a right one (so the check above means something)", () => {
    const parts = rsaKeyFromPrimes(2048, prime1024(), prime1024())!;
    expect(opensslCheck(encodePem("RSA PRIVATE KEY", rsaPrivateKeyDer(parts))).ok).toBe(true);
    for (const field of ["d", "dp", "dq", "qinv"] as const) {
      const bad = { ...parts, [field]: parts[field] + 2n };
      expect(opensslCheck(encodePem("RSA PRIVATE KEY", rsaPrivateKeyDer(bad))).ok, field).toBe(false);
      expect(() => expectGoodKey(bad, 2048)).toThrow();
    }
  });

  it("refuses primes that make a bad key", () => {
    const p = prime1024();
    // Equal primes.
    expect(rsaKeyFromPrimes(2048, p, p)).toBeNull();
    // Close primes: the next prime after p.
    let near = p + 2n;
    while (!checkPrimeSync(near)) near += 2n;
    expect(rsaKeyFromPrimes(2048, p, near)).toBeNull();
    // A prime one bit short (n would be short).
    const short = generatePrimeSync(1023, { bigint: true });
    expect(rsaKeyFromPrimes(2048, p, short)).toBeNull();
    // p - 1 divisible by e: e has no inverse.
    const badE = prime1024({ add: 65537n, rem: 1n });
    expect(rsaKeyFromPrimes(2048, badE, prime1024())).toBeNull();
    // Odd sizes have no half.
    expect(rsaKeyFromPrimes(2047, p, prime1024())).toBeNull();
    // And a good pair is accepted whatever its order, with p > q in the key.
    const q = prime1024();
    const k = rsaKeyFromPrimes(2048, q, p)!;
    expect(k.p > k.q).toBe(true);
    expectGoodKey(k, 2048);
  });

  it("modInverse: a * a^-1 = 1 mod m for coprime a and m, and refuses the rest", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 300n }), fc.bigInt({ min: 2n, max: 1n << 300n }), (a, m) => {
        if (gcd(a, m) === 1n) {
          const inv = modInverse(a, m);
          expect(inv >= 0n && inv < m).toBe(true);
          expect((a * inv) % m).toBe(m === 1n ? 0n : 1n);
        } else {
          expect(() => modInverse(a, m)).toThrow(RangeError);
        }
      }),
      { seed: 6, numRuns: 300 },
    );
  });
});
