// Property tests (fast-check): every parser of untrusted input either returns
// a value or throws a PkiError, never anything else (no TypeError, RangeError,
// stack overflow or Node crypto error leaking out). Plus round-trip
// properties of encode/parse pairs. Fixed seeds and run counts keep it fast
// and reproducible.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cfssljsonOutputFiles,
  decodePemBlocks,
  encodePem,
  formatGoDuration,
  generateKeyAndCsr,
  isPkiError,
  parseCertificateDer,
  parseCertificatePem,
  parseCsrJson,
  parseCsrPem,
  parseGoDuration,
  parsePrivateKeyPem,
  parseSignSubject,
  parseSigningConfig,
  requestSubject,
} from "@k8s/pki";
import { hostsToSans } from "../../packages/pki/src/csr/request.js";
import { repoRoot } from "../helpers/cfssl.js";

const RUNS = 300;
const fixture = (name: string): string => readFileSync(join(repoRoot, "test", "fixtures", "cfssl", name), "utf8");

/** Calls fn; a thrown value must be a PkiError. Returns what fn returned, or undefined after a PkiError. */
function valueOrPkiError<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!isPkiError(e)) throw new Error(`not a PkiError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    expect(typeof e.message).toBe("string");
    expect(Number.isInteger(e.cfsslCode)).toBe(true);
    return undefined;
  }
}

async function valueOrPkiErrorAsync<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (!isPkiError(e)) throw new Error(`not a PkiError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    return undefined;
  }
}

const opts = (seed: number, numRuns = RUNS) => ({ seed, numRuns });

// JSON values that look like cfssl's inputs: the right keys (in any case), with values of any type.
const anyJson = fc.jsonValue({ maxDepth: 3 });
const keyCase = (k: string) => fc.constantFrom(k, k.toLowerCase(), k.toUpperCase());
const maybeObject = (entries: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(...Object.entries(entries).map(([k, v]) => fc.option(fc.tuple(keyCase(k), fc.oneof(v, anyJson)), { nil: undefined })))
    .map((pairs) => Object.fromEntries(pairs.filter((p): p is [string, unknown] => p !== undefined)));

const nameArb = maybeObject({ C: fc.string(), ST: fc.string(), L: fc.string(), O: fc.string(), OU: fc.string(), E: fc.string(), SerialNumber: fc.string(), OID: fc.dictionary(fc.string(), fc.string()) });
const csrJsonArb = maybeObject({
  CN: fc.string(),
  names: fc.array(nameArb, { maxLength: 3 }),
  hosts: fc.array(fc.string(), { maxLength: 4 }),
  key: maybeObject({ algo: fc.constantFrom("rsa", "ecdsa", "ed25519", "dsa"), size: fc.integer({ min: -10, max: 10000 }) }),
  ca: maybeObject({ pathlen: fc.integer(), pathlenzero: fc.boolean(), expiry: fc.string(), backdate: fc.string() }),
  serialnumber: fc.string(),
  delegation_enabled: fc.boolean(),
  extensions: fc.array(maybeObject({ Id: fc.array(fc.nat(), { maxLength: 5 }), Critical: fc.boolean(), Value: fc.base64String() }), { maxLength: 2 }),
  crl_url: fc.string(),
});

const durationArb = fc.oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^[+-]?(\d{1,6}(\.\d{0,4})?(ns|us|µs|ms|s|m|h)){1,3}$/));
const profileArb = maybeObject({
  usages: fc.array(fc.constantFrom("signing", "server auth", "client auth", "cert sign", "bogus", ""), { maxLength: 4 }),
  expiry: durationArb,
  backdate: durationArb,
  not_before: fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
  not_after: fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
  ca_constraint: maybeObject({ is_ca: fc.boolean(), max_path_len: fc.integer(), max_path_len_zero: fc.boolean() }),
  issuer_urls: fc.array(fc.webUrl(), { maxLength: 2 }),
  ocsp_url: fc.webUrl(),
  crl_url: fc.webUrl(),
  name_whitelist: fc.string({ maxLength: 12 }),
  remote: fc.string({ maxLength: 4 }),
  auth_key: fc.string({ maxLength: 4 }),
  copy_extensions: fc.boolean(),
  allowed_extensions: fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }),
  policies: fc.array(maybeObject({ ID: fc.string({ maxLength: 8 }), Qualifiers: fc.array(maybeObject({ Type: fc.constantFrom("id-qt-cps", "id-qt-unotice", "x"), Value: fc.string() }), { maxLength: 2 }) }), { maxLength: 2 }),
  Expiry: fc.integer(),
  Backdate: fc.integer(),
  CSRWhitelist: maybeObject({ Subject: fc.boolean(), PublicKey: fc.boolean(), DNSNames: fc.boolean() }),
});
const configArb = maybeObject({
  signing: maybeObject({ default: profileArb, profiles: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(profileArb, fc.constant(null))) }),
  remotes: fc.dictionary(fc.string({ maxLength: 4 }), fc.string()),
  auth_keys: fc.dictionary(fc.string({ maxLength: 4 }), maybeObject({ type: fc.constantFrom("standard", "x"), key: fc.string() })),
});

describe("parsers of JSON input: a value or a PkiError", () => {
  it("parseCsrJson on arbitrary text", () => {
    fc.assert(fc.property(fc.string(), (s) => void valueOrPkiError(() => parseCsrJson(s))), opts(1));
  });

  it("parseCsrJson on cfssl-shaped JSON with random types, then requestSubject and hostsToSans", () => {
    fc.assert(
      fc.property(csrJsonArb, (obj) => {
        const req = valueOrPkiError(() => parseCsrJson(JSON.stringify(obj)));
        if (req) {
          valueOrPkiError(() => requestSubject(req));
          valueOrPkiError(() => hostsToSans(req.hosts));
        }
      }),
      opts(2),
    );
  });

  it("parseSigningConfig on arbitrary text and on config-shaped JSON", () => {
    fc.assert(fc.property(fc.string(), (s) => void valueOrPkiError(() => parseSigningConfig(s))), opts(3));
    fc.assert(fc.property(configArb, (obj) => void valueOrPkiError(() => parseSigningConfig(JSON.stringify(obj)))), opts(4));
  });

  it("a config that parses has a default profile with an expiry, and profiles with a known usage", () => {
    fc.assert(
      fc.property(configArb, (obj) => {
        const cfg = valueOrPkiError(() => parseSigningConfig(JSON.stringify(obj)));
        if (!cfg) return;
        if (!cfg.default.remote) expect(cfg.default.expiry).not.toBe(0n);
        for (const p of Object.values(cfg.profiles)) if (!p.remote) expect(p.usages.length).toBeGreaterThan(0);
      }),
      opts(5),
    );
  });

  it("parseSignSubject and cfssljsonOutputFiles on arbitrary JSON", () => {
    fc.assert(
      fc.property(anyJson, fc.boolean(), (v, bare) => {
        const text = JSON.stringify(v);
        valueOrPkiError(() => parseSignSubject(text));
        valueOrPkiError(() => cfssljsonOutputFiles(text, "base", bare));
      }),
      opts(6),
    );
  });
});

describe("PEM and DER parsers: a value or a PkiError", () => {
  const parsers = [
    (x: string | Uint8Array) => parsePrivateKeyPem(x),
    (x: string | Uint8Array) => parseCertificatePem(x),
    (x: string | Uint8Array) => parseCsrPem(x),
  ];

  it("decodePemBlocks never throws on random text or bytes", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 300 })), (x) => {
        const blocks = decodePemBlocks(x);
        expect(Array.isArray(blocks)).toBe(true);
      }),
      opts(7),
    );
  });

  it("key, certificate and CSR parsers on random bytes and random PEM-wrapped bytes", () => {
    const label = fc.constantFrom("CERTIFICATE", "CERTIFICATE REQUEST", "RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY", "Ed25519 PRIVATE KEY", "X");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), label, (bytes, type) => {
        for (const parse of parsers) {
          valueOrPkiError(() => parse(bytes));
          valueOrPkiError(() => parse(encodePem(type, bytes)));
        }
      }),
      opts(8),
    );
  });

  const VALID = ["ca.pem", "leaf.pem", "ed25519.pem", "utf8.pem", "leaf.csr", "rsa.csr", "ed25519.csr", "ca-key.pem", "rsa-ca-key.pem", "ed25519-key.pem"].map(fixture);

  it("mutated DER inside valid PEM (cfssl fixtures): flipped, truncated, inserted bytes", () => {
    const mutation = fc.record({
      which: fc.nat(VALID.length - 1),
      kind: fc.constantFrom("flip", "truncate", "insert", "set"),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
      count: fc.integer({ min: 1, max: 4 }),
    });
    fc.assert(
      fc.property(mutation, ({ which, kind, at, byte, count }) => {
        const block = decodePemBlocks(VALID[which]!)[0]!;
        const der = Buffer.from(block.bytes);
        const i = at % der.length;
        let out: Buffer;
        if (kind === "flip") {
          out = Buffer.from(der);
          for (let k = 0; k < count; k++) out[(i + k) % out.length]! ^= 1 << (byte % 8);
        } else if (kind === "truncate") out = der.subarray(0, i);
        else if (kind === "insert") out = Buffer.concat([der.subarray(0, i), Buffer.alloc(count, byte), der.subarray(i)]);
        else {
          out = Buffer.from(der);
          out[i] = byte;
        }
        const pem = encodePem(block.type, out);
        for (const parse of parsers) valueOrPkiError(() => parse(pem));
        if (block.type === "CERTIFICATE") valueOrPkiError(() => parseCertificateDer(out));
      }),
      opts(9, 600),
    );
  });

  it("mutated PEM text (cfssl fixtures)", () => {
    fc.assert(
      fc.property(fc.nat(VALID.length - 1), fc.nat(), fc.string({ maxLength: 5 }), fc.nat(20), (which, at, insert, del) => {
        const text = VALID[which]!;
        const i = at % text.length;
        const mutated = text.slice(0, i) + insert + text.slice(i + del);
        for (const parse of parsers) valueOrPkiError(() => parse(mutated));
      }),
      opts(10),
    );
  });
});

describe("durations", () => {
  it("parseGoDuration: a bigint or a PkiError; formatGoDuration of the result parses back to it", () => {
    fc.assert(
      fc.property(durationArb, (s) => {
        const d = valueOrPkiError(() => parseGoDuration(s));
        if (d === undefined) return;
        expect(typeof d).toBe("bigint");
        expect(parseGoDuration(formatGoDuration(d))).toBe(d);
      }),
      opts(11),
    );
  });
});

describe("round trips", () => {
  // One cfssl-made RSA key: signing is deterministic and key generation is skipped.
  const key = parsePrivateKeyPem(fixture("utf8-key.pem"));

  it("a CSR made from random subject fields and hosts parses back to the same subject", async () => {
    const text = fc.string({ minLength: 1, maxLength: 20, unit: "grapheme" });
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.record({ O: text, OU: text, C: text }), { maxLength: 2 }), fc.array(fc.domain(), { maxLength: 3 }), async (cn, names, hosts) => {
        const req = parseCsrJson(JSON.stringify({ CN: cn, names, hosts }));
        const out = await valueOrPkiErrorAsync(() => generateKeyAndCsr(req, key));
        if (!out) return;
        const csr = parseCsrPem(out.csrPem);
        const want = requestSubject(req);
        expect(csr.subject.commonName).toBe(want.commonName);
        // Values of one type form a SET OF, which DER sorts: compare as multisets.
        expect([...csr.subject.organization].sort()).toEqual([...want.organization].sort());
        expect([...csr.subject.organizationalUnit].sort()).toEqual([...want.organizationalUnit].sort());
        expect([...csr.subject.country].sort()).toEqual([...want.country].sort());
        expect(csr.sans.dns).toEqual(hosts);
      }),
      opts(12, 100),
    );
  });
});
