// Differential tests against the real cfssl: hosts of every kind (IP, email,
// URI, host:port, wildcards) and subject fields (order, multi-valued RDNs,
// string types, extra attributes), through gencert, sign (SUBJECT file and
// -hostname) and selfsign. cfssl's output in the same test is the expectation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificatePem } from "@k8s/pki";
import { cfssl, errorJson, outputJson } from "../helpers/exec.js";
import { expectSameIssuance, Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = new Workspace();
  await ws.cfsslCa("ca", { CN: "Subjects Root", names: [{ C: "US", ST: "CA", O: "Example" }] });
});
afterAll(() => ws.cleanup());

const gencert = (req: object, extra: string[] = []) => ws.both(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", ...extra], req);

describe("hosts", () => {
  const HOSTS: [string, string[]][] = [
    ["IPv4", ["10.0.0.1", "192.0.2.254", "0.0.0.0"]],
    ["IPv4 with a leading zero (not an IP since Go 1.17)", ["192.168.001.1"]],
    ["IPv6", ["::1", "2001:db8::1", "fe80::1:2:3:4", "::"]],
    ["IPv4-mapped IPv6", ["::ffff:10.0.0.1"]],
    ["IPv6 with a zone", ["fe80::1%eth0"]],
    ["email", ["ops@example.com"]],
    ["email with a display name", ["Bob Smith <bob@example.com>"]],
    ["URI", ["spiffe://cluster.local/ns/default/sa/app", "https://Example.COM/Path?q=1#frag", "HTTP://upper.example", "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"]],
    ["absolute path", ["/just/a/path"]],
    ["host:port", ["localhost:8080", "example.com:443"]],
    ["wildcard DNS", ["*.example.com", "*.*.example.com"]],
    ["a lone *", ["*"]],
    ["DNS verbatim", ["Example.COM", "under_score.example", "trailing.dot.", "a"]],
    ["duplicates kept", ["dup.example.com", "dup.example.com", "10.0.0.1", "10.0.0.1"]],
    ["every kind, mixed order", ["spiffe://x/y", "10.0.0.1", "ops@example.com", "a.example.com", "::1", "localhost:8080", "*.w.example", "*"]],
  ];

  it.each(HOSTS)("%s", async (_name, hosts) => {
    await expectSameIssuance(ws, await gencert({ CN: "hosts.example.com", hosts }), { sameIssuer: true });
  });

  it.each([
    ["comma list with spaces kept", "a.example.com, b.example.com,10.0.0.2"],
    ["every kind", "h.example.com,10.9.8.7,::2,user@example.com,spiffe://h/1,h.example.com:8443,*"],
  ])("-hostname: %s", async (_name, hostname) => {
    await expectSameIssuance(ws, await gencert({ CN: "x", hosts: ["replaced.example.com"] }, ["-hostname", hostname]), { sameIssuer: true });
  });

  it("no subject at all: the SAN becomes critical", async () => {
    await expectSameIssuance(ws, await gencert({ hosts: ["nosubject.example.com", "10.0.0.3"] }), { sameIssuer: true });
  });

  it("no hosts: no SAN, and CN is not copied into one", async () => {
    const r = await gencert({ CN: "cn-only.example.com" });
    const { ours } = await expectSameIssuance(ws, r, { sameIssuer: true });
    expect(parseCertificatePem(ours.cert!).extensions.map((e) => e.oid)).not.toContain("2.5.29.17");
  });
});

describe("subjects", () => {
  const SUBJECTS: [string, object][] = [
    ["every name field", { CN: "full", names: [{ C: "US", ST: "California", L: "San Francisco", O: "Example Inc", OU: "Platform" }] }],
    ["several names entries: multi-valued RDNs", { CN: "multi", names: [{ C: "US", O: "Org B", OU: "u2" }, { C: "DE", O: "Org A", OU: "u1" }, { O: "Org C" }] }],
    ["the same value twice", { CN: "same", names: [{ O: "system:masters" }, { O: "system:masters" }] }],
    ["E: emailAddress", { CN: "mail", names: [{ C: "US", E: "admin@example.com" }] }],
    ["OID: custom attribute", { CN: "oid", names: [{ O: "x", OID: { "1.2.3.4.5": "custom value" } }, { OID: { "2.5.4.12": "Title" } }] }],
    ["OID and E in several entries", { CN: "oid2", names: [{ E: "a@example.com", OID: { "1.3.6.1.4.1.1": "one" } }, { E: "b@example.com" }] }],
    ["top-level serialnumber", { CN: "serial", serialnumber: "SN-0001", names: [{ O: "x" }] }],
    ["names[].SerialNumber is ignored, a CN inside names too", { CN: "ignored", names: [{ O: "x", SerialNumber: "nope", CN: "nope" }] }],
    ["lowercase cn and mixed-case keys", { cn: "lower", NAMES: [{ c: "US", o: "lowercase keys" }], Hosts: ["lower.example.com"] }],
    ["empty strings are skipped", { CN: "empty", names: [{ C: "", ST: "", O: "only-o", OU: "" }] }],
    ["PrintableString punctuation", { CN: "O'Reilly (UK), Ltd. +/-=:?", names: [{ O: "a.b-c" }] }],
    ["& and * force UTF8String", { CN: "A&B", names: [{ O: "x*y", OU: "at@sign", L: "under_score" }] }],
    ["UTF-8", { CN: "ünïcödé ✓", names: [{ O: "日本語", L: "Zürich", OU: "emoji 🙂" }] }],
    ["control characters and quotes", { CN: 'tab\there "quoted"', names: [{ O: "semi;colon" }] }],
    ["DN-looking CN", { CN: "CN=foo, O=bar", names: [{ O: "system:nodes" }] }],
    ["a long CN (long-form DER lengths)", { CN: "x".repeat(300), names: [{ O: "y".repeat(130) }] }],
    ["kubernetes node", { CN: "system:node:worker-1", names: [{ O: "system:nodes" }], hosts: ["worker-1", "10.240.0.21"] }],
    ["null names and hosts", { CN: "nulls", names: null, hosts: null }],
  ];

  it.each(SUBJECTS)("%s", async (_name, req) => {
    const { ours } = await expectSameIssuance(ws, await gencert(req), { sameIssuer: true });
    // cfssl's certinfo on k8s-pki's certificate equals k8s-pki's certinfo on it (names order, Go's JSON escaping).
    const file = ws.write(ws.fresh(".pem"), ours.cert!);
    const info = await ws.both(["certinfo", "-cert", file]);
    expect(info.cfssl.code).toBe(0);
    expect(info.ours.stdout).toBe(info.cfssl.stdout);
  });

  it.each(SUBJECTS.slice(0, 8))("initca: %s", async (_name, req) => {
    await expectSameIssuance(ws, await ws.both(["gencert", "-initca"], req));
  });

  it("-cn replaces the CN", async () => {
    await expectSameIssuance(ws, await gencert({ CN: "old", names: [{ O: "x" }] }, ["-cn", "new.example.com"]), { sameIssuer: true });
  });
});

describe("sign with a SUBJECT file and -hostname", () => {
  beforeAll(async () => {
    const req = { CN: "csr.example.com", hosts: ["csr.example.com", "10.0.0.1", "me@example.com"], names: [{ C: "US", ST: "CA", O: "CSR Org", OU: "CSR OU", E: "csr@example.com", OID: { "1.2.3.4": "extra" } }], serialnumber: "CSR-SN" };
    const made = outputJson(await cfssl(["genkey", ws.write("sign-req.json", req)], { cwd: ws.dir }));
    ws.write("req.csr", made.csr!);
  });

  const SUBJECTS: [string, object | undefined][] = [
    ["no subject file: the CSR's subject, extras kept", undefined],
    ["CN only: the rest from the CSR, extras dropped", { CN: "override.example.com" }],
    ["empty object: extras dropped", {}],
    ["names override some fields", { names: [{ O: "New Org" }, { O: "Second Org", L: "Berlin" }] }],
    ["SerialNumber in the subject", { CN: "with-serial", SerialNumber: "OVERRIDE-SN" }],
    ["E and OID in the override are ignored", { names: [{ C: "FR", E: "x@example.com", OID: { "1.2.3": "y" } }] }],
    ["lowercase keys", { cn: "lower-override", NAMES: [{ st: "Bavaria" }], serialnumber: "lower-sn" }],
  ];

  it.each(SUBJECTS)("%s", async (_name, subject) => {
    const args = ["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "req.csr"];
    if (subject !== undefined) args.push(ws.write(ws.fresh("-subject.json"), subject));
    await expectSameIssuance(ws, await ws.both(args), { sameIssuer: true });
  });

  it.each([
    ["replaces every SAN", "new.example.com,10.1.1.1,::1,ops@example.com,spiffe://new/1"],
    ["a single host", "only.example.com"],
  ])("-hostname %s", async (_name, hostname) => {
    const r = await ws.both(["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-hostname", hostname, "req.csr", ws.write(ws.fresh("-subject.json"), { CN: "h" })]);
    await expectSameIssuance(ws, r, { sameIssuer: true });
  });

  it("the CSR from stdin ('-') and from -csr", async () => {
    const csr = ws.read("req.csr");
    const viaStdin = await Promise.all([
      cfssl(["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-"], { cwd: ws.dir, input: csr }),
      (await import("../helpers/exec.js")).k8sPki(["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-"], { cwd: ws.dir, input: csr }),
    ]);
    await expectSameIssuance(ws, { cfssl: viaStdin[0], ours: viaStdin[1] }, { sameIssuer: true });
    await expectSameIssuance(ws, await ws.both(["sign", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-csr", "req.csr"]), { sameIssuer: true });
  });
});

describe("selfsign", () => {
  beforeAll(() => {
    ws.write("selfsign.json", {
      signing: {
        default: { expiry: "100h", usages: ["digital signature", "server auth"], issuer_urls: ["http://issuer.example.com/ca.pem"] },
        profiles: { ca: { expiry: "50h", usages: ["cert sign", "crl sign"], ca_constraint: { is_ca: true, max_path_len: 1 } } },
      },
    });
  });

  it.each([
    ["no config: 2190h, DefaultConfig usages", [], { CN: "self.example.com", hosts: ["self.example.com", "127.0.0.1", "me@example.com", "spiffe://self"], names: [{ O: "Self", E: "dropped@example.com" }] }],
    ["config default profile", ["-config", "selfsign.json"], { CN: "self2", hosts: ["self2.example.com"] }],
    ["config CA profile", ["-config", "selfsign.json", "-profile", "ca"], { CN: "self3", names: [{ C: "US" }] }],
    ["ed25519 key", [], { CN: "self4", key: { algo: "ed25519" } }],
    ["rsa key", [], { CN: "self5", key: { algo: "rsa", size: 2048 } }],
  ])("%s", async (_name, args, req) => {
    const r = await ws.both(["selfsign", ...args, "ignored-hostname"], req);
    await expectSameIssuance(ws, r);
    for (const out of [r.cfssl, r.ours]) expect(out.stderr).toContain("Self-signed certificates are dangerous.");
    // selfsign's serial is below 2^63, unlike the signer's 20 random bytes.
    expect(parseCertificatePem(outputJson(r.ours).cert!).serialNumber < 1n << 63n).toBe(true);
  });

  it("a profile without usages: 5100 like cfssl", async () => {
    ws.write("selfsign-nousage.json", { signing: { default: { expiry: "1h" } } });
    const r = await ws.both(["selfsign", "-config", "selfsign-nousage.json", "h"], { CN: "x" });
    expect(errorJson(r.cfssl.stderr)?.code).toBe(5100);
    expect(errorJson(r.ours.stderr)).toEqual(errorJson(r.cfssl.stderr));
    expect(r.ours.code).toBe(r.cfssl.code);
  });
});
