// Differential tests against the real cfssl: every key type and size, as a
// CA key (initca, and the signature algorithm it picks when it signs) and as
// a leaf key (gencert), plus genkey and gencsr. Expectations come from cfssl
// run in the same test on the same input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificatePem, parseCsrPem } from "@k8s/pki";
import { expectSameCsr } from "../helpers/compare.js";
import { cfssl, outputJson } from "../helpers/exec.js";
import { expectSameIssuance, expectSameKeyForm, Workspace } from "../helpers/workspace.js";
import { opensslVerify } from "../helpers/compare.js";

const NAMES = [{ C: "US", ST: "California", L: "San Francisco", O: "Example Org", OU: "PKI" }];

const KEYS = [
  { algo: "rsa", size: 2048, sigalg: "1.2.840.113549.1.1.11" },
  { algo: "rsa", size: 3072, sigalg: "1.2.840.113549.1.1.12" },
  { algo: "rsa", size: 4096, sigalg: "1.2.840.113549.1.1.13" },
  { algo: "ecdsa", size: 256, sigalg: "1.2.840.10045.4.3.2" },
  { algo: "ecdsa", size: 384, sigalg: "1.2.840.10045.4.3.3" },
  { algo: "ecdsa", size: 521, sigalg: "1.2.840.10045.4.3.4" },
  { algo: "ed25519", size: 0, sigalg: "1.3.101.112" },
] as const;

let ws: Workspace;
beforeAll(() => {
  ws = new Workspace();
});
afterAll(() => ws.cleanup());

describe.each(KEYS)("key $algo $size", (k) => {
  const key = k.algo === "ed25519" ? { algo: "ed25519" } : { algo: k.algo, size: k.size };
  const tag = `${k.algo}${k.size}`;
  // RSA 4096 key generation is slow in both programs: it is generated once, as the CA.
  const slow = k.size === 4096 ? 120_000 : undefined;

  // The CA the leaf tests sign with, made by the real cfssl.
  beforeAll(async () => {
    await ws.cfsslCa(`ca-${tag}`, { CN: `Root ${tag}`, key, names: NAMES });
  }, 120_000);

  it("gencert -initca: same root certificate, CSR and key form", { timeout: slow }, async () => {
    const r = await ws.both(["gencert", "-initca"], { CN: `Root ${tag}`, key, names: NAMES });
    const { ours, cfssl: theirs } = await expectSameIssuance(ws, r);
    // The signature algorithm follows the key (cfssl's helpers.SignerAlgo).
    expect(parseCertificatePem(theirs.cert!).signatureAlgorithm).toBe(k.sigalg);
    expect(parseCsrPem(theirs.csr!).signatureAlgorithm).toBe(k.sigalg);
    ws.write(`ours-ca-${tag}.pem`, ours.cert!);
    await opensslVerify(ws.dir, `ours-ca-${tag}.pem`, `ours-ca-${tag}.pem`);
  });

  it("gencert -ca: a leaf signed by this CA key, with this key type (or P-256 for RSA 4096)", async () => {
    const leafKey = k.size === 4096 ? { algo: "ecdsa", size: 256 } : key;
    const r = await ws.both(["gencert", "-ca", `ca-${tag}.pem`, "-ca-key", `ca-${tag}-key.pem`], {
      CN: `leaf ${tag}`,
      hosts: ["leaf.example.com", "10.1.2.3"],
      key: leafKey,
      names: NAMES,
    });
    const { ours, cfssl: theirs } = await expectSameIssuance(ws, r, { sameIssuer: true });
    expect(parseCertificatePem(ours.cert!).signatureAlgorithm).toBe(k.sigalg);
    ws.write(`leaf-ours-${tag}.pem`, ours.cert!);
    ws.write(`leaf-cfssl-${tag}.pem`, theirs.cert!);
    await opensslVerify(ws.dir, `ca-${tag}.pem`, `leaf-ours-${tag}.pem`);
    await opensslVerify(ws.dir, `ca-${tag}.pem`, `leaf-cfssl-${tag}.pem`);
  });

  if (k.size !== 4096) {
    it("genkey: same CSR and key form", async () => {
      const r = await ws.both(["genkey"], { CN: `genkey ${tag}`, hosts: ["a.example.com"], key, names: NAMES });
      await expectSameIssuance(ws, r);
    });
  }
});

describe("key request defaults (the request is decoded over cfssl's ECDSA P-256 default)", () => {
  it.each([
    ["no key section", {}],
    ["key: null", { key: null }],
    ["only a size: P-384", { key: { size: 384 } }],
    ["ecdsa without size: P-256", { key: { algo: "ecdsa" } }],
    ["ed25519 ignores the size", { key: { algo: "ed25519", size: 999 } }],
    ["rsa 3000 (any size in range)", { key: { algo: "rsa", size: 3000 } }],
    ["mixed-case keys", { KEY: { Algo: "ecdsa", SIZE: 521 } }],
  ])("%s", async (_name, extra) => {
    await expectSameIssuance(ws, await ws.both(["genkey"], { CN: "defaults", ...extra }));
  });
});

describe("genkey -initca", () => {
  it("prints cert, csr and key like cfssl", async () => {
    const r = await ws.both(["genkey", "-initca"], { CN: "genkey root", key: { algo: "ecdsa", size: 384 }, names: NAMES, ca: { pathlen: 1 } });
    await expectSameIssuance(ws, r);
  });
});

describe("gencsr with an existing key", () => {
  // RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic, so with the
  // same key and request the two programs must print the SAME bytes.
  it.each([
    { algo: "rsa", size: 2048 },
    { algo: "ed25519" },
  ])("$algo: byte-identical CSR, key echoed verbatim", async (key) => {
    const made = outputJson(await cfssl(["genkey", ws.write(ws.fresh(".json"), { CN: "seed", key })], { cwd: ws.dir }));
    const keyFile = ws.write(ws.fresh("-key.pem"), made.key!);
    const req = { CN: "gencsr.example.com", hosts: ["gencsr.example.com", "192.0.2.7", "ops@example.com"], names: [...NAMES, { O: "Second O" }], serialnumber: "SN-42" };
    const r = await ws.both(["gencsr", "-key", keyFile], req);
    const o = outputJson(r.ours);
    const c = outputJson(r.cfssl);
    expect(o.key).toBe(made.key);
    expect(c.key).toBe(made.key);
    expect(o.csr).toBe(c.csr);
    expect(Object.keys(o).sort()).toEqual(Object.keys(c).sort());
  });

  it("ecdsa with -hostname: same CSR fields", async () => {
    const made = outputJson(await cfssl(["genkey", ws.write(ws.fresh(".json"), { CN: "seed" })], { cwd: ws.dir }));
    const keyFile = ws.write(ws.fresh("-key.pem"), made.key!);
    const r = await ws.both(["gencsr", "-key", keyFile, "-hostname", "h1.example.com,10.0.0.9"], { CN: "x", hosts: ["ignored.example.com"] });
    const o = outputJson(r.ours);
    const c = outputJson(r.cfssl);
    await expectSameCsr(o.csr!, c.csr!, ws.dir);
    expect(o.key).toBe(made.key);
  });

  it("gencsr -cert: the CSR that reproduces a cfssl certificate", async () => {
    const made = outputJson(await cfssl(["genkey", "-initca", ws.write(ws.fresh(".json"), { CN: "from cert", key: { algo: "rsa", size: 2048 }, names: NAMES, hosts: ["10.9.9.9"] })], { cwd: ws.dir }));
    const keyFile = ws.write(ws.fresh("-key.pem"), made.key!);
    const certFile = ws.write(ws.fresh(".pem"), made.cert!);
    const r = await ws.both(["gencsr", "-key", keyFile, "-cert", certFile]);
    const o = outputJson(r.ours);
    const c = outputJson(r.cfssl);
    expect(o.csr).toBe(c.csr);
  });
});

describe("key forms cfssl accepts as -ca-key", () => {
  it("cfssl signs with k8s-pki's keys of every type (incl. the PKCS#8 Ed25519 label)", async () => {
    for (const [i, key] of [{ algo: "rsa", size: 2048 }, { algo: "ecdsa", size: 521 }, { algo: "ed25519" }].entries()) {
      const { ours } = await ws.both(["gencert", "-initca"], { CN: `our root ${i}`, key });
      const o = outputJson(ours);
      ws.write(`ourkey-${i}.pem`, o.cert!);
      ws.write(`ourkey-${i}-key.pem`, o.key!);
      const leaf = outputJson(await cfssl(["gencert", "-ca", `ourkey-${i}.pem`, "-ca-key", `ourkey-${i}-key.pem`, ws.write(ws.fresh(".json"), { CN: "l", hosts: ["l.example"] })], { cwd: ws.dir }));
      ws.write(`ourkey-${i}-leaf.pem`, leaf.cert!);
      await opensslVerify(ws.dir, `ourkey-${i}.pem`, `ourkey-${i}-leaf.pem`);
    }
  });

  it("k8s-pki reads cfssl's Ed25519 PRIVATE KEY label", async () => {
    const made = outputJson(await cfssl(["gencert", "-initca", ws.write(ws.fresh(".json"), { CN: "cfssl ed root", key: { algo: "ed25519" } })], { cwd: ws.dir }));
    expect(made.key!.startsWith("-----BEGIN Ed25519 PRIVATE KEY-----\n")).toBe(true);
    ws.write("cfssl-ed.pem", made.cert!);
    ws.write("cfssl-ed-key.pem", made.key!);
    const r = await ws.both(["gencert", "-ca", "cfssl-ed.pem", "-ca-key", "cfssl-ed-key.pem"], { CN: "leaf", hosts: ["x.example"] });
    const { ours } = await expectSameIssuance(ws, r, { sameIssuer: true });
    ws.write("cfssl-ed-leaf.pem", ours.cert!);
    await opensslVerify(ws.dir, "cfssl-ed.pem", "cfssl-ed-leaf.pem");
    expectSameKeyForm(ours.key!, outputJson(r.cfssl).key!);
  });
});

describe("reusing a CA key", () => {
  beforeAll(async () => {
    await ws.cfsslCa("renew", { CN: "Renew Root", names: [{ C: "US", O: "Example", OU: "PKI" }], hosts: ["10.0.0.1", "renew.example.com"], ca: { pathlen: 1, expiry: "1000h" } });
  });

  it("gencert -renewca: the same CA re-issued from its certificate and key", async () => {
    const r = await ws.both(["gencert", "-renewca", "-ca", "renew.pem", "-ca-key", "renew-key.pem"]);
    const { ours } = await expectSameIssuance(ws, r);
    expect(parseCertificatePem(ours.cert!).spki.equals(parseCertificatePem(ws.read("renew.pem")).spki)).toBe(true);
  });

  it("gencert -initca -ca-key: a new root for an existing key (cert and csr only)", async () => {
    const r = await ws.both(["gencert", "-initca", "-ca-key", "renew-key.pem"], { CN: "Rekeyed Root", names: [{ O: "Example" }], ca: { pathlen: 0, pathlenzero: true, expiry: "10h", backdate: "1h" }, crl_url: "http://crl.example.com/x.crl" });
    const { ours } = await expectSameIssuance(ws, r);
    expect(Object.keys(ours).sort()).toEqual(["cert", "csr"]);
  });
});

