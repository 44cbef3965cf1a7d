// A seeded, randomized differential comparison of k8s-pki with the real cfssl
// 1.6.5 (issue 13). scenario(seed, index) is a pure function of its two numbers:
// CSR JSON, a ca-config.json, a subject file and one cfssl command line
// (gencert -initca, gencert -ca, gencert -renewca, sign, genkey, gencsr,
// selfsign, certinfo), optionally followed by `json -bare`. runScenario() runs it
// through cfssl (+ cfssljson) and through the built k8s-pki in temp folders in
// the same run and compares the exit status, the error JSON (code and message)
// and, on success, the certificates, CSRs and keys structurally (compare.ts:
// keys, serials and signatures are random) and the files `json -bare` writes
// (names, modes, PEM types). Used by test/pki/cfssl-random.test.ts (a fixed
// seed) and scripts/cfssl-differential.sh (any seed, longer runs).
//
// Accepted here because README's "Deliberate differences" says so:
// Ed25519 keys labelled `PRIVATE KEY` (cfssl: `Ed25519 PRIVATE KEY`); where
// cfssl panics, k8s-pki exits 1 with a JSON error; `certinfo -csr` prints a
// subset of Go's struct (the fields it prints must equal cfssl's). The generator
// stays away from the other deliberate differences (remote signing, zlint,
// RE2-only regexp features, several JSON type errors in one config).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { decodePemBlocks, parseCertificatePem } from "@k8s/pki";
import { certShape, csrShape, keyShape } from "./compare.js";
import { cfssl, cfssljson, errorJson, k8sPki, run, type RunResult } from "./exec.js";

// ---------------------------------------------------------------------------
// PRNG

/** sfc32 seeded from (seed, index) through splitmix32, so each scenario stands alone. */
export function rng(seed: number, index: number): Rng {
  let s = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index >>> 0, 0x85ebca6b) ^ 0x2545f491) >>> 0;
  const mix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  let a = mix(), b = mix(), c = mix(), d = mix();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  return new Rng(next);
}

export class Rng {
  constructor(readonly float: () => number) {}
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  /** Up to max distinct picks, in random order. */
  some<T>(xs: readonly T[], max: number): T[] {
    const pool = [...xs];
    const out: T[] = [];
    const n = this.int(max + 1);
    for (let i = 0; i < n && pool.length; i++) out.push(pool.splice(this.int(pool.length), 1)[0]!);
    return out;
  }
}

// ---------------------------------------------------------------------------
// JSON with raw tokens (256.0, duplicate keys) that JSON.stringify cannot write

const RAW = "\u0000raw:";
/** A value written verbatim into the JSON text (e.g. `256.0`). */
export const raw = (text: string): string => `${RAW}${text}`;
const DUP = "\u0000dup:";
/** An object key written as `name` although the object holds `name` too: a repeated key in the JSON text. */
export const dup = (name: string): string => `${DUP}${name}`;
export function toJson(v: unknown): string {
  return JSON.stringify(v, null, 2)
    .replace(/"\\u0000raw:((?:[^"\\]|\\.)*)"/g, (_m, t: string) => JSON.parse(`"${t}"`) as string)
    .replace(/"\\u0000dup:((?:[^"\\]|\\.)*)":/g, '"$1":');
}

/** Puts an earlier occurrence of key `k` (value `earlier`) in front of the object's own: Go decodes both, in order. */
function withEarlier(o: Json, k: string, earlier: unknown): Json {
  return { [dup(k)]: earlier, ...o };
}

// ---------------------------------------------------------------------------
// Generators

const DNS = ["example.com", "a.example.com", "*.example.com", "localhost", "worker-1", "kubernetes.default.svc.cluster.local", "UPPER.Example.COM", "xn--bcher-kva.example", "a_b.example.com", "trailing.dot.example.com.", "x", "-lead.example.com"];
const DNS_ODD = ["bücher.example", "中文.example", "a b.example", ""];
const IPV4 = ["10.0.0.1", "127.0.0.1", "0.0.0.0", "255.255.255.255", "192.168.1.254", "010.0.0.1", "256.1.1.1", "1.2.3"];
const IPV6 = ["::1", "fe80::1", "2001:db8::1", "::ffff:10.0.0.1", "2001:DB8:0:0:0:0:0:1", "::", "[::1]", "fe80::1%eth0"];
const EMAIL = ["me@example.com", "ops+tag@example.org", "a@b", "@example.com", "user@", "üser@example.com", "x@[10.0.0.1]"];
const URI = [
  "spiffe://cluster.local/ns/default/sa/default",
  "https://example.com/path",
  "https://example.com:8443/p?q=1#frag",
  "urn:ietf:params:oauth",
  "http://[::1]:8080/",
  "file:///etc/hosts",
  "ldap://ldap.example.com/cn=x,dc=example",
  "custom-scheme://host",
  "spiffe://trust.domain/workload-1",
];
const URI_ODD = ["https://üñí.example/", "HTTPS://Example.COM/a%20b", "https://example.com/a b", "Spiffe://Cluster.Local/X", "https://example.com/%7Euser", "http://ex%41mple.com/", "https://example.com/ü", "mailto:x@example.com", "https://[fe80::1]/", "http://example.com:99999/"];

const ASCII = ["Example", "Example Inc", "system:masters", "system:nodes", "Platform", "O'Reilly (UK), Ltd.", "a.b-c", "A&B", "x*y", "under_score", "semi;colon", "CN=foo, O=bar", "  spaced  ", "tab\there", 'quote"d', "back\\slash"];
const UNICODE = ["ünïcödé", "日本語", "Zürich", "emoji 🙂", "Ελληνικά", "\u00e9t\u00e9", "ﬁ ligature", "a\u0000nul"];
const COUNTRIES = ["US", "DE", "GB", "CN", "FR", "XX", "usa", "", "Ü"];

function value(r: Rng): string {
  const x = r.float();
  if (x < 0.6) return r.pick(ASCII);
  if (x < 0.85) return r.pick(UNICODE);
  if (x < 0.93) return "";
  return "v".repeat(1 + r.int(200));
}

/** A key name in cfssl's case-insensitive spelling variants. */
function key(r: Rng, k: string): string {
  if (!r.chance(0.12)) return k;
  return r.pick([k.toLowerCase(), k.toUpperCase(), k[0]!.toUpperCase() + k.slice(1).toLowerCase()]);
}

export function host(r: Rng): string {
  const x = r.float();
  if (x < 0.3) return r.pick(DNS);
  if (x < 0.36) return r.pick(DNS_ODD);
  if (x < 0.5) return r.pick(IPV4);
  if (x < 0.62) return r.pick(IPV6);
  if (x < 0.74) return r.pick(EMAIL);
  if (x < 0.9) return r.pick(URI);
  return r.pick(URI_ODD);
}

function hosts(r: Rng, max = 5): string[] {
  const n = r.int(max + 1);
  return Array.from({ length: n }, () => host(r));
}

function nameEntry(r: Rng, wild: boolean): Record<string, unknown> {
  const e: Record<string, unknown> = {};
  if (r.chance(0.5)) e[key(r, "C")] = r.pick(COUNTRIES);
  if (r.chance(0.3)) e[key(r, "ST")] = value(r);
  if (r.chance(0.3)) e[key(r, "L")] = value(r);
  if (r.chance(0.6)) e[key(r, "O")] = value(r);
  if (r.chance(0.4)) e[key(r, "OU")] = value(r);
  if (r.chance(0.1)) e.E = r.pick(EMAIL);
  if (r.chance(0.1)) e.SerialNumber = "ignored";
  if (r.chance(0.12)) {
    const oid = r.pick(["1.2.3.4.5", "2.5.4.12", "1.3.6.1.4.1.311.60.2.1.3", "2.5.4.5", "1.2.840.113549.1.9.1", ...(wild ? ["1.2.x", "abc", "1", "2.999999999999999999999"] : [])]);
    e.OID = { [oid]: value(r) };
  }
  if (wild && r.chance(0.04)) e.O = r.pick<unknown>([5, ["a"], null, true]);
  return e;
}

type Json = Record<string, unknown>;

const RSA_SIZES = [2048, 2048, 2048, 3072, 4096, 1024, 512, 8200, 0];
const EC_SIZES = [256, 256, 384, 521, 224, 0];

function keyRequest(r: Rng, wild: boolean): Json | undefined {
  const x = r.float();
  if (x < 0.35) return undefined;
  if (x < 0.65) return { algo: "ecdsa", size: r.pick(wild ? EC_SIZES : [256, 384, 521]) };
  if (x < 0.75) return { algo: "rsa", size: r.pick(wild ? RSA_SIZES : [2048, 2048, 3072]) };
  if (x < 0.85) return { algo: "ed25519" };
  if (!wild) return { algo: "ecdsa", size: 256 };
  return r.pick<Json>([
    { algo: "rsa" },
    { algo: "dsa", size: 2048 },
    { algo: "RSA", size: 2048 },
    { algo: "ecdsa", size: "256" },
    { algo: "ecdsa", size: raw("256.0") },
    { algo: "ecdsa", size: raw("2.56e2") },
    { algo: "ecdsa" },
    { size: 256 },
    { algo: "ed25519", size: 256 },
    { algo: "", size: 0 },
  ]);
}

const EXPIRIES = ["8760h", "1h30m", "90m", "2h45m30s", "43800h", "1h", "87600h", "1.5h", "3600s", "1h0m0.5s"];
const BAD_EXPIRIES = ["0s", "365d", "bogus", "", "-1h", "1 h", "5"];

function caBlock(r: Rng, wild: boolean): Json {
  const ca: Json = {};
  if (r.chance(0.6)) ca.expiry = wild && r.chance(0.15) ? r.pick(BAD_EXPIRIES) : r.pick(EXPIRIES);
  if (r.chance(0.5)) ca.pathlen = r.pick([0, 1, 2, 5, -1]);
  if (r.chance(0.3)) ca.pathlenzero = r.chance(0.5);
  if (wild && r.chance(0.04)) ca.pathlen = r.pick<unknown>(["1", raw("1.0")]);
  return ca;
}

/** CSR JSON. `wild` adds what cfssl refuses (bad keys, wrong types, bad OIDs). */
export function csrJson(r: Rng, opts: { wild: boolean; ca: boolean; prep?: boolean }): string {
  const o: Json = {};
  const w = opts.wild;
  if (r.chance(0.85)) o[key(r, "CN")] = r.pick(["example.com", "worker-1", "system:node:worker-1", "admin", "Kubernetes CA", "ünïcödé CA", "*.example.com", "", "A&B", "x".repeat(70)]);
  if (r.chance(0.7)) o[key(r, "names")] = Array.from({ length: 1 + r.int(3) }, () => nameEntry(r, w));
  // For a preparation (which cfssl must accept), no host cfssl panics on (non-ASCII DNS names and emails).
  if (r.chance(0.7)) o[key(r, "hosts")] = opts.prep ? hosts(r).filter((h) => /^[\x20-\x7e]*$/.test(h) || h.includes("://")) : hosts(r);
  const k = keyRequest(r, w);
  if (k) o[key(r, "key")] = k;
  if (opts.ca && r.chance(0.6)) o.ca = caBlock(r, w);
  if (r.chance(0.08)) o.serialnumber = r.pick(["SN-0001", "12345", "ü"]);
  if (w && r.chance(0.06)) {
    const t = r.pick(["CN", "names", "hosts", "key"]);
    o[t] = r.pick<unknown>([5, "str", {}, [1], null]);
  }
  if (w && r.chance(0.05)) {
    // A repeated key: Go decodes both occurrences in order, merging objects and slice elements.
    const t = r.pick(["CN", "key", "names", "hosts"]);
    const earlier: Record<string, unknown> = { CN: r.pick([5, "earlier"]), key: r.pick([{ algo: "rsa" }, { size: 2048 }, { size: "x" }]), names: [{ O: "earlier", OU: "kept" }, { C: "DE" }], hosts: ["earlier.example", 5] };
    return toJson({ [dup(t)]: earlier[t], ...o });
  }
  return toJson(o);
}

const USAGES = [
  "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment", "cert sign",
  "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing", "email protection",
  "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc",
];
const URLS = ["http://ocsp.example.com", "http://crl.example.com/ca.crl", "https://issuer.example.com/ca.pem", "ldap://ldap.example.com/cn=ca", "http://example.com/a b", "http://üñí.example/ca.crl", "http://中文.example/x", "http://example.com/ü"];

function profile(r: Rng, wild: boolean, typeErrorLeft: { n: number }): Json {
  const p: Json = {};
  p.expiry = wild && r.chance(0.06) ? r.pick(BAD_EXPIRIES) : r.pick(EXPIRIES);
  if (r.chance(0.92)) {
    p.usages = r.some(USAGES, 5);
    if ((p.usages as string[]).length === 0) p.usages = ["signing"];
    if (wild && r.chance(0.05)) (p.usages as string[]).push("BAD_USAGE");
  }
  if (r.chance(0.25)) {
    const c: Json = { is_ca: r.chance(0.7) };
    if (r.chance(0.6)) c.max_path_len = r.pick([0, 1, 2, -1]);
    if (r.chance(0.3)) c.max_path_len_zero = r.chance(0.5);
    p.ca_constraint = c;
  }
  if (r.chance(0.15)) p.ocsp_url = r.pick(URLS);
  if (r.chance(0.15)) p.crl_url = r.pick(URLS);
  if (r.chance(0.15)) p.issuer_urls = r.some(URLS, 2);
  if (r.chance(0.12)) {
    const q = r.pick<Json[]>([[], [{ type: "id-qt-cps", value: "http://cps.example.com" }], [{ type: "id-qt-unotice", value: "a notice" }], [{ type: "id-qt-cps", value: "http://a" }, { type: "id-qt-unotice", value: "ünïcödé" }]]);
    p.policies = [{ ID: r.pick(["1.2.3.4", "2.23.140.1.2.1", "1.3.6.1.4.1.99999.1"]), ...(q.length ? { Qualifiers: q } : {}) }];
  }
  if (r.chance(0.2)) p.copy_extensions = r.chance(0.7);
  if (r.chance(0.1)) p.name_whitelist = r.pick(["^.*\\.example\\.com$", "example", "^(a|b)\\.example\\.com$", ".*", "^$"]);
  if (r.chance(0.1)) p.backdate = r.pick(["1h", "30m", "0s", "10s"]);
  if (r.chance(0.05)) p.expiry = r.pick(["1h", "2h"]);
  if (r.chance(0.05)) p.not_before = r.pick(["2020-01-01T00:00:00Z", "2020-01-01T00:00:00+01:00", "2020-01-01T1:00:00Z", "2020-01-01T00:00:00,5Z"]);
  if (r.chance(0.04)) p.ignored_lints = r.pick([["e_basic_constraints_not_critical"], [" w_subject_common_name_included "], ["no_such_lint"]]);
  if (r.chance(0.04)) p.ignored_lint_sources = r.pick([["Mozilla"], [" CABF_BR"], ["RFC3279"], ["nope"]]);
  // Type errors (Go reports the first in the text; a later UnmarshalJSON error wins) and repeated keys.
  while (wild && typeErrorLeft.n > 0 && r.chance(0.05)) {
    typeErrorLeft.n--;
    const t = r.pick(["expiry", "usages", "ca_constraint", "ocsp_no_check", "copy_extensions", "not_after", "Policies", "Expiry", "backdate"]);
    const bad: Record<string, unknown> = {
      ca_constraint: { is_ca: "yes" },
      usages: "signing",
      ocsp_no_check: "x",
      copy_extensions: 1,
      not_after: "bogus",
      Policies: [{ ID: 5 }],
      Expiry: raw("1.5"),
    };
    p[t] = t in bad ? bad[t] : 5;
  }
  if (wild && r.chance(0.05)) {
    const t = r.pick(["expiry", "usages", "ca_constraint", "not_before"]);
    const earlier: Record<string, unknown> = { expiry: r.pick([5, "1h", "bogus"]), usages: r.pick([["server auth"], 5]), ca_constraint: { is_ca: true }, not_before: "2020-01-01T00:00:00Z" };
    return withEarlier(p, t, earlier[t]);
  }
  return p;
}

export const PROFILES = ["www", "client", "ca", "peer", "kubernetes"];

export function caConfig(r: Rng, wild: boolean): string {
  const typeErrorLeft = { n: 2 };
  const profiles: Json = {};
  for (const name of r.some(PROFILES, 3)) profiles[name] = profile(r, wild, typeErrorLeft);
  const signing: Json = { default: profile(r, wild, typeErrorLeft) };
  if (r.chance(0.1)) delete (signing.default as Json).usages;
  if (Object.keys(profiles).length || r.chance(0.5)) signing.profiles = profiles;
  return toJson({ signing });
}

// ---------------------------------------------------------------------------
// Scenarios

/** CA material made once per run (by cfssl) and copied into each scenario's folder. */
export const SHARED = ["ca.pem", "ca-key.pem", "rsa-ca.pem", "rsa-ca-key.pem", "enc-ca-key.pem", "leaf.pem", "leaf-key.pem"] as const;

export interface Scenario {
  seed: number;
  index: number;
  /** Files written into the scenario's folder (besides SHARED). */
  files: Record<string, string>;
  /** cfssl commands run first (cfssl only) whose JSON output is written as files: the CSR to sign, a key, a cert. */
  prep: { args: string[]; write: Record<string, "cert" | "csr" | "key"> }[];
  /** The command both programs run. */
  args: string[];
  /** Pipe a successful stdout through `json -bare out`. */
  bare: boolean;
}

const CAS: [string, string][] = [["ca.pem", "ca-key.pem"], ["ca.pem", "ca-key.pem"], ["rsa-ca.pem", "rsa-ca-key.pem"], ["ca.pem", "enc-ca-key.pem"], ["leaf.pem", "leaf-key.pem"], ["ca.pem", "rsa-ca-key.pem"]];

function caFlags(r: Rng): string[] {
  const x = r.float();
  const [c, k] = x < 0.85 ? CAS[r.int(3)]! : r.pick(CAS.slice(3));
  return ["-ca", c, "-ca-key", k];
}

function configFlags(r: Rng, files: Record<string, string>, wild: boolean): string[] {
  if (!r.chance(0.7)) return [];
  files["ca-config.json"] = caConfig(r, wild);
  const out = ["-config", "ca-config.json"];
  if (r.chance(0.65)) out.push("-profile", r.chance(0.92) ? r.pick(PROFILES) : "nosuch");
  return out;
}

function hostnameFlag(r: Rng, p = 0.2): string[] {
  if (!r.chance(p)) return [];
  return ["-hostname", hosts(r, 3).join(",")];
}

/** The scenario with this seed and index (deterministic). */
export function scenario(seed: number, index: number): Scenario {
  const r = rng(seed, index);
  const wild = r.chance(0.3);
  const files: Record<string, string> = {};
  const prep: Scenario["prep"] = [];
  let args: string[];
  const cmd = r.pick(["initca", "initca", "gencert", "gencert", "gencert", "gencert", "sign", "sign", "sign", "genkey", "gencsr", "selfsign", "certinfo", "renewca"]);
  switch (cmd) {
    case "initca": {
      files["csr.json"] = csrJson(r, { wild, ca: true });
      args = ["gencert", "-initca"];
      if (r.chance(0.15)) args.push("-ca-key", r.pick(["ca-key.pem", "rsa-ca-key.pem"]));
      if (r.chance(0.1)) args.push(...configFlags(r, files, wild));
      args.push("csr.json");
      break;
    }
    case "gencert": {
      files["csr.json"] = csrJson(r, { wild, ca: r.chance(0.05) });
      args = ["gencert", ...caFlags(r), ...configFlags(r, files, wild), ...hostnameFlag(r, 0.15)];
      if (r.chance(0.05)) args.push("-cn", r.pick(["new.example.com", "ünï"]));
      args.push("csr.json");
      break;
    }
    case "sign": {
      files["req.json"] = csrJson(r, { wild: false, ca: false, prep: true });
      prep.push({ args: ["genkey", r.chance(0.1) ? "-initca" : "", "req.json"].filter(Boolean), write: { "req.csr": "csr" } });
      args = ["sign", ...caFlags(r), ...configFlags(r, files, wild), ...hostnameFlag(r, 0.35), "req.csr"];
      if (r.chance(0.2)) {
        files["subject.json"] = csrJson(r, { wild, ca: false });
        args.push("subject.json");
      }
      break;
    }
    case "genkey": {
      files["csr.json"] = csrJson(r, { wild, ca: true });
      args = ["genkey", ...(r.chance(0.3) ? ["-initca"] : []), "csr.json"];
      break;
    }
    case "gencsr": {
      files["key.json"] = toJson({ CN: "k", key: r.pick([{ algo: "ecdsa", size: 256 }, { algo: "rsa", size: 2048 }, { algo: "ed25519" }, { algo: "ecdsa", size: 384 }]) });
      prep.push({ args: ["genkey", "key.json"], write: { "key.pem": "key" } });
      files["csr.json"] = csrJson(r, { wild, ca: false });
      args = ["gencsr", "-key", "key.pem", ...(r.chance(0.2) ? ["-host", hosts(r, 2).join(",")] : []), "csr.json"];
      if (r.chance(0.1)) args.splice(-1, 1, "-cert", "ca.pem");
      break;
    }
    case "selfsign": {
      files["csr.json"] = csrJson(r, { wild, ca: false });
      args = ["selfsign", ...configFlags(r, files, wild), r.pick(["ignored", "h.example.com"]), "csr.json"];
      break;
    }
    case "certinfo": {
      const ca = r.chance(0.3);
      files["req.json"] = csrJson(r, { wild: false, ca, prep: true });
      if (ca) {
        prep.push({ args: ["gencert", "-initca", "req.json"], write: { "cert.pem": "cert" } });
        args = ["certinfo", "-cert", "cert.pem"];
      } else if (r.chance(0.6)) {
        const [c, k] = CAS[r.int(3)]!;
        const cfg = configFlags(r, files, false);
        prep.push({ args: ["gencert", "-ca", c, "-ca-key", k, ...cfg, "req.json"], write: { "cert.pem": "cert" } });
        args = ["certinfo", "-cert", "cert.pem"];
      } else {
        prep.push({ args: ["genkey", "req.json"], write: { "req.csr": "csr" } });
        args = ["certinfo", "-csr", "req.csr"];
      }
      break;
    }
    default: {
      // renewca: the CA's own key and certificate, a leaf, or mismatched ones
      args = ["gencert", "-renewca", ...caFlags(r), ...(r.chance(0.15) ? configFlags(r, files, wild) : [])];
      break;
    }
  }
  const bare = args[0] !== "certinfo" && r.chance(0.6);
  return { seed, index, files, prep, args, bare };
}

/** How a scenario reads in a report: enough to reproduce it by hand. */
export function describeScenario(s: Scenario): string {
  const lines = [`seed ${s.seed} index ${s.index}: scripts/cfssl-differential.sh show ${s.seed} ${s.index}`];
  for (const p of s.prep) lines.push(`  prep (cfssl): cfssl ${p.args.join(" ")}  → ${Object.entries(p.write).map(([f, k]) => `${f} (.${k})`).join(", ")}`);
  lines.push(`  command: ${s.args.map(shellQuote).join(" ")}${s.bare ? " | json -bare out" : ""}`);
  for (const [name, text] of Object.entries(s.files)) lines.push(`  ${name}: ${text.replace(/\s*\n\s*/g, " ")}`);
  return lines.join("\n");
}

const shellQuote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);

// ---------------------------------------------------------------------------
// Running and comparing

export interface Side {
  code: number;
  stdout: string;
  stderr: string;
  bare?: { code: number; stderr: string; files: Record<string, { mode: string; pem: string[] }> };
}

export interface Difference {
  scenario: Scenario;
  /** exit | error-code | error-message | output | bare */
  kind: string;
  detail: string;
  cfssl: Side;
  ours: Side;
}

export type Outcome =
  | { result: "both-succeed" }
  | { result: "both-fail"; code: number | string }
  | { result: "prep-failed"; detail: string }
  | { result: "difference"; difference: Difference };

/** Makes the shared CA material with the real cfssl (and openssl for the encrypted PKCS#8 key) into dir. */
export async function prepareShared(dir: string): Promise<void> {
  const mk = async (name: string, args: string[], req: object): Promise<void> => {
    writeFileSync(join(dir, `${name}-csr.json`), JSON.stringify(req));
    const r = await cfssl([...args, `${name}-csr.json`], { cwd: dir });
    if (r.code !== 0) throw new Error(`cfssl ${args.join(" ")} failed: ${r.stderr}`);
    const o = JSON.parse(r.stdout) as Record<string, string>;
    writeFileSync(join(dir, `${name}.pem`), o.cert!);
    writeFileSync(join(dir, `${name}-key.pem`), o.key!);
  };
  await mk("ca", ["gencert", "-initca"], { CN: "Random Root", names: [{ C: "US", O: "Example" }], ca: { pathlen: 2, expiry: "87600h" } });
  await mk("rsa-ca", ["gencert", "-initca"], { CN: "Random RSA Root", key: { algo: "rsa", size: 2048 }, names: [{ O: "Example RSA" }] });
  await mk("leaf", ["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem"], { CN: "leaf.example.com", hosts: ["leaf.example.com"] });
  const enc = await run("openssl", ["pkcs8", "-topk8", "-in", "ca-key.pem", "-v2", "aes-256-cbc", "-passout", "pass:secret", "-out", "enc-ca-key.pem"], { cwd: dir });
  if (enc.code !== 0) throw new Error(`openssl pkcs8 failed: ${enc.stderr}`);
}

const lastLine = (s: string): string =>
  (s.trimEnd().split("\n").at(-1) ?? "").replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, "");

const isPanic = (r: RunResult): boolean => r.code === 2 && /\bpanic: |goroutine \d+ \[/.test(r.stderr);

function pemTypes(text: string): string[] {
  try {
    return decodePemBlocks(text).map((b) => b.type);
  } catch {
    return ["<not PEM>"];
  }
}

function listing(dir: string): Record<string, { mode: string; pem: string[] }> {
  const out: Record<string, { mode: string; pem: string[] }> = {};
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    out[name] = { mode: (statSync(p).mode & 0o777).toString(8), pem: pemTypes(readFileSync(p, "utf8")) };
  }
  return out;
}

/** JSON that survives bigint and shows where two shapes differ. */
const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : Buffer.isBuffer(x) ? x.toString("hex") : x));

function shapeDiff(a: Record<string, unknown>, b: Record<string, unknown>): string | undefined {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const d = keys.filter((k) => !isDeepStrictEqual(a[k], b[k])).map((k) => `${k}: cfssl ${show(b[k])} k8s-pki ${show(a[k])}`);
  return d.length ? d.join("; ") : undefined;
}

function tryShape<T>(f: () => T): T | { error: string } {
  try {
    return f();
  } catch (e) {
    return { error: e instanceof Error ? e.message.split("\n")[0]! : String(e) };
  }
}

const isEd25519Label = (t: string): boolean => t === "Ed25519 PRIVATE KEY";

/** Compares two successful JSON outputs (cert, csr, key): undefined when they match. */
function compareOutputs(theirs: Record<string, unknown>, ours: Record<string, unknown>, subSecondExpiry: boolean): string | undefined {
  const kt = Object.keys(theirs).sort();
  const ko = Object.keys(ours).sort();
  if (!isDeepStrictEqual(kt, ko)) return `JSON keys: cfssl ${show(kt)} k8s-pki ${show(ko)}`;
  for (const k of kt) {
    const t = theirs[k];
    const o = ours[k];
    if (typeof t !== "string" || typeof o !== "string") {
      if (!isDeepStrictEqual(t, o)) return `${k}: cfssl ${show(t)} k8s-pki ${show(o)}`;
      continue;
    }
    if (k === "cert") {
      const a = tryShape(() => certShape(o));
      const b = tryShape(() => certShape(t));
      // An expiry with a fraction of a second (1h0m0.5s): notAfter = now + expiry, truncated to the second in
      // both programs, so the span is 3600 or 3601 s depending on when each ran; both are right.
      if (subSecondExpiry && "validityMs" in a && "validityMs" in b && Math.abs(Number(a.validityMs) - Number(b.validityMs)) <= 1000) a.validityMs = b.validityMs;
      const d = shapeDiff(a as Record<string, unknown>, b as Record<string, unknown>);
      if (d) return `cert: ${d}`;
      const nb = Math.abs(parseCertificatePem(o).notBefore.getTime() - parseCertificatePem(t).notBefore.getTime());
      if (nb > 60_000) return `cert: notBefore ${nb} ms apart`;
    } else if (k === "csr") {
      const d = shapeDiff(tryShape(() => csrShape(o)) as Record<string, unknown>, tryShape(() => csrShape(t)) as Record<string, unknown>);
      if (d) return `csr: ${d}`;
    } else if (k === "key") {
      const a = tryShape(() => keyShape(o)) as Record<string, unknown>;
      const b = tryShape(() => keyShape(t)) as Record<string, unknown>;
      if (isEd25519Label(b.label as string) && a.label === "PRIVATE KEY") a.label = b.label; // deliberate
      const d = shapeDiff(a, b);
      if (d) return `key: ${d}`;
    } else if (t !== o) {
      return `${k}: cfssl ${show(t)} k8s-pki ${show(o)}`;
    }
  }
  return undefined;
}

/** Go's url.URL struct as certinfo -csr prints it, as a string (what k8s-pki prints; percent-escapes decoded on both sides). */
function goUrlString(u: Record<string, unknown>): string {
  const user = u.User ? "<user>@" : "";
  let s = `${String(u.Scheme)}:${u.Opaque ? String(u.Opaque) : `//${user}${String(u.Host)}${String(u.Path)}`}`;
  if (u.ForceQuery || u.RawQuery) s += `?${String(u.RawQuery)}`;
  if (u.Fragment) s += `#${String(u.Fragment)}`;
  return s;
}
const unescape = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * certinfo -csr: k8s-pki prints a subset of Go's struct (README), and URIs as
 * strings rather than url.URL structs (as test/pki/cfssl-fixtures.test.ts
 * accepts); each field it prints must hold cfssl's value.
 */
function subsetDiff(theirs: unknown, ours: unknown, path = ""): string | undefined {
  if (path === ".URIs" && Array.isArray(theirs) && Array.isArray(ours)) {
    const t = theirs.map((u) => unescape(goUrlString(u as Record<string, unknown>)));
    const o = ours.map((u) => unescape(String(u)));
    return isDeepStrictEqual(t, o) ? undefined : `${path}: cfssl ${show(theirs)} k8s-pki ${show(ours)}`;
  }
  if (ours && typeof ours === "object" && !Array.isArray(ours) && theirs && typeof theirs === "object" && !Array.isArray(theirs)) {
    for (const [k, v] of Object.entries(ours)) {
      if (!(k in theirs)) return `${path}.${k}: not in cfssl's output`;
      const d = subsetDiff((theirs as Record<string, unknown>)[k], v, `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return isDeepStrictEqual(theirs, ours) ? undefined : `${path}: cfssl ${show(theirs)} k8s-pki ${show(ours)}`;
}

/**
 * README: "No SAN Go cannot parse back is ever written": where cfssl's `sign`
 * issues a certificate with a URI SAN Go's x509.ParseCertificate refuses
 * (a non-ASCII host), k8s-pki refuses with 9003 and Go's "invalid domain".
 */
function unreadableUriSan(c: RunResult, o: RunResult): boolean {
  const e = errorJson(o.stderr);
  if (e?.code !== 9003 || !/^x509: cannot parse URI ".*": invalid domain$/.test(e.message)) return false;
  try {
    const cert = (JSON.parse(c.stdout) as { cert: string }).cert;
    return parseCertificatePem(cert).sans.uri.some((u) => /[^\x00-\x7f]/.test(u));
  } catch {
    return true; // our parser refuses cfssl's certificate as Go does
  }
}

function compareRuns(s: Scenario, c: RunResult, o: RunResult): { kind: string; detail: string } | "both-succeed" | { fail: number | string } {
  if (c.code !== 0 && isPanic(c)) {
    // README: where cfssl panics, k8s-pki refuses with a clean JSON error.
    const e = errorJson(o.stderr);
    if (o.code === 1 && e && !/\n\s+at /.test(o.stderr)) return { fail: `panic/${e.code}` };
    return { kind: "exit", detail: `cfssl panicked; k8s-pki exited ${o.code} ${e ? `with ${e.code}` : "without a JSON error"}` };
  }
  if (c.code === 0 && o.code === 1 && s.args[0] === "sign" && unreadableUriSan(c, o)) return { fail: "deliberate/9003" };
  if (c.code !== o.code) return { kind: "exit", detail: `exit status: cfssl ${c.code}, k8s-pki ${o.code}` };
  if (c.code !== 0) {
    const te = errorJson(c.stderr);
    const oe = errorJson(o.stderr);
    if (te) {
      if (!oe || oe.code !== te.code) return { kind: "error-code", detail: `error code: cfssl ${te.code}, k8s-pki ${oe ? oe.code : `none (${lastLine(o.stderr)})`}` };
      if (oe.message !== te.message) return { kind: "error-message", detail: `message for ${te.code}: cfssl ${show(te.message)}, k8s-pki ${show(oe.message)}` };
      return { fail: te.code };
    }
    if (oe) return { kind: "error-code", detail: `error code: cfssl none (${lastLine(c.stderr)}), k8s-pki ${oe.code}` };
    if (lastLine(c.stderr) !== lastLine(o.stderr)) return { kind: "error-message", detail: `last stderr line: cfssl ${show(lastLine(c.stderr))}, k8s-pki ${show(lastLine(o.stderr))}` };
    return { fail: "plain" };
  }
  // Both succeeded.
  if (s.args[0] === "certinfo") {
    if (s.args[1] === "-csr") {
      let tj: unknown, oj: unknown;
      try {
        tj = JSON.parse(c.stdout);
        oj = JSON.parse(o.stdout);
      } catch {
        return { kind: "output", detail: "certinfo -csr: not JSON" };
      }
      const d = subsetDiff(tj, oj);
      return d ? { kind: "output", detail: `certinfo -csr ${d}` } : "both-succeed";
    }
    return c.stdout === o.stdout ? "both-succeed" : { kind: "output", detail: `certinfo stdout differs:\n--- cfssl\n${c.stdout}\n--- k8s-pki\n${o.stdout}` };
  }
  if (c.stdout.trim() === "" || o.stdout.trim() === "") {
    return c.stdout === o.stdout ? "both-succeed" : { kind: "output", detail: `stdout: cfssl ${show(c.stdout.slice(0, 200))}, k8s-pki ${show(o.stdout.slice(0, 200))}` };
  }
  let tj: Record<string, unknown>, oj: Record<string, unknown>;
  try {
    tj = JSON.parse(c.stdout) as Record<string, unknown>;
  } catch {
    return c.stdout === o.stdout ? "both-succeed" : { kind: "output", detail: "stdout differs (cfssl's is not JSON)" };
  }
  try {
    oj = JSON.parse(o.stdout) as Record<string, unknown>;
  } catch {
    return { kind: "output", detail: "k8s-pki's stdout is not JSON" };
  }
  const d = compareOutputs(tj, oj, Object.values(s.files).some((f) => /"[^"]*\d\.\d*[1-9]\d*(s|ms|us|µs|ns)"/.test(f)));
  return d ? { kind: "output", detail: d } : "both-succeed";
}

function compareBare(c: NonNullable<Side["bare"]>, o: NonNullable<Side["bare"]>): string | undefined {
  if (c.code !== o.code) return `json -bare exit: cfssljson ${c.code}, k8s-pki ${o.code}`;
  const ours = structuredClone(o.files);
  for (const [name, f] of Object.entries(ours)) {
    const t = c.files[name];
    if (t && f.pem.length === 1 && t.pem.length === 1 && isEd25519Label(t.pem[0]!) && f.pem[0] === "PRIVATE KEY") f.pem = t.pem; // deliberate
  }
  return isDeepStrictEqual(c.files, ours) ? undefined : `json -bare files: cfssljson ${show(c.files)} k8s-pki ${show(o.files)}`;
}

const side = (r: RunResult, bare?: Side["bare"]): Side => ({ code: r.code, stdout: r.stdout, stderr: r.stderr, ...(bare ? { bare } : {}) });

/** Runs one scenario in a fresh folder under root (shared CA material in sharedDir) and compares. */
export async function runScenario(s: Scenario, sharedDir: string, root: string): Promise<Outcome> {
  const dir = mkdtempSync(join(root, `s${s.index}-`));
  try {
    for (const f of SHARED) copyFileSync(join(sharedDir, f), join(dir, f));
    for (const [name, text] of Object.entries(s.files)) writeFileSync(join(dir, name), text);
    for (const p of s.prep) {
      const r = await cfssl(p.args, { cwd: dir });
      if (r.code !== 0) return { result: "prep-failed", detail: `cfssl ${p.args.join(" ")}: ${lastLine(r.stderr)}` };
      const out = JSON.parse(r.stdout) as Record<string, string>;
      for (const [file, k] of Object.entries(p.write)) writeFileSync(join(dir, file), out[k]!);
    }
    const [first, o] = await Promise.all([cfssl(s.args, { cwd: dir }), k8sPki(s.args, { cwd: dir })]);
    let c = first;
    let cmp = compareRuns(s, c, o);
    // cfssl populates profiles in Go's random map order, so with two bad profiles its message
    // changes from run to run: ours must be one of the messages cfssl can give.
    for (let retry = 0; retry < 12 && typeof cmp === "object" && "kind" in cmp && cmp.kind.startsWith("error-") && c.stderr.includes("Failed to load config file"); retry++) {
      const again = await cfssl(s.args, { cwd: dir });
      const cmp2 = compareRuns(s, again, o);
      if (!(typeof cmp2 === "object" && "kind" in cmp2)) [c, cmp] = [again, cmp2];
    }
    if (cmp === "both-succeed" && s.bare && c.stdout.trim() !== "") {
      const cd = join(dir, "bare-cfssl");
      const od = join(dir, "bare-k8s-pki");
      mkdirSync(cd);
      mkdirSync(od);
      // Each tool's own JSON through its own json -bare.
      const [cb, ob] = await Promise.all([cfssljson(["-bare", "out"], { cwd: cd, input: c.stdout }), k8sPki(["json", "-bare", "out"], { cwd: od, input: o.stdout })]);
      const cBare = { code: cb.code, stderr: cb.stderr, files: listing(cd) };
      const oBare = { code: ob.code, stderr: ob.stderr, files: listing(od) };
      const d = compareBare(cBare, oBare);
      if (d) return { result: "difference", difference: { scenario: s, kind: "bare", detail: d, cfssl: side(c, cBare), ours: side(o, oBare) } };
    }
    if (cmp === "both-succeed") return { result: "both-succeed" };
    if ("fail" in cmp) return { result: "both-fail", code: cmp.fail };
    return { result: "difference", difference: { scenario: s, ...cmp, cfssl: side(c), ours: side(o) } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Tally {
  seed: number;
  scenarios: number;
  bothSucceed: number;
  bothFailSameCode: number;
  prepFailed: number;
  /** Why cfssl refused a preparation step (the scenario then does not count). */
  prepFailures: string[];
  differences: Difference[];
  byCommand: Record<string, number>;
}

/** Runs scenarios [start, start+count) of seed, `concurrency` at a time. */
export async function runScenarios(opts: { seed: number; count: number; start?: number; concurrency?: number; onDifference?: (d: Difference) => void; onProgress?: (t: Tally) => void }): Promise<Tally> {
  const root = mkdtempSync(join(tmpdir(), "k8s-pki-cfssl-random-"));
  const shared = join(root, "shared");
  mkdirSync(shared);
  const t: Tally = { seed: opts.seed, scenarios: 0, bothSucceed: 0, bothFailSameCode: 0, prepFailed: 0, prepFailures: [], differences: [], byCommand: {} };
  try {
    await prepareShared(shared);
    const start = opts.start ?? 0;
    let next = start;
    const worker = async (): Promise<void> => {
      while (next < start + opts.count) {
        const s = scenario(opts.seed, next++);
        const out = await runScenario(s, shared, root);
        t.scenarios++;
        const cmdName = s.args[0] === "gencert" ? (s.args.includes("-initca") ? "gencert -initca" : s.args.includes("-renewca") ? "gencert -renewca" : "gencert -ca") : s.args[0]!;
        t.byCommand[cmdName] = (t.byCommand[cmdName] ?? 0) + 1;
        if (out.result === "both-succeed") t.bothSucceed++;
        else if (out.result === "both-fail") t.bothFailSameCode++;
        else if (out.result === "prep-failed") {
          t.prepFailed++;
          t.prepFailures.push(`${s.index}: ${out.detail}`);
        }
        else {
          t.differences.push(out.difference);
          opts.onDifference?.(out.difference);
        }
        if (t.scenarios % 50 === 0) opts.onProgress?.(t);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  t.differences.sort((a, b) => a.scenario.index - b.scenario.index);
  return t;
}

export const countLine = (t: Tally): string =>
  `seed ${t.seed}: ${t.scenarios} scenarios, ${t.bothSucceed} both succeed, ${t.bothFailSameCode} both fail with the same code, ${t.differences.length} differences` +
  (t.prepFailed ? `, ${t.prepFailed} not run (cfssl refused the preparation)` : "");

const clip = (s: string, n = 600): string => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/** A difference as a report: the scenario (to reproduce it), what differs, and both outputs. */
export function reportDifference(d: Difference): string {
  const sideText = (name: string, x: Side): string =>
    `  ${name}: exit ${x.code}\n    stdout: ${clip(x.stdout.trim(), 300)}\n    stderr: ${clip(x.stderr.trim().split("\n").slice(-3).join(" | "))}` +
    (x.bare ? `\n    json -bare: exit ${x.bare.code} ${show(x.bare.files)} ${clip(x.bare.stderr.trim(), 200)}` : "");
  return `[${d.kind}] ${d.detail}\n${describeScenario(d.scenario)}\n${sideText("cfssl", d.cfssl)}\n${sideText("k8s-pki", d.ours)}`;
}
