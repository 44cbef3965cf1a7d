import { beforeAll, describe, expect, it, vi } from "vitest";
import { createCsrDer, encodePem, generateKey, generateKeyAndCsr, parseCsrJson, emptyName, type PrivateKey } from "@k8s/pki";
import { decide, DEFAULT_POLICY, dnsAllowed, ipInCidr, type ApproverPolicy, type Decision, type Facts } from "../../../packages/bootstrap/src/approver/policy.js";
import { KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, type CsrObject } from "../../../packages/bootstrap/src/approver/csr-facts.js";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { buildCsr, OIDS } from "../../helpers/crafted-requests.js";

// The parser says which requests are not canonical; the policy's part is to
// deny them under their own rule. Requests marked "non-canonical:" stand for
// what the parser refuses that way; everything else is parsed for real.
vi.mock("../../../packages/bootstrap/src/approver/csr-facts.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../../packages/bootstrap/src/approver/csr-facts.js")>();
  const parseRequest = (pem: string): ReturnType<typeof real.parseRequest> => {
    const m = /^(non-canonical|unparseable): (.*)$/s.exec(pem);
    if (m) return { ok: false, rule: `${m[1]}-request`, error: m[2]! } as unknown as ReturnType<typeof real.parseRequest>;
    return real.parseRequest(pem);
  };
  return { ...real, parseRequest };
});

const CLIENT_USAGES = ["digital signature", "key encipherment", "client auth"];
const SERVING_USAGES = ["digital signature", "server auth"];
const policy: ApproverPolicy = { ...DEFAULT_POLICY, dnsPatterns: ["{node}\\.cluster\\.example"], cidrs: ["10.0.0.0/24"], maxExpirationSeconds: 86_400 };

async function csrPem(json: object): Promise<string> {
  return (await generateKeyAndCsr(parseCsrJson(json))).csrPem;
}

function obj(request: string, o: Partial<CsrObject> = {}): CsrObject {
  return {
    name: "csr-1",
    signerName: KUBELET_CLIENT_SIGNER,
    request,
    usages: CLIENT_USAGES,
    username: "system:bootstrap:abcdef",
    groups: ["system:bootstrappers", "system:authenticated"],
    conditions: [],
    issued: false,
    ...o,
  };
}

const node = (n: string) => ({ CN: `system:node:${n}`, names: [{ O: "system:nodes" }] });
const nodeFacts = (addresses: string[]): Facts => ({ node: { exists: true, addresses } });
const noNode = { exists: false, addresses: [] };

let rsa1024: PrivateKey;
let rsa1024Object: KeyObject;
beforeAll(async () => {
  // A key cfssl's generator refuses (too weak) but a hand-made CSR may carry.
  const { fromKeyObject } = await import("@k8s/pki");
  rsa1024Object = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
  rsa1024 = fromKeyObject(rsa1024Object);
});

describe("decide: kubelet client certificates", () => {
  it("looks the Node up, asks for the nodeclient SAR for a bootstrapper, then approves", async () => {
    const c = obj(await csrPem(node("n1")));
    expect(decide(c, policy)).toEqual({ action: "need", node: "n1" });
    expect(decide(c, policy, { node: noNode })).toEqual({ action: "need", sar: { subresource: "nodeclient" } });
    expect(decide(c, policy, { node: noNode, sarAllowed: true })).toMatchObject({ action: "approve", rule: "nodeclient" });
    expect(decide(c, policy, { node: noNode, sarAllowed: false })).toMatchObject({ action: "wait", rule: "subject-access-review" });
  });

  it("uses the selfnodeclient SAR when the node renews its own certificate", async () => {
    const c = obj(await csrPem(node("n1")), { username: "system:node:n1", groups: ["system:nodes", "system:authenticated"], usages: ["digital signature", "client auth"] });
    expect(decide(c, policy)).toEqual({ action: "need", sar: { subresource: "selfnodeclient" } });
    expect(decide(c, policy, { sarAllowed: true })).toMatchObject({ action: "approve", rule: "selfnodeclient" });
  });

  type Case = [string, object, Partial<CsrObject>, string];
  const cases: Case[] = [
    ["another node's client certificate, asked by a node", node("n2"), { username: "system:node:n1", groups: ["system:nodes"] }, "requester"],
    ["O missing", { CN: "system:node:n1" }, {}, "organization"],
    ["O with an extra value (a repeated attribute)", { CN: "system:node:n1", names: [{ O: "system:nodes" }, { O: "system:masters" }] }, {}, "repeated-subject-attribute"],
    ["O system:masters", { CN: "system:node:n1", names: [{ O: "system:masters" }] }, {}, "organization"],
    ["CN without the prefix", { CN: "n1", names: [{ O: "system:nodes" }] }, {}, "common-name"],
    ["CN with an invalid node name", { CN: "system:node:N_1", names: [{ O: "system:nodes" }] }, {}, "common-name"],
    ["a DNS SAN", { ...node("n1"), hosts: ["n1"] }, {}, "san-forbidden"],
    ["an IP SAN", { ...node("n1"), hosts: ["10.0.0.1"] }, {}, "san-forbidden"],
    // SAN types other than DNS and IP are not canonical: the parser refuses them before the policy's own rule would.
    ["an email SAN", { ...node("n1"), hosts: ["n1@example.com"] }, {}, "non-canonical-request"],
    ["a URI SAN", { ...node("n1"), hosts: ["spiffe://cluster/n1"] }, {}, "non-canonical-request"],
    ["server auth usages", node("n1"), { usages: ["digital signature", "key encipherment", "server auth"] }, "usages"],
    ["an extra usage", node("n1"), { usages: [...CLIENT_USAGES, "server auth"] }, "usages"],
    ["a repeated usage", node("n1"), { usages: ["digital signature", "client auth", "client auth"] }, "usages"],
    ["too long an expiration", node("n1"), { expirationSeconds: 86_401 }, "expiration"],
  ];
  it.each(cases)("denies %s", async (_name, json, o, rule) => {
    const d = decide(obj(await csrPem(json), o), policy, { sarAllowed: true });
    expect(d).toMatchObject({ action: "deny", rule });
  });

  it("denies a repeated CN (the signer would take the last one)", async () => {
    const key = rsa1024;
    // Two CN attributes: the second goes in through extraNames, which are encoded verbatim.
    const subject = { ...emptyName(), organization: ["system:nodes"], commonName: "system:node:n1", extraNames: [{ type: "2.5.4.3", value: "system:node:n2" }] };
    const pem = encodePem("CERTIFICATE REQUEST", createCsrDer({ subject, sans: { dns: [], email: [], ip: [], uri: [], other: [] }, extraExtensions: [] }, key));
    expect(decide(obj(pem), policy, { sarAllowed: true })).toMatchObject({ action: "deny" });
  });

  it("denies a weak RSA key", () => {
    // Signed with SHA-256 as Go signs, so that only the key breaks a rule (our encoder signs RSA-1024 with SHA-1).
    const pem = buildCsr({ key: rsa1024Object, subjectRdns: [[[OIDS.organization, "system:nodes"]], [[OIDS.commonName, "system:node:n1"]]] }).pem;
    expect(decide(obj(pem), policy, { sarAllowed: true, node: noNode })).toMatchObject({ action: "deny", rule: "key-type" });
  });

  it("denies a request whose signature does not verify", async () => {
    const pem = await csrPem(node("n1"));
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    der[der.length - 5]! ^= 0xff;
    expect(decide(obj(encodePem("CERTIFICATE REQUEST", der)), policy)).toMatchObject({ action: "deny", rule: "unparseable-request" });
  });

  it("reads exactly one PEM block, which must be a CERTIFICATE REQUEST", async () => {
    const good = await csrPem(node("n1"));
    const bad = await csrPem({ CN: "system:node:n1", names: [{ O: "system:masters" }] });
    // Two blocks, or another block type, are not what the kubelet writes.
    expect(decide(obj(bad + good), policy, { sarAllowed: true })).toMatchObject({ action: "deny", rule: "non-canonical-request" });
    expect(decide(obj(good + bad), policy, { sarAllowed: true })).toMatchObject({ action: "deny", rule: "non-canonical-request" });
    expect(decide(obj(good.replace(/CERTIFICATE REQUEST/g, "NEW CERTIFICATE REQUEST")), policy)).toMatchObject({ action: "deny", rule: expect.stringMatching(/^(unparseable|non-canonical)-request$/) });
  });
});

describe("decide: kubelet serving certificates", () => {
  const serving = (o: Partial<CsrObject> = {}): Partial<CsrObject> => ({
    signerName: KUBELET_SERVING_SIGNER,
    usages: SERVING_USAGES,
    username: "system:node:n1",
    groups: ["system:nodes", "system:authenticated"],
    ...o,
  });

  it("approves the node's own name and Node address after the selfnodeserver SAR", async () => {
    const c = obj(await csrPem({ ...node("n1"), hosts: ["n1", "n1.cluster.example", "10.0.0.11"] }), serving());
    expect(decide(c, policy)).toEqual({ action: "need", node: "n1" });
    // n1.cluster.example is not the node's own name: no other Node may own it.
    expect(decide(c, policy, nodeFacts(["10.0.0.11"]))).toEqual({ action: "need", nodeAddresses: true });
    const known = { ...nodeFacts(["10.0.0.11"]), nodeAddresses: [] };
    expect(decide(c, policy, known)).toEqual({ action: "need", sar: { subresource: "selfnodeserver" } });
    expect(decide(c, policy, { ...known, sarAllowed: true })).toMatchObject({ action: "approve", rule: "selfnodeserver" });
    expect(decide(c, policy, { ...known, sarAllowed: false })).toMatchObject({ action: "wait" });
  });

  it("treats an IPv4-mapped IPv6 SAN as the IPv4 address", async () => {
    const c = obj(await csrPem({ ...node("n1"), hosts: ["::ffff:10.0.0.11"] }), serving());
    expect(decide(c, policy, { ...nodeFacts(["10.0.0.11"]), sarAllowed: true })).toMatchObject({ action: "approve" });
  });

  it("uses the CIDRs while the Node does not exist, and waits outside them", async () => {
    const inside = obj(await csrPem({ ...node("n1"), hosts: ["10.0.0.99"] }), serving());
    expect(decide(inside, policy, { node: noNode, sarAllowed: true })).toEqual({ action: "need", nodeAddresses: true });
    expect(decide(inside, policy, { node: noNode, nodeAddresses: [{ name: "n2", addresses: ["10.0.0.12"] }], sarAllowed: true })).toMatchObject({ action: "approve" });
    const outside = obj(await csrPem({ ...node("n1"), hosts: ["192.168.1.5"] }), serving());
    expect(decide(outside, policy, { node: { exists: false, addresses: [] }, sarAllowed: true })).toMatchObject({ action: "wait", rule: "ip-address" });
  });

  type Case = [string, object, Partial<CsrObject>, Facts, string];
  const f = { ...nodeFacts(["10.0.0.11"]), sarAllowed: true };
  const cases: Case[] = [
    ["another node's name as DNS", { ...node("n1"), hosts: ["n2"] }, {}, f, "dns-name"],
    ["a name that only starts with the node name", { ...node("n1"), hosts: ["n1.evil.example"] }, {}, f, "dns-name"],
    ["a wildcard", { ...node("n1"), hosts: ["*.cluster.example"] }, {}, f, "dns-name"],
    ["another node's IP", { ...node("n1"), hosts: ["10.0.0.12"] }, {}, f, "ip-address"],
    ["an email SAN", { ...node("n1"), hosts: ["n1", "a@b.c"] }, {}, f, "non-canonical-request"],
    ["a URI SAN", { ...node("n1"), hosts: ["n1", "https://n1"] }, {}, f, "non-canonical-request"],
    ["no SAN", node("n1"), {}, f, "san-required"],
    ["CN of another node", { ...node("n2"), hosts: ["n1"] }, {}, f, "common-name"],
    ["wrong O", { CN: "system:node:n1", names: [{ O: "system:masters" }], hosts: ["n1"] }, {}, f, "organization"],
    ["client usages", { ...node("n1"), hosts: ["n1"] }, { usages: CLIENT_USAGES }, f, "usages"],
    ["a requester that is not a node", { ...node("n1"), hosts: ["n1"] }, { username: "alice", groups: ["system:authenticated"] }, f, "requester"],
    ["a node user without the system:nodes group", { ...node("n1"), hosts: ["n1"] }, { groups: ["system:authenticated"] }, f, "requester"],
    ["a bootstrapper", { ...node("n1"), hosts: ["n1"] }, { username: "system:bootstrap:abcdef", groups: ["system:bootstrappers"] }, f, "requester"],
    ["too long an expiration", { ...node("n1"), hosts: ["n1"] }, { expirationSeconds: 10 * 86_400 }, f, "expiration"],
  ];
  it.each(cases)("denies %s", async (_name, json, o, facts, rule) => {
    const d: Decision = decide(obj(await csrPem(json), serving(o)), policy, facts);
    expect(d).toMatchObject({ action: "deny", rule });
  });
});

describe("decide: what is not ours", () => {
  it.each([
    ["another signer", { signerName: "kubernetes.io/kube-apiserver-client" }],
    ["a legacy signer", { signerName: "kubernetes.io/legacy-unknown" }],
    ["an approved CSR", { conditions: ["Approved"] }],
    ["a denied CSR", { conditions: ["Denied"] }],
    ["a failed CSR", { conditions: ["Failed"] }],
    ["an issued CSR", { issued: true }],
  ])("ignores %s", async (_name, o) => {
    expect(decide(obj(await csrPem(node("n1")), o), policy, { sarAllowed: true })).toMatchObject({ action: "ignore" });
  });

  it("handles only the configured signers", async () => {
    const c = obj(await csrPem(node("n1")));
    expect(decide(c, { ...policy, signers: [KUBELET_SERVING_SIGNER] })).toMatchObject({ action: "ignore" });
  });
});

describe("ipInCidr", () => {
  it.each([
    ["10.0.0.5", "10.0.0.0/24", true],
    ["10.0.1.5", "10.0.0.0/24", false],
    ["10.0.0.5", "0.0.0.0/0", true],
    ["fd00::1", "fd00::/8", true],
    ["fe80::1", "fd00::/8", false],
    ["10.0.0.5", "fd00::/8", false],
    ["10.0.0.5", "10.0.0.0/33", false],
    // Go's net.ParseIP/ParseCIDR and IPNet.Contains (each row checked with Go 1.26): v4-mapped networks and
    // addresses, host bits in the network, and the forms Go refuses (leading zeros, hex) are never inside.
    ["10.0.0.5", "::ffff:10.0.0.0/104", true],
    ["10.0.0.5", "::ffff:10.0.0.0/80", false],
    ["::", "::ffff:10.0.0.0/80", true],
    ["10.9.0.5", "::ffff:0:0/96", true],
    ["::ffff:10.0.0.5", "10.0.0.0/8", true],
    ["10.0.0.5", "::/0", false],
    ["10.0.0.5", "10.0.0.7/24", true],
    ["010.0.0.5", "10.0.0.0/8", false],
    ["10.0.0.5", "0x0a.0.0.0/8", false],
    ["10.0.0.5", "010.0.0.0/8", false],
    ["1..0.5", "1.0.0.0/8", false],
    [" 10.0.0.5", "10.0.0.0/8", false],
  ])("%s in %s = %s", (ip, cidr, want) => expect(ipInCidr(ip, cidr)).toBe(want));
});

describe("dnsAllowed", () => {
  it.each([
    ["n1", [], true],
    ["n1.cluster.example", ["{node}\\.cluster\\.example"], true],
    ["n1xcluster.example", ["{node}\\.cluster\\.example"], false],
    ["n1xcluster.example", ["{node}.cluster.example"], true],
    ["n10.cluster.example", ["{node}\\.cluster\\.example"], false],
    ["a.n1.cluster.example", ["{node}\\.cluster\\.example"], false],
    ["ip-10-0-0-1.ec2.internal", ["ip-[0-9-]+\\.ec2\\.internal"], true],
  ])("%s with %j = %s", (name, patterns, want) => expect(dnsAllowed(name, "n1", patterns)).toBe(want));
});

describe("decide: requests the parser refuses", () => {
  it.each([
    ["non-canonical: text after the END line", "non-canonical-request"],
    ["unparseable: bad signature", "unparseable-request"],
  ])("denies %j under rule %s, before any other check", (request, rule) => {
    for (const o of [{}, { signerName: KUBELET_SERVING_SIGNER, usages: SERVING_USAGES, username: "system:node:n1", groups: ["system:nodes"] }]) {
      const d = decide(obj(request, o), policy, { sarAllowed: true, node: noNode, nodeAddresses: [] });
      expect(d).toMatchObject({ action: "deny", rule });
      expect((d as { message: string }).message).toContain(request.slice(request.indexOf(": ") + 2));
    }
  });
});

describe("decide: node takeover through a bootstrap credential", () => {
  const registered = { node: { exists: true, addresses: ["10.0.0.12"] }, sarAllowed: true };
  const bootstrapper = {};
  const admin = { username: "alice", groups: ["system:masters", "system:authenticated"] };
  const selfRenewal = { username: "system:node:n2", groups: ["system:nodes", "system:authenticated"] };
  type Case = [string, Partial<CsrObject>, Partial<ApproverPolicy>, Facts, Partial<Decision>];
  const cases: Case[] = [
    ["a bootstrapper, for a registered node: denied", bootstrapper, {}, registered, { action: "deny", rule: "registered-node" }],
    ["any other requester, for a registered node: denied", admin, {}, registered, { action: "deny", rule: "registered-node" }],
    ["a bootstrapper, for a registered node, with allowRebootstrap: approved", bootstrapper, { allowRebootstrap: true }, registered, { action: "approve", rule: "nodeclient" }],
    ["a bootstrapper, for a new node: approved", bootstrapper, {}, { node: noNode, sarAllowed: true }, { action: "approve", rule: "nodeclient" }],
    ["the node renewing its own certificate: approved", selfRenewal, {}, registered, { action: "approve", rule: "selfnodeclient" }],
    // What the controller leaves out when the Node lookup fails: never an approval.
    ["a bootstrapper, the Node lookup failed", bootstrapper, {}, { sarAllowed: true }, { action: "need", node: "n2" }],
  ];
  it.each(cases)("%s", async (_name, o, p, facts, want) => {
    const d = decide(obj(await csrPem(node("n2")), o), { ...policy, ...p }, facts);
    expect(d).toMatchObject(want);
    if (d.action === "deny") expect(d.message).toMatch(/node n2 is already registered/);
  });

  it("needs no Node lookup for a renewal, nor with allowRebootstrap", async () => {
    const pem = await csrPem(node("n2"));
    expect(decide(obj(pem, selfRenewal), policy)).toEqual({ action: "need", sar: { subresource: "selfnodeclient" } });
    expect(decide(obj(pem), { ...policy, allowRebootstrap: true })).toEqual({ action: "need", sar: { subresource: "nodeclient" } });
  });
});

describe("decide: serving certificate names and counts", () => {
  const serving: Partial<CsrObject> = { signerName: KUBELET_SERVING_SIGNER, usages: SERVING_USAGES, username: "system:node:n1", groups: ["system:nodes", "system:authenticated"] };
  const ips = (n: number): string[] => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}`);
  const own = (n: number): Facts => ({ node: { exists: true, addresses: ips(n) }, nodeAddresses: [], sarAllowed: true });
  let key: PrivateKey;
  beforeAll(async () => {
    key = await generateKey({ algo: "ecdsa", size: 256 });
  });
  // Built directly, so that names cfssl's request parsing would reject or drop get in.
  const request = (dns: string[], ip: string[] = []): string =>
    encodePem(
      "CERTIFICATE REQUEST",
      createCsrDer({ subject: { ...emptyName(), organization: ["system:nodes"], commonName: "system:node:n1" }, sans: { dns, email: [], ip: ip.map((a) => Buffer.from(a.split(".").map(Number))), uri: [], other: [] }, extraExtensions: [] }, key),
    );

  type Case = [string, string[], string[], Partial<ApproverPolicy>, Facts, Partial<Decision>];
  const long = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}`; // 255 characters
  const cases: Case[] = [
    ["32 names (the default limit)", ["n1"], ips(31), {}, own(31), { action: "approve" }],
    ["33 names", ["n1"], ips(32), {}, own(32), { action: "deny", rule: "san-count" }],
    ["1,000 copies of the node's own name", Array(1000).fill("n1"), [], {}, own(0), { action: "deny", rule: "san-count" }],
    ["3 names with --max-sans 2", ["n1"], ips(2), { maxSans: 2 }, own(2), { action: "deny", rule: "san-count" }],
    ["an empty DNS name", ["n1", ""], [], {}, own(0), { action: "deny", rule: "dns-name" }],
    ["a DNS name longer than 253 characters, even if a pattern matches it", [long], [], { dnsPatterns: [".*"] }, own(0), { action: "deny", rule: "dns-name" }],
    ["a 253-character DNS name a pattern allows", [long.slice(0, 253)], [], { dnsPatterns: ["[a-d.]+"] }, own(0), { action: "approve" }],
  ];
  it.each(cases)("%s", (_name, dns, ip, p, facts, want) => {
    expect(decide(obj(request(dns, ip), serving), { ...policy, ...p }, facts)).toMatchObject(want);
  });
});

describe("decide: --cidr and the addresses of other Nodes", () => {
  const serving = (n: string): Partial<CsrObject> => ({ signerName: KUBELET_SERVING_SIGNER, usages: SERVING_USAGES, username: `system:node:${n}`, groups: ["system:nodes"] });
  const others = [
    { name: "n2", addresses: ["10.0.0.12", "fd00::12"] },
    { name: "n3", addresses: ["10.0.0.13"] },
  ];
  type Case = [string, string, string[], Facts, Partial<Decision>];
  const cases: Case[] = [
    ["a new node, a free IP in the CIDR", "n1", ["10.0.0.99"], { node: noNode, nodeAddresses: others, sarAllowed: true }, { action: "approve" }],
    ["a new node, another node's IP", "n1", ["n1", "10.0.0.99", "10.0.0.13"], { node: noNode, nodeAddresses: others, sarAllowed: true }, { action: "deny", rule: "ip-address", message: expect.stringContaining("node n3") }],
    ["a new node, another node's IPv4 as IPv4-mapped IPv6", "n1", ["::ffff:10.0.0.12"], { node: noNode, nodeAddresses: others, sarAllowed: true }, { action: "deny", rule: "ip-address", message: expect.stringContaining("node n2") }],
    // The list is taken after the lookup; a node registered in between is not "another" node.
    ["a node that registered meanwhile, its own IP", "n2", ["10.0.0.12"], { node: noNode, nodeAddresses: others, sarAllowed: true }, { action: "approve" }],
    // What the controller leaves out when listing Nodes fails: never an approval.
    ["a new node, listing Nodes failed", "n1", ["10.0.0.99"], { node: noNode, sarAllowed: true }, { action: "need", nodeAddresses: true }],
    ["a registered node: its own addresses decide, no list", "n1", ["10.0.0.11"], { ...nodeFacts(["10.0.0.11"]), sarAllowed: true }, { action: "approve" }],
    // Hostile requests against the CIDR rule (Go's ParseIP/IPNet.Contains): just outside, in IPv4-mapped form, in IPv6.
    ["a new node, the first IP past the CIDR", "n1", ["10.0.1.0"], { node: noNode, nodeAddresses: others, sarAllowed: true }, { action: "wait", rule: "ip-address" }],
    ["a new node, an outside IPv4 as IPv4-mapped IPv6", "n1", ["::ffff:10.0.1.5"], { node: noNode, nodeAddresses: others, sarAllowed: true }, { action: "wait", rule: "ip-address" }],
    ["a new node, an IPv6 just past fd00::/64", "n1", ["fd00:0:0:1::5"], { node: noNode, nodeAddresses: others, sarAllowed: true }, { action: "wait", rule: "ip-address" }],
    ["a new node, one inside and one outside", "n1", ["10.0.0.99", "192.168.0.1"], { node: noNode, nodeAddresses: others, sarAllowed: true }, { action: "wait", rule: "ip-address" }],
    ["a new node, a free inside IPv4 in IPv4-mapped form (Go reads 10.0.0.99)", "n1", ["::ffff:10.0.0.99"], { node: noNode, nodeAddresses: others, sarAllowed: true }, { action: "approve" }],
  ];
  it.each(cases)("%s", async (_name, n, hosts, facts, want) => {
    expect(decide(obj(await csrPem({ ...node(n), hosts }), serving(n)), { ...policy, cidrs: ["10.0.0.0/24", "fd00::/64"] }, facts)).toMatchObject(want);
  });

  // A CIDR given in IPv4-mapped notation is the IPv4 network its last 32 bits name, as in Go.
  it.each([
    ["10.0.0.99", { action: "approve" }],
    ["10.0.1.5", { action: "wait", rule: "ip-address" }],
    ["fd00::5", { action: "wait", rule: "ip-address" }],
  ] as [string, Partial<Decision>][])("--cidr ::ffff:10.0.0.0/120, a new node asking for %s", async (ip, want) => {
    const facts: Facts = { node: noNode, nodeAddresses: others, sarAllowed: true };
    expect(decide(obj(await csrPem({ ...node("n1"), hosts: [ip] }), serving("n1")), { ...policy, cidrs: ["::ffff:10.0.0.0/120"] }, facts)).toMatchObject(want);
  });
});

describe("decide: --dns-pattern never hands out another Node's name", () => {
  const serving = (n: string): Partial<CsrObject> => ({ signerName: KUBELET_SERVING_SIGNER, usages: SERVING_USAGES, username: `system:node:${n}`, groups: ["system:nodes"] });
  const nodes = [
    { name: "ip-10-0-0-12.ec2.internal", addresses: ["10.0.0.12"], dnsNames: ["ip-10-0-0-12.ec2.internal", "web-2.example"] },
    { name: "ip-10-0-0-11.ec2.internal", addresses: ["10.0.0.11"], dnsNames: ["ip-10-0-0-11.ec2.internal"] },
  ];
  const broad = { dnsPatterns: ["ip-[0-9-]+\\.ec2\\.internal", "web-[0-9]+\\.example"] };
  type Case = [string, string[], Facts, Partial<Decision>];
  const me = "ip-10-0-0-11.ec2.internal";
  const cases: Case[] = [
    ["its own name needs no list", [me], { sarAllowed: true }, { action: "approve" }],
    ["a pattern-matched name asks for the Nodes first", ["web-1.example"], { sarAllowed: true }, { action: "need", nodeAddresses: true }],
    ["a free pattern-matched name", ["web-1.example"], { sarAllowed: true, nodeAddresses: nodes }, { action: "approve" }],
    ["another Node's name", ["ip-10-0-0-12.ec2.internal"], { sarAllowed: true, nodeAddresses: nodes }, { action: "deny", rule: "dns-name", message: expect.stringContaining("belongs to node ip-10-0-0-12") }],
    ["another Node's DNS address, in other case", ["WEB-2.example"], { sarAllowed: true, nodeAddresses: nodes }, { action: "deny", rule: "dns-name" }],
  ];
  it.each(cases)("%s", async (_name, hosts, facts, want) => {
    expect(decide(obj(await csrPem({ ...node(me), hosts }), serving(me)), { ...policy, ...broad }, facts)).toMatchObject(want);
  });
});

describe("decide: a missing fact never approves", () => {
  // Every combination of facts left out (what a failed lookup leaves) gives "need", never "approve".
  const subsets = (f: Facts): Facts[] => {
    const keys = Object.keys(f) as (keyof Facts)[];
    return Array.from({ length: 2 ** keys.length - 1 }, (_, m) => Object.fromEntries(keys.filter((_, i) => m & (1 << i)).map((k) => [k, f[k]])) as Facts);
  };
  it.each([
    ["bootstrap client", node("n1"), {}, { node: noNode, sarAllowed: true }],
    ["serving, registered node", { ...node("n1"), hosts: ["n1", "10.0.0.11"] }, { signerName: KUBELET_SERVING_SIGNER, usages: SERVING_USAGES, username: "system:node:n1", groups: ["system:nodes"] }, { ...nodeFacts(["10.0.0.11"]), sarAllowed: true }],
    ["serving, new node in the CIDR", { ...node("n1"), hosts: ["10.0.0.99"] }, { signerName: KUBELET_SERVING_SIGNER, usages: SERVING_USAGES, username: "system:node:n1", groups: ["system:nodes"] }, { node: noNode, nodeAddresses: [], sarAllowed: true }],
  ] as [string, object, Partial<CsrObject>, Facts][])("%s", async (_name, json, o, all) => {
    const c = obj(await csrPem(json), o);
    expect(decide(c, policy, all)).toMatchObject({ action: "approve" });
    for (const partial of subsets(all)) expect(decide(c, policy, partial).action).toBe("need");
  });
});
