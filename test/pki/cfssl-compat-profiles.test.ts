// Differential tests against the real cfssl: signing profiles. Every usage
// string, CA constraints and pathlen rules (profile ca_constraint and the
// initca `ca` section), and every profile option k8s-pki implements:
// crl_url, ocsp_url, issuer_urls and their fallback to the default profile,
// policies, ocsp_no_check, backdate, not_before/not_after, name_whitelist,
// copy_extensions, CSRWhitelist, -crl. cfssl's output is the expectation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificatePem } from "@k8s/pki";
import { errorJson, outputJson } from "../helpers/exec.js";
import { opensslVerify } from "../helpers/compare.js";
import { expectSameIssuance, Workspace } from "../helpers/workspace.js";

// Every usage string cfssl's config knows (config.KeyUsage and config.ExtKeyUsage).
const USAGES = [
  "signing",
  "digital signature",
  "content commitment",
  "key encipherment",
  "key agreement",
  "data encipherment",
  "cert sign",
  "crl sign",
  "encipher only",
  "decipher only",
  "any",
  "server auth",
  "client auth",
  "code signing",
  "email protection",
  "s/mime",
  "ipsec end system",
  "ipsec tunnel",
  "ipsec user",
  "timestamping",
  "ocsp signing",
  "microsoft sgc",
  "netscape sgc",
];

const LEAF = { CN: "leaf.example.com", hosts: ["leaf.example.com", "10.0.0.1"], names: [{ C: "US", O: "Example" }] };

let ws: Workspace;
beforeAll(async () => {
  ws = new Workspace();
  await ws.cfsslCa("ca", { CN: "Profiles Root", key: { algo: "ecdsa", size: 256 }, names: [{ C: "US", O: "Example" }], ca: { pathlen: 2 } });
  // A leaf CSR made by cfssl, signed by both programs for the usage table.
  const made = outputJson((await ws.both(["genkey"], LEAF)).cfssl);
  ws.write("leaf.csr", made.csr!);
});
afterAll(() => ws.cleanup());

const sign = (args: string[], csr = "leaf.csr") => ws.both(["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", ...args, csr]);

describe("usages", () => {
  beforeAll(() => {
    const profiles: Record<string, object> = {};
    USAGES.forEach((u, i) => (profiles[`u${i}`] = { usages: [u], expiry: "1h" }));
    profiles.all = { usages: USAGES, expiry: "2h" };
    profiles.reversed = { usages: [...USAGES].reverse(), expiry: "2h" };
    // Duplicates and unknown strings: cfssl keeps duplicate EKUs and drops unknown ones.
    profiles.mixed = { usages: ["server auth", "Server Auth", "bogus", "client auth", "server auth", "s/mime", "email protection", "signing", "digital signature"], expiry: "3h" };
    ws.write("usages.json", { signing: { default: { expiry: "168h", usages: ["signing"] }, profiles } });
  });

  it.each(USAGES.map((u, i) => ({ u, i })))("profile with only '$u'", async ({ i }) => {
    await expectSameIssuance(ws, await sign(["-config", "usages.json", "-profile", `u${i}`]), { sameIssuer: true });
  });

  it.each(["all", "reversed", "mixed"])("profile '%s': KU bits, EKU order and duplicates", async (p) => {
    await expectSameIssuance(ws, await sign(["-config", "usages.json", "-profile", p]), { sameIssuer: true });
  });

  it("an unknown -profile falls back to the default profile", async () => {
    const r = await sign(["-config", "usages.json", "-profile", "no-such-profile"]);
    const { ours } = await expectSameIssuance(ws, r, { sameIssuer: true });
    expect(parseCertificatePem(ours.cert!).notAfter.getTime() - parseCertificatePem(ours.cert!).notBefore.getTime()).toBe(168 * 3600_000);
  });

  it("no -config: cfssl's DefaultConfig (signing, key encipherment, server auth, client auth; 8760h)", async () => {
    await expectSameIssuance(ws, await sign([]), { sameIssuer: true });
  });
});

describe("CA constraints", () => {
  beforeAll(() => {
    ws.write("ca-profiles.json", {
      signing: {
        default: { expiry: "8760h", usages: ["signing", "key encipherment", "server auth"] },
        profiles: {
          pl0: { usages: ["cert sign", "crl sign"], expiry: "24h", ca_constraint: { is_ca: true, max_path_len: 0 } },
          pl0z: { usages: ["cert sign", "crl sign"], expiry: "24h", ca_constraint: { is_ca: true, max_path_len: 0, max_path_len_zero: true } },
          pl1: { usages: ["cert sign", "crl sign"], expiry: "24h", ca_constraint: { is_ca: true, max_path_len: 1 } },
          pl2: { usages: ["cert sign", "crl sign", "server auth"], expiry: "24h", ca_constraint: { is_ca: true, max_path_len: 2 } },
          notca: { usages: ["cert sign"], expiry: "24h", ca_constraint: { is_ca: false, max_path_len: 3 } },
        },
      },
    });
  });

  // A leaf CSR signed with an is_ca profile becomes a CA (no checks), and
  // loses its DNS SANs but keeps IP SANs (cfssl issue #1276).
  it.each(["pl0", "pl0z", "pl1", "pl2", "notca"])("leaf CSR signed with profile %s", async (p) => {
    await expectSameIssuance(ws, await sign(["-config", "ca-profiles.json", "-profile", p]), { sameIssuer: true });
  });

  // initca's `ca` section: pathlen, pathlenzero, expiry, backdate; CN not in SANs; only IP SANs on a root.
  it.each([
    { name: "no ca section", ca: undefined },
    { name: "pathlen 0", ca: { pathlen: 0 } },
    { name: "pathlen 1", ca: { pathlen: 1 } },
    { name: "pathlenzero", ca: { pathlen: 0, pathlenzero: true } },
    { name: "pathlen 2 + pathlenzero (ignored)", ca: { pathlen: 2, pathlenzero: true } },
    { name: "expiry and backdate", ca: { expiry: "100h", backdate: "1h" } },
    { name: "expiry 1.5h", ca: { expiry: "1h30m" } },
    { name: "delegation_enabled drops the CSR's basicConstraints", ca: { pathlen: 1 }, extra: { delegation_enabled: true } },
    { name: "DNS hosts only: no SAN on the root", ca: { pathlen: 1 }, extra: { hosts: ["only-dns.example.com"] } },
  ])("initca: $name", async ({ ca, extra }) => {
    const req = { CN: "Root", hosts: ["root.example.com", "10.0.0.53", "ops@example.com", "spiffe://root"], names: [{ C: "US", O: "Example" }], ca, crl_url: "http://crl.example.com/root.crl", ...extra };
    await expectSameIssuance(ws, await ws.both(["gencert", "-initca"], req));
  });

  describe("intermediate CA CSRs", () => {
    beforeAll(async () => {
      // CA CSRs made by cfssl's initca: with pathlen 0 (flagged), 1, 2, and none.
      for (const [name, ca] of [
        ["int0", { pathlen: 0, pathlenzero: true }],
        ["int1", { pathlen: 1 }],
        ["int2", { pathlen: 2 }],
        ["intnone", { expiry: "10h" }],
      ] as const) {
        await ws.cfsslCa(name, { CN: `Intermediate ${name}`, names: [{ O: "Example" }], ca });
      }
      await ws.cfsslCa("rootz", { CN: "Root pathlen zero", ca: { pathlen: 0, pathlenzero: true } });
    });

    it.each([
      { csr: "int0.csr", profile: "pl0z" },
      { csr: "int1.csr", profile: "pl1" },
      { csr: "intnone.csr", profile: "pl1" },
      { csr: "int0.csr", profile: "pl2" }, // the issued pathlen comes from the profile, not the CSR
    ])("root pathlen 2 signs $csr with $profile", async ({ csr, profile }) => {
      const r = await sign(["-config", "ca-profiles.json", "-profile", profile], csr);
      const { ours } = await expectSameIssuance(ws, r, { sameIssuer: true });
      ws.write(`ours-${csr}.pem`, ours.cert!);
      await opensslVerify(ws.dir, "ca.pem", `ours-${csr}.pem`);
    });

    it.each([
      { why: "CA CSR with a non-CA profile", args: ["-config", "ca-profiles.json", "-profile", "notca"], csr: "int1.csr", ca: "ca" },
      { why: "CA CSR with the default profile", args: [], csr: "int1.csr", ca: "ca" },
      { why: "CSR pathlen == the CA's", args: ["-config", "ca-profiles.json", "-profile", "pl2"], csr: "int2.csr", ca: "ca" },
      { why: "CA with pathlen 0 signs a CA CSR", args: ["-config", "ca-profiles.json", "-profile", "pl0"], csr: "intnone.csr", ca: "rootz" },
    ])("5300 like cfssl: $why", async ({ args, csr, ca }) => {
      const r = await ws.both(["sign", "-ca", `${ca}.pem`, "-ca-key", `${ca}-key.pem`, ...args, csr]);
      expect(r.cfssl.code).toBe(1);
      expect(errorJson(r.cfssl.stderr)?.code).toBe(5300);
      expect(r.ours.code).toBe(r.cfssl.code);
      expect(errorJson(r.ours.stderr)).toEqual(errorJson(r.cfssl.stderr));
      expect(r.ours.stdout).toBe("");
    });

    it("a three-level chain built by k8s-pki from cfssl's intermediate verifies", async () => {
      // Sign int1 with the root (pathlen 2), then a leaf with the intermediate.
      const r = await sign(["-config", "ca-profiles.json", "-profile", "pl1"], "int1.csr");
      ws.write("chain-int.pem", outputJson(r.ours).cert!);
      const leaf = await ws.both(["gencert", "-ca", "chain-int.pem", "-ca-key", "int1-key.pem"], { CN: "deep.example.com", hosts: ["deep.example.com"] });
      const { ours, cfssl } = await expectSameIssuance(ws, leaf, { sameIssuer: true });
      ws.write("chain-leaf-ours.pem", ours.cert!);
      ws.write("chain-leaf-cfssl.pem", cfssl.cert!);
      await opensslVerify(ws.dir, "ca.pem", "chain-leaf-ours.pem", "chain-int.pem");
      await opensslVerify(ws.dir, "ca.pem", "chain-leaf-cfssl.pem", "chain-int.pem");
    });
  });
});

describe("profile options", () => {
  beforeAll(() => {
    ws.write("features.json", {
      signing: {
        default: {
          expiry: "720h",
          usages: ["signing", "key encipherment", "server auth"],
          crl_url: "http://crl.example.com/default.crl",
          ocsp_url: "http://ocsp.example.com/default",
          issuer_urls: ["http://pki.example.com/default.pem"],
        },
        profiles: {
          inherit: { usages: ["server auth"], expiry: "1h" },
          zeroexpiry: { usages: ["server auth"], expiry: "0s" },
          own: {
            usages: ["client auth"],
            expiry: "48h",
            crl_url: "http://crl.example.com/own.crl",
            ocsp_url: "http://ocsp.example.com/own",
            issuer_urls: ["http://pki.example.com/a.pem", "http://pki.example.com/b.pem"],
          },
          emptyissuers: { usages: ["client auth"], expiry: "48h", issuer_urls: [] },
          policies: {
            usages: ["server auth"],
            expiry: "48h",
            policies: [
              { ID: "2.23.140.1.2.1" },
              { ID: "1.3.6.1.4.1.44947.1.1.1", Qualifiers: [{ Type: "id-qt-cps", Value: "http://cps.example.com" }, { Type: "id-qt-unotice", Value: "Notice: ümlaut & co" }] },
            ],
          },
          nocheck: { usages: ["ocsp signing"], expiry: "48h", ocsp_no_check: true },
          backdate: { usages: ["server auth"], expiry: "10h", backdate: "1h30m" },
          fixed: { usages: ["server auth"], expiry: "10h", not_before: "2030-01-02T03:04:05Z", not_after: "2031-06-07T08:09:10Z" },
          fixedstart: { usages: ["server auth"], expiry: "10h", not_before: "2049-12-31T20:00:00Z" },
          year2050: { usages: ["server auth"], expiry: "10h", not_before: "2050-01-01T00:00:00Z", not_after: "2051-01-01T00:00:00Z" },
          whitelist: { usages: ["server auth"], expiry: "10h", name_whitelist: "example\\.com$" },
          copy: { usages: ["server auth"], expiry: "10h", copy_extensions: true },
          csrwl: { usages: ["server auth"], expiry: "10h", CSRWhitelist: { Subject: true, PublicKeyAlgorithm: true, PublicKey: true, DNSNames: true } },
          casefold: { USAGES: ["Server Auth", "client auth"], EXPIRY: "5h", Crl_Url: "http://crl.example.com/case.crl" },
        },
      },
    });
  });

  it.each(["inherit", "zeroexpiry", "own", "emptyissuers", "policies", "nocheck", "backdate", "fixed", "fixedstart", "year2050", "whitelist", "casefold"])(
    "gencert with profile %s",
    async (p) => {
      const r = await ws.both(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "features.json", "-profile", p], LEAF);
      await expectSameIssuance(ws, r, { sameIssuer: true });
    },
  );

  it("fixed not_before/not_after are used exactly", async () => {
    const r = await ws.both(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "features.json", "-profile", "fixed"], LEAF);
    for (const out of [outputJson(r.cfssl), outputJson(r.ours)]) {
      const c = parseCertificatePem(out.cert!);
      expect(c.notBefore.toISOString()).toBe("2030-01-02T03:04:05.000Z");
      expect(c.notAfter.toISOString()).toBe("2031-06-07T08:09:10.000Z");
    }
  });

  it("-crl overrides the CRL distribution point", async () => {
    const r = await ws.both(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "features.json", "-profile", "own", "-crl", "http://override.example.com/x.crl"], LEAF);
    await expectSameIssuance(ws, r, { sameIssuer: true });
  });

  it("copy_extensions copies CSR extensions (a custom one, and the SAN over -hostname)", async () => {
    const req = { ...LEAF, extensions: [{ Id: [1, 3, 6, 1, 4, 1, 99999, 1], Critical: false, Value: Buffer.from([0x0c, 0x02, 0x68, 0x69]).toString("base64") }] };
    for (const p of ["copy", "inherit"]) {
      const r = await ws.both(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "features.json", "-profile", p], req);
      await expectSameIssuance(ws, r, { sameIssuer: true });
    }
    const r = await ws.both(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "features.json", "-profile", "copy", "-hostname", "other.example.com"], req);
    await expectSameIssuance(ws, r, { sameIssuer: true });
  });

  it("delegation_enabled: the delegation extension is always copied", async () => {
    const r = await ws.both(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "features.json", "-profile", "inherit"], { ...LEAF, delegation_enabled: true });
    await expectSameIssuance(ws, r, { sameIssuer: true });
  });

  it("CSRWhitelist copies only the listed fields (IP SANs dropped here)", async () => {
    const r = await sign(["-config", "features.json", "-profile", "csrwl"]);
    await expectSameIssuance(ws, r, { sameIssuer: true });
  });

  it("name_whitelist mismatch: 5500 like cfssl", async () => {
    const r = await ws.both(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "features.json", "-profile", "whitelist", "-hostname", "evil.example.org"], LEAF);
    expect(errorJson(r.cfssl.stderr)?.code).toBe(5500);
    expect(errorJson(r.ours.stderr)).toEqual(errorJson(r.cfssl.stderr));
    expect(r.ours.code).toBe(r.cfssl.code);
  });
});

describe("name_whitelist is a Go (RE2) regexp", () => {
  // Each pattern is checked against the CN leaf.example.com and the SANs leaf.example.com (DNS) and 10.0.0.1 (IP, not checked).
  const PATTERNS = [
    "example\\.com$",
    "^leaf\\.example\\.com$",
    "\\.example\\.org$",
    "(?i)^LEAF\\.EXAMPLE\\.COM$",
    "(?is)LEAF.EXAMPLE",
    "^(?P<host>[a-z]+)\\.example\\.com$",
    "^(?<host>[a-z]+)\\.example\\.com$",
    "\\Aleaf\\.example\\.com\\z",
    "^[[:alpha:]]+\\.[[:lower:]]+\\.com$",
    "^\\pL+\\.\\p{L}+\\.\\p{Latin}+$",
    "^\\Qleaf.example.com\\E$",
    "^leaf\\.example\\-?\\.?com$",
    "\\bexample\\b",
    "^[]a-z.]+$",
    "^[^]0-9]+$",
    "a{,3}|example",
    "^.{1,1000}$",
    "x{1001}",
    "(?=leaf)",
    "(?!leaf)",
    "(leaf)\\1",
    "\\k<x>",
    "[a-z",
    "(",
    "\\x{6c}eaf",
    "^\\x6ceaf",
    "le\\Daf",
  ];

  it.each(PATTERNS)("%s", async (pattern) => {
    const cfg = ws.write(ws.fresh("-wl.json"), { signing: { default: { expiry: "1h", usages: ["server auth"], name_whitelist: pattern } } });
    const r = await ws.both(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", cfg], LEAF);
    expect(r.ours.code, r.cfssl.stderr + r.ours.stderr).toBe(r.cfssl.code);
    if (r.cfssl.code === 0) await expectSameIssuance(ws, r, { sameIssuer: true });
    else expect(r.ours.stderr.trimEnd().split("\n").at(-1)).toBe(r.cfssl.stderr.trimEnd().split("\n").at(-1));
  });

  // Deliberate deviation: Go constructs with no JavaScript equivalent are refused (5200) rather than given another meaning.
  it.each(["(?U)a+", "leaf(?i:EXAMPLE)", "[[:^digit:]]"])("%s: valid in Go, refused by k8s-pki", async (pattern) => {
    const cfg = ws.write(ws.fresh("-wl.json"), { signing: { default: { expiry: "1h", usages: ["server auth"], name_whitelist: pattern } } });
    const r = await ws.both(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", cfg], LEAF);
    expect(r.cfssl.stderr).not.toContain("failed to compile name whitelist section");
    expect(r.ours.code).toBe(1);
    expect(r.ours.stderr).toContain('Failed to load config file: {"code":5200,"message":"failed to compile name whitelist section"}');
  });
});

