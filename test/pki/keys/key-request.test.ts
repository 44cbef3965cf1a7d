// generateKey: every key comes from OpenSSL through node:crypto's asynchronous
// generateKeyPair (issue 14, defect 6: even-size RSA keys used to be assembled
// from two primes with BigInt arithmetic of ours, skipping OpenSSL's checks).
// node:crypto is wrapped, not replaced, so the calls can be counted while the
// keys stay real; each key is then checked by OpenSSL itself.
import { spawnSync } from "node:child_process";
import * as realCrypto from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { encodePrivateKeyPem, generateKey, parsePrivateKeyPem } from "@k8s/pki";
import { repoRoot } from "../../harness/binaries.js";

vi.mock("node:crypto", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:crypto")>();
  return {
    ...real,
    generateKeyPair: vi.fn(real.generateKeyPair),
    generateKeyPairSync: vi.fn(real.generateKeyPairSync),
    generatePrime: vi.fn(real.generatePrime),
    generatePrimeSync: vi.fn(real.generatePrimeSync),
  };
});

const mocked = realCrypto as unknown as Record<"generateKeyPair" | "generateKeyPairSync" | "generatePrime" | "generatePrimeSync", ReturnType<typeof vi.fn>>;

/** `openssl rsa -check`: OpenSSL 3.0 exits 0 even on "RSA key not ok", so the verdict is read from the output. */
function opensslRsaCheck(pem: string): { ok: boolean; out: string } {
  const r = spawnSync("openssl", ["rsa", "-check", "-noout"], { input: pem });
  const out = r.stdout.toString() + r.stderr.toString();
  return { ok: r.status === 0 && /^RSA key ok$/m.test(out) && !/not ok/.test(out), out };
}

/** Every .ts file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

describe("generateKey", () => {
  it("openssl is installed (scripts/test.sh installs it): the checks below need it", () => {
    expect(spawnSync("openssl", ["version"]).status).toBe(0);
  });

  it.each([
    { name: "RSA 2048 (even: once built from primes of ours)", req: { algo: "rsa", size: 2048 }, type: "rsa", options: { modulusLength: 2048, publicExponent: 65537 } },
    { name: "RSA 3072", req: { algo: "rsa", size: 3072 }, type: "rsa", options: { modulusLength: 3072, publicExponent: 65537 } },
    // OpenSSL 3 makes both primes floor(2049/2) bits long, so its modulus has 2048 bits (Go's keygen makes 2049).
    { name: "RSA 2049 (odd)", req: { algo: "rsa", size: 2049 }, bits: 2048, type: "rsa", options: { modulusLength: 2049, publicExponent: 65537 } },
    { name: "ECDSA P-256", req: { algo: "ecdsa", size: 256 }, type: "ec", options: { namedCurve: "prime256v1" } },
    { name: "ECDSA P-521", req: { algo: "ecdsa", size: 521 }, type: "ec", options: { namedCurve: "secp521r1" } },
    { name: "Ed25519", req: { algo: "ed25519", size: 0 }, type: "ed25519", options: undefined },
  ])("$name: one asynchronous node:crypto generateKeyPair call, nothing else", async ({ req, bits, type, options }) => {
    const key = await generateKey(req);
    expect(mocked.generateKeyPair).toHaveBeenCalledTimes(1);
    expect(mocked.generateKeyPair.mock.calls[0]!.slice(0, 2)).toEqual([type, options]);
    expect(mocked.generateKeyPairSync).not.toHaveBeenCalled();
    expect(mocked.generatePrime).not.toHaveBeenCalled();
    expect(mocked.generatePrimeSync).not.toHaveBeenCalled();
    expect(key.size).toBe(bits ?? req.size);
  });

  it("RSA keys pass OpenSSL's key check and node:crypto's import, in cfssl's PKCS#1 PEM form", async () => {
    const keys = await Promise.all([2048, 2048, 2048, 3072].map((size) => generateKey({ algo: "rsa", size })));
    const moduli = new Set<string>();
    for (const key of keys) {
      const pem = encodePrivateKeyPem(key);
      // What cfssl writes (helpers.EncodePrivateKeyPEM: x509.MarshalPKCS1PrivateKey).
      expect(pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END RSA PRIVATE KEY-----\n$/);
      expect(opensslRsaCheck(pem)).toMatchObject({ ok: true });
      const imported = realCrypto.createPrivateKey(pem);
      expect(imported.asymmetricKeyDetails).toEqual({ modulusLength: key.size, publicExponent: 65537n });
      const msg = Buffer.from("round trip");
      const sig = realCrypto.sign("sha256", msg, imported);
      expect(realCrypto.verify("sha256", msg, parsePrivateKeyPem(pem).publicKey, sig)).toBe(true);
      expect(realCrypto.verify("sha256", Buffer.from("other"), key.publicKey, sig)).toBe(false);
      moduli.add(key.publicKey.export({ format: "jwk" }).n!);
    }
    expect(moduli.size).toBe(4);
  });

  it("the RSA check above tells a broken key from a good one (so passing it means something)", async () => {
    const der = realCrypto.createPrivateKey(encodePrivateKeyPem(await generateKey({ algo: "rsa", size: 2048 }))).export({ type: "pkcs1", format: "der" });
    // Flip one bit near the end of the DER: inside qinv, the last CRT number.
    der[der.length - 5]! ^= 0x10;
    const bad = `-----BEGIN RSA PRIVATE KEY-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END RSA PRIVATE KEY-----\n`;
    expect(opensslRsaCheck(bad).ok).toBe(false);
  });

  it("keeps the event loop running while OpenSSL works (the key is made on the thread pool)", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      // RSA 4096 takes OpenSSL hundreds of milliseconds; made on the main thread, not one tick would run meanwhile.
      await generateKey({ algo: "rsa", size: 4096 });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(2);
  });

  it("no source of @k8s/pki makes primes or RSA numbers itself", () => {
    const files = sources(join(repoRoot, "packages/pki/src"));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      expect(text, f).not.toMatch(/\bgeneratePrime(Sync)?\b|\bcheckPrime(Sync)?\b|\bmodInverse\b/);
    }
    expect(files.some((f) => f.endsWith("rsa-keygen.ts"))).toBe(false);
  });
});
