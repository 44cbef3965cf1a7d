// Issue 13, kinds 5 and 6: where cfssl 1.6.5 prints a plain message and where a
// {"code":N} JSON, which code, and which of two faults it reports first. Each
// case runs the real cfssl and the built k8s-pki on the same files and compares
// the exit status, stdout (empty on failure) and the last line of stderr (cfssl
// prints log lines before it; k8s-pki prints fewer of them).
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificatePem } from "@k8s/pki";
import { cfssl, errorJson, outputJson, type RunResult } from "../helpers/exec.js";
import { Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = new Workspace("k8s-pki-shapes-");
  await ws.cfsslCa("ca", { CN: "Shapes Root" });
  ws.write("leaf.json", { CN: "leaf" });
  ws.write("hosts.json", { CN: "leaf", hosts: ["leaf.example.com"] });
  const leaf = outputJson(await cfssl(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "leaf.json"], { cwd: ws.dir }));
  ws.write("leaf.pem", leaf.cert!);
  ws.write("leaf-key.pem", leaf.key!);
  ws.write("leaf.csr", leaf.csr!);
  ws.write("hosts.csr", outputJson(await cfssl(["genkey", "hosts.json"], { cwd: ws.dir })).csr!);
  // The CA key as encrypted PKCS#8 (no Proc-Type header) and as legacy encrypted PEM (with one).
  ws.write("ca-key-pkcs8-enc.pem", execFileSync("openssl", ["pkcs8", "-topk8", "-in", ws.path("ca-key.pem"), "-passout", "pass:secret"]));
  ws.write("ca-key-legacy-enc.pem", execFileSync("openssl", ["ec", "-in", ws.path("ca-key.pem"), "-aes128", "-passout", "pass:secret"], { stdio: ["ignore", "pipe", "ignore"] }));
  ws.write("copy-ext.json", { signing: { default: { expiry: "1h", usages: ["signing"], copy_extensions: true } } });
  ws.write("bad-config.json", { signing: { default: { expiry: "365d" } } });
  ws.write("not-pem.csr", "not PEM\n");
  ws.write("bad-uri.json", { CN: "x", hosts: ["https://üñí.example/"] });
  ws.write("bad-uri.csr", outputJson(await cfssl(["genkey", "bad-uri.json"], { cwd: ws.dir })).csr!);
  ws.write("typed.csr", leaf.csr!.replaceAll("CERTIFICATE REQUEST", "CERTIFICATE"));
});
afterAll(() => ws.cleanup());

/** plain: cfssl prints a bare message (no JSON); json: a {"code":N} line; ok: both succeed. */
type Shape = { plain: string } | { code: number; message?: string } | "ok";

interface Case {
  name: string;
  args: string[];
  files?: Record<string, string | object>;
  /** What cfssl prints, stated so the table documents it; checked against cfssl's run. */
  cfssl: Shape;
}

const CA = ["-ca", "ca.pem", "-ca-key", "ca-key.pem"];

const CASES: Case[] = [
  // 1. An invalid CA expiry or backdate: Go's time.ParseDuration error, returned bare by initca.
  { name: "initca: ca.expiry 365d", args: ["gencert", "-initca", "c.json"], files: { "c.json": { CN: "ca", ca: { expiry: "365d" } } }, cfssl: { plain: 'time: unknown unit "d" in duration "365d"' } },
  { name: "initca: ca.expiry bogus", args: ["gencert", "-initca", "c.json"], files: { "c.json": { CN: "ca", ca: { expiry: "bogus" } } }, cfssl: { plain: 'time: invalid duration "bogus"' } },
  { name: "initca: ca.backdate 1x", args: ["gencert", "-initca", "c.json"], files: { "c.json": { CN: "ca", ca: { backdate: "1x" } } }, cfssl: { plain: 'time: unknown unit "x" in duration "1x"' } },
  { name: "initca -ca-key: ca.expiry bogus", args: ["gencert", "-initca", "-ca-key", "ca-key.pem", "c.json"], files: { "c.json": { CN: "ca", ca: { expiry: "bogus" } } }, cfssl: { plain: 'time: invalid duration "bogus"' } },
  { name: "initca -ca-key: ca.backdate is not read", args: ["gencert", "-initca", "-ca-key", "ca-key.pem", "c.json"], files: { "c.json": { CN: "ca", ca: { backdate: "1x" } } }, cfssl: "ok" },
  // 2. -renewca with a certificate that is not a CA: errors.New, a bare message.
  { name: "renewca: not a CA certificate", args: ["gencert", "-renewca", "-ca", "leaf.pem", "-ca-key", "leaf-key.pem"], cfssl: { plain: "input certificate is not a CA cert" } },
  // 3. sign -hostname with a name that is no IA5String: x509.CreateCertificate's error, wrapped as 1000.
  { name: "sign -hostname: non-ASCII DNS name", args: ["sign", ...CA, "-hostname", "bücher.example", "leaf.csr"], cfssl: { code: 1000, message: 'x509: "bücher.example" cannot be encoded as an IA5String' } },
  { name: "sign -hostname: non-ASCII email", args: ["sign", ...CA, "-hostname", "ü@example.com", "leaf.csr"], cfssl: { code: 1000, message: 'x509: "ü@example.com" cannot be encoded as an IA5String' } },
  { name: "sign -hostname, copy_extensions, CSR without SANs: still 1000", args: ["sign", ...CA, "-config", "copy-ext.json", "-hostname", "bücher.example", "leaf.csr"], cfssl: { code: 1000 } },
  { name: "sign -hostname, copy_extensions, CSR with SANs: the CSR's SAN wins, signed", args: ["sign", ...CA, "-config", "copy-ext.json", "-hostname", "bücher.example", "hosts.csr"], cfssl: "ok" },
  { name: "names.OID arc beyond int64: strconv.Atoi's refusal, quoted", args: ["genkey", "o.json"], files: { "o.json": { CN: "x", names: [{ OID: { "2.999999999999999999999": "v" } }] } }, cfssl: { code: 9300, message: "invalid OID part 999999999999999999999" } },
  // csr.Generate returns the subject's error bare (gencsr); genkey and gencert wrap it as 9300.
  { name: "gencsr: bad names OID, a bare message", args: ["gencsr", "-key", "leaf-key.pem", "o.json"], files: { "o.json": { CN: "x", names: [{ OID: { abc: "v" } }] } }, cfssl: { plain: "invalid OID part abc" } },
  // certinfo -csr: only a text without PEM is a cfssl error; the parse error is bare, type and signature unchecked.
  { name: "certinfo -csr: not PEM", args: ["certinfo", "-csr", "not-pem.csr"], cfssl: { code: 9002, message: "CSR Decode failed" } },
  { name: "certinfo -csr: a URI SAN Go cannot parse, a bare message", args: ["certinfo", "-csr", "bad-uri.csr"], cfssl: { plain: 'x509: cannot parse URI "https://%C3%BC%C3%B1%C3%AD.example/": invalid domain' } },
  // 5. An encrypted PKCS#8 CA key has no Proc-Type header: it fails to parse (2003), not 2100.
  { name: "gencert: encrypted PKCS#8 CA key", args: ["gencert", "-ca", "ca.pem", "-ca-key", "ca-key-pkcs8-enc.pem", "leaf.json"], cfssl: { code: 2003, message: "Failed to parse private key" } },
  { name: "sign: encrypted PKCS#8 CA key", args: ["sign", "-ca", "ca.pem", "-ca-key", "ca-key-pkcs8-enc.pem", "leaf.csr"], cfssl: { code: 2003 } },
  { name: "renewca: encrypted PKCS#8 CA key", args: ["gencert", "-renewca", "-ca", "ca.pem", "-ca-key", "ca-key-pkcs8-enc.pem"], cfssl: { code: 2003 } },
  { name: "sign: legacy encrypted PEM CA key stays 2100", args: ["sign", "-ca", "ca.pem", "-ca-key", "ca-key-legacy-enc.pem", "leaf.csr"], cfssl: { code: 2100, message: "Private key is encrypted." } },
  // 4 and 6, through the CLI: Go's field paths and its refusal of a float for an int.
  { name: "names.O of the wrong type", args: ["genkey", "j.json"], files: { "j.json": { CN: "x", names: [{ O: 5 }] } }, cfssl: { plain: "json: cannot unmarshal number into Go struct field Name.names.O of type string" } },
  { name: "size 256.0", args: ["genkey", "j.json"], files: { "j.json": '{"CN":"x","key":{"algo":"ecdsa","size":256.0}}' }, cfssl: { plain: "json: cannot unmarshal number 256.0 into Go struct field KeyRequest.key.size of type int" } },
  { name: "pathlen 1e0 (initca)", args: ["gencert", "-initca", "j.json"], files: { "j.json": '{"CN":"x","ca":{"pathlen":1e0}}' }, cfssl: { plain: "json: cannot unmarshal number 1e0 into Go struct field CAConfig.ca.pathlen of type int" } },
  { name: "config max_path_len 1.0", args: ["gencert", ...CA, "-config", "cfg.json", "leaf.json"], files: { "cfg.json": '{"signing":{"default":{"expiry":"1h","ca_constraint":{"max_path_len":1.0}}}}' }, cfssl: { plain: 'Failed to load config file: {"code":5200,"message":"failed to unmarshal configuration: json: cannot unmarshal number 1.0 into Go struct field CAConstraint.signing.default.ca_constraint.max_path_len of type int"}' } },
  // 7. Two faults at once: the one cfssl meets first.
  { name: "bad key request before a missing -ca file (the key is made first)", args: ["gencert", "-ca", "nope.pem", "-ca-key", "ca-key.pem", "k.json"], files: { "k.json": { CN: "x", key: { algo: "rsa", size: 100 } } }, cfssl: { code: 2400, message: "RSA key is too weak" } },
  { name: "bad key request before a missing -ca-key file", args: ["gencert", "-ca", "ca.pem", "-ca-key", "nope.pem", "k.json"], files: { "k.json": { CN: "x", key: { algo: "rsa", size: 100 } } }, cfssl: { code: 2400 } },
  { name: "bad key request before an encrypted CA key", args: ["gencert", "-ca", "ca.pem", "-ca-key", "ca-key-pkcs8-enc.pem", "k.json"], files: { "k.json": { CN: "x", key: { algo: "ecdsa", size: 300 } } }, cfssl: { code: 2400 } },
  { name: "bad OID in names before a missing -ca file", args: ["gencert", "-ca", "nope.pem", "-ca-key", "ca-key.pem", "o.json"], files: { "o.json": { CN: "x", names: [{ OID: { x: "y" } }] } }, cfssl: { code: 9300 } },
  { name: "-ca read before -ca-key is parsed", args: ["gencert", "-ca", "nope.pem", "-ca-key", "ca-key-pkcs8-enc.pem", "leaf.json"], cfssl: { plain: "open nope.pem: no such file or directory" } },
  { name: "-ca-key read (1001) before -ca is parsed", args: ["gencert", "-ca", "leaf.csr", "-ca-key", "nope.pem", "leaf.json"], cfssl: { code: 1001 } },
  { name: "-ca parsed before -ca-key is parsed", args: ["gencert", "-ca", "leaf.csr", "-ca-key", "ca-key-pkcs8-enc.pem", "leaf.json"], cfssl: { code: 1003 } },
  { name: "sign: -ca read before -ca-key is parsed", args: ["sign", "-ca", "nope.pem", "-ca-key", "ca-key-pkcs8-enc.pem", "leaf.csr"], cfssl: { plain: "open nope.pem: no such file or directory" } },
  { name: "sign: CA key before the CSR is decoded", args: ["sign", "-ca", "ca.pem", "-ca-key", "ca-key-pkcs8-enc.pem", "not-pem.csr"], cfssl: { code: 2003 } },
  { name: "initca: bad expiry before the subject check", args: ["gencert", "-initca", "c.json"], files: { "c.json": { ca: { expiry: "bogus" } } }, cfssl: { plain: 'time: invalid duration "bogus"' } },
  { name: "initca -ca-key: the key file before the expiry", args: ["gencert", "-initca", "-ca-key", "ca-key-pkcs8-enc.pem", "c.json"], files: { "c.json": { CN: "x", ca: { expiry: "bogus" } } }, cfssl: { code: 2003 } },
  { name: "a bad config before a bad CSR JSON (the config is loaded first)", args: ["gencert", ...CA, "-config", "bad-config.json", "j.json"], files: { "j.json": { CN: 5 } }, cfssl: { plain: 'Failed to load config file: {"code":5200,"message":"time: unknown unit \\"d\\" in duration \\"365d\\""}' } },
  { name: "CSR JSON: the first type error in the text", args: ["genkey", "j.json"], files: { "j.json": '{"names":[{"O":5}],"CN":5}' }, cfssl: { plain: "json: cannot unmarshal number into Go struct field Name.names.O of type string" } },
  { name: "CSR JSON: a float size before a later CN error", args: ["genkey", "j.json"], files: { "j.json": '{"key":{"size":1.5},"CN":5}' }, cfssl: { plain: "json: cannot unmarshal number 1.5 into Go struct field KeyRequest.key.size of type int" } },
  // json.Unmarshal of ca-config.json as Go does it: document order, a later UnmarshalJSON error winning over an
  // earlier type error, a repeated key's earlier value, every Go field of config.Config (untagged ones too).
  ...configCases([
    ["ca-config: the first type error in the text, not in field order", '{"signing":{"default":{"ocsp_no_check":"x","usages":5,"expiry":"1h"}}}', "failed to unmarshal configuration: json: cannot unmarshal string into Go struct field SigningProfile.signing.default.ocsp_no_check of type bool"],
    ["ca-config: a later time.Time error wins over an earlier type error", '{"signing":{"default":{"usages":5,"not_before":"bogus","expiry":"1h"}}}', 'failed to unmarshal configuration: parsing time \\"bogus\\" as \\"2006-01-02T15:04:05Z07:00\\": cannot parse \\"bogus\\" as \\"2006\\"'],
    ["ca-config: a later OID error wins over an earlier type error", '{"signing":{"default":{"usages":5,"Policies":[{"ID":5}],"expiry":"1h"}}}', "failed to unmarshal configuration: OID JSON string not wrapped in quotes.5"],
    ["ca-config: a repeated key's earlier value is decoded too", '{"signing":{"default":{"expiry":5,"expiry":"1h","usages":["signing"]}}}', "failed to unmarshal configuration: json: cannot unmarshal number into Go struct field SigningProfile.signing.default.expiry of type string"],
    ["ca-config: time.Time reads the raw text between the quotes", '{"signing":{"default":{"expiry":"1h","not_before":"\\u0032024-01-01T00:00:00Z"}}}', 'failed to unmarshal configuration: parsing time \\"\\\\\\\\u0032024-01-01T00:00:00Z\\" as \\"2006-01-02T15:04:05Z07:00\\": cannot parse \\"\\\\\\\\u0032024-01-01T00:00:00Z\\" as \\"2006\\"'],
    ["ca-config: the untagged Expiry is a time.Duration", '{"signing":{"default":{"expiry":"1h","Expiry":1.5}}}', "failed to unmarshal configuration: json: cannot unmarshal number 1.5 into Go struct field SigningProfile.signing.default.Expiry of type time.Duration"],
    ["ca-config: an int beyond int64", '{"signing":{"default":{"expiry":"1h","ca_constraint":{"max_path_len":9223372036854775808}}}}', "failed to unmarshal configuration: json: cannot unmarshal number 9223372036854775808 into Go struct field CAConstraint.signing.default.ca_constraint.max_path_len of type int"],
    ["ca-config: an interface field takes only null", '{"signing":{"default":{"expiry":"1h","Provider":"x"}}}', "failed to unmarshal configuration: json: cannot unmarshal string into Go struct field SigningProfile.signing.default.Provider of type auth.Provider"],
    ["ca-config: the ocsp section is typed", '{"ocsp":5,"signing":{"default":{"expiry":"1h"}}}', "failed to unmarshal configuration: json: cannot unmarshal number into Go struct field Config.ocsp of type config.Config"],
    ["ca-config: ClientCert's certificates are base64", '{"signing":{"default":{"expiry":"1h","ClientCert":{"Certificate":["!!"]}}}}', "failed to unmarshal configuration: illegal base64 data at input byte 0"],
    ["ca-config: ClientCert's signature schemes are uint16", '{"signing":{"default":{"expiry":"1h","ClientCert":{"SupportedSignatureAlgorithms":[70000]}}}}', "failed to unmarshal configuration: json: cannot unmarshal number 70000 into Go struct field Certificate.signing.default.ClientCert.SupportedSignatureAlgorithms of type tls.SignatureScheme"],
    ["ca-config: RemoteCAs is an x509.CertPool", '{"signing":{"default":{"expiry":"1h","RemoteCAs":"x"}}}', "failed to unmarshal configuration: json: cannot unmarshal string into Go struct field SigningProfile.signing.default.RemoteCAs of type x509.CertPool"],
    ["ca-config: an unknown zlint name in ignored_lints", '{"signing":{"default":{"expiry":"1h","usages":["signing"],"ignored_lints":["nope"]}}}', 'failed to build filtered lint registry: unknown lint name \\"nope\\"'],
    ["ca-config: a lint source zlint's FromString does not know", '{"signing":{"default":{"expiry":"1h","usages":["signing"],"ignored_lint_sources":["RFC3279"]}}}', 'failed to build excluded lint source list: unknown source \\"RFC3279\\"'],
  ]),
  { name: "ca-config: known zlint names and sources, trimmed, are accepted", args: ["gencert", ...CA, "-config", "cfg.json", "hosts.json"], files: { "cfg.json": '{"signing":{"default":{"expiry":"1h","usages":["signing"],"ignored_lints":[" e_basic_constraints_not_critical "],"ignored_lint_sources":[" Mozilla"]}}}' }, cfssl: "ok" },
  { name: "ca-config: the untagged NameWhitelist field is a regexp cfssl applies", args: ["gencert", ...CA, "-config", "cfg.json", "leaf.json"], files: { "cfg.json": '{"signing":{"default":{"expiry":"1h","usages":["signing"],"NameWhitelist":"^nomatch$"}}}' }, cfssl: { code: 5500, message: "Request does not match policy whitelist" } },
  { name: "names.OID with one arc: Go's asn1 refuses to encode it (gencsr)", args: ["gencsr", "-key", "leaf-key.pem", "o.json"], files: { "o.json": { CN: "x", names: [{ OID: { "1": "v" } }] } }, cfssl: { code: 9300, message: "asn1: structure error: invalid object identifier" } },
  { name: "names.OID 1.40: Go's asn1 refuses to encode it (gencsr; genkey panics in cfssl)", args: ["gencsr", "-key", "leaf-key.pem", "o.json"], files: { "o.json": { CN: "x", names: [{ OID: { "1.40": "v" } }] } }, cfssl: { code: 9300, message: "asn1: structure error: invalid object identifier" } },
  { name: "initca -ca-key: a bad names OID, a bare message (NewFromSigner returns csr.Generate's error)", args: ["gencert", "-initca", "-ca-key", "ca-key.pem", "o.json"], files: { "o.json": { CN: "x", names: [{ OID: { "2.999999999999999999999": "v" } }] } }, cfssl: { plain: "invalid OID part 999999999999999999999" } },
  { name: "sign SUBJECT: names of the wrong type, read before the CA key", args: ["sign", "-ca", "ca.pem", "-ca-key", "ca-key-pkcs8-enc.pem", "leaf.csr", "subject.json"], files: { "subject.json": '{"names":5}' }, cfssl: { plain: "json: cannot unmarshal number into Go struct field Subject.names of type []csr.Name" } },
  { name: "sign SUBJECT: a field path without the index", args: ["sign", ...CA, "leaf.csr", "subject.json"], files: { "subject.json": '{"names":[{"C":"US"},{"O":5}]}' }, cfssl: { plain: "json: cannot unmarshal number into Go struct field Name.names.O of type string" } },
  { name: "CSR JSON: a repeated key's earlier value is decoded too", args: ["genkey", "j.json"], files: { "j.json": '{"CN":5,"CN":"x"}' }, cfssl: { plain: "json: cannot unmarshal number into Go struct field CertificateRequest.CN of type string" } },
];

/** Config cases: gencert with the config, cfssl's "Failed to load config file" line around a 5200 message. */
function configCases(list: [name: string, config: string, message: string][]): Case[] {
  return list.map(([name, config, message]) => ({
    name,
    args: ["gencert", ...CA, "-config", "cfg.json", "leaf.json"],
    files: { "cfg.json": config },
    cfssl: { plain: `Failed to load config file: {"code":5200,"message":"${message}"}` },
  }));
}

const lastLine = (s: string): string => s.trimEnd().split("\n").at(-1) ?? "";

function sansOf(r: RunResult): string[] {
  const c = parseCertificatePem(outputJson(r).cert!);
  return [...c.sans.dns, ...c.sans.email, ...c.sans.uri];
}

describe("error shapes and fault order like cfssl 1.6.5", () => {
  it.each(CASES)("$name", async (c) => {
    for (const [name, content] of Object.entries(c.files ?? {})) ws.write(name, content);
    const r = await ws.both(c.args);
    const ctx = `cfssl (${r.cfssl.code}):\n${r.cfssl.stderr}\nk8s-pki (${r.ours.code}):\n${r.ours.stderr}`;
    expect(r.ours.code, ctx).toBe(r.cfssl.code);
    if (c.cfssl === "ok") {
      expect(r.cfssl.code, ctx).toBe(0);
      expect(sansOf(r.ours), ctx).toEqual(sansOf(r.cfssl));
      return;
    }
    expect(r.cfssl.code, ctx).toBe(1);
    expect(r.cfssl.stdout).toBe("");
    expect(r.ours.stdout, ctx).toBe("");
    expect(lastLine(r.ours.stderr), ctx).toBe(lastLine(r.cfssl.stderr));
    if ("plain" in c.cfssl) {
      expect(lastLine(r.cfssl.stderr)).toBe(c.cfssl.plain);
      if (!c.cfssl.plain.startsWith("Failed to load config file")) expect(errorJson(r.ours.stderr), ctx).toBeUndefined();
    } else {
      const theirs = errorJson(r.cfssl.stderr);
      expect(theirs?.code, ctx).toBe(c.cfssl.code);
      if (c.cfssl.message !== undefined) expect(theirs?.message).toBe(c.cfssl.message);
      expect(errorJson(r.ours.stderr), ctx).toEqual(theirs);
    }
  });
});

describe("certinfo -csr reads what cfssl reads", () => {
  it("a CERTIFICATE block holding a CSR: the type is not checked, the subject is read", async () => {
    const r = await ws.both(["certinfo", "-csr", "typed.csr"]);
    expect([r.cfssl.code, r.ours.code]).toEqual([0, 0]);
    expect(JSON.parse(r.ours.stdout).Subject.CommonName).toBe(JSON.parse(r.cfssl.stdout).Subject.CommonName);
  });
});

/** The parts of a certificate a repeated key can change, as openssl prints them. */
function certFacts(r: RunResult): string {
  return execFileSync("openssl", ["x509", "-noout", "-subject", "-ext", "basicConstraints,keyUsage,extendedKeyUsage,certificatePolicies,subjectAltName"], {
    input: outputJson(r).cert!,
  }).toString();
}

describe("a repeated key decodes over the earlier value, as Go merges it", () => {
  it.each([
    { name: "CSR JSON: key objects merge (algo from one, size from the other)", config: undefined, csr: '{"CN":"x","key":{"algo":"rsa"},"key":{"size":2048}}' },
    { name: "CSR JSON: names elements merge by index", config: undefined, csr: '{"CN":"x","names":[{"O":"a","OU":"b"},{"O":"z"}],"names":[{"C":"US"}]}' },
    { name: "CSR JSON: OID maps merge", config: undefined, csr: '{"CN":"x","names":[{"OID":{"1.2.3":"a"}}],"names":[{"OID":{"1.2.4":"b"}}]}' },
    { name: "ca-config: ca_constraint objects merge", config: '{"signing":{"default":{"expiry":"1h","usages":["signing"],"ca_constraint":{"is_ca":true},"ca_constraint":{"max_path_len":1}}}}', csr: '{"CN":"x"}' },
    { name: "ca-config: Policies elements merge by index", config: '{"signing":{"default":{"expiry":"1h","usages":["signing"],"Policies":[{"ID":"1.2.3","Qualifiers":[{"Type":"id-qt-cps","Value":"http://a"}]}],"Policies":[{"ID":"1.2.4"}]}}}', csr: '{"CN":"x"}' },
    { name: "ca-config: profiles maps merge", config: '{"signing":{"profiles":{"a":{"expiry":"1h","usages":["server auth"]}},"profiles":{"b":{"expiry":"1h","usages":["client auth"]}},"default":{"expiry":"1h","usages":["signing"]}}}', csr: '{"CN":"x","hosts":["a.example"]}', profile: "a" },
  ])("$name", async (c: { config?: string; csr: string; profile?: string }) => {
    ws.write("merge.json", c.csr);
    const args = ["gencert", ...CA];
    if (c.config !== undefined) {
      ws.write("merge-cfg.json", c.config);
      args.push("-config", "merge-cfg.json");
    }
    if (c.profile !== undefined) args.push("-profile", c.profile);
    const r = await ws.both([...args, "merge.json"]);
    expect([r.cfssl.code, r.ours.code], r.ours.stderr).toEqual([0, 0]);
    expect(certFacts(r.ours)).toBe(certFacts(r.cfssl));
  });
});
