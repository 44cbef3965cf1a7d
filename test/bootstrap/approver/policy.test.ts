import { beforeAll, describe, expect, it } from "vitest";
import { createCsrDer, encodePem, generateKey, generateKeyAndCsr, parseCsrJson, emptyName, type PrivateKey } from "@k8s/pki";
import { decide, DEFAULT_POLICY, dnsAllowed, ipInCidr, type ApproverPolicy, type Decision, type Facts } from "../../../packages/bootstrap/src/approver/policy.js";
import { KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, type CsrObject } from "../../../packages/bootstrap/src/approver/csr-facts.js";

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

let rsa1024: PrivateKey;
beforeAll(async () => {
  // A key cfssl's generator refuses (too weak) but a hand-made CSR may carry.
  const { generateKeyPairSync } = await import("node:crypto");
  const { fromKeyObject } = await import("@k8s/pki");
  rsa1024 = fromKeyObject(generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey);
  void generateKey;
});

describe("decide: kubelet client certificates", () => {
  it("asks for the nodeclient SAR for a bootstrapper, then approves", async () => {
    const c = obj(await csrPem(node("n1")));
    expect(decide(c, policy)).toEqual({ action: "need", sar: { subresource: "nodeclient" } });
    expect(decide(c, policy, { sarAllowed: true })).toMatchObject({ action: "approve", rule: "nodeclient" });
    expect(decide(c, policy, { sarAllowed: false })).toMatchObject({ action: "wait", rule: "subject-access-review" });
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
    ["an email SAN", { ...node("n1"), hosts: ["n1@example.com"] }, {}, "san-forbidden"],
    ["a URI SAN", { ...node("n1"), hosts: ["spiffe://cluster/n1"] }, {}, "san-forbidden"],
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

  it("denies a weak RSA key", async () => {
    const subject = { ...emptyName(), organization: ["system:nodes"], commonName: "system:node:n1" };
    const pem = encodePem("CERTIFICATE REQUEST", createCsrDer({ subject, sans: { dns: [], email: [], ip: [], uri: [], other: [] }, extraExtensions: [] }, rsa1024));
    expect(decide(obj(pem), policy, { sarAllowed: true })).toMatchObject({ action: "deny", rule: "key-type" });
  });

  it("denies a request whose signature does not verify", async () => {
    const pem = await csrPem(node("n1"));
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    der[der.length - 5]! ^= 0xff;
    expect(decide(obj(encodePem("CERTIFICATE REQUEST", der)), policy)).toMatchObject({ action: "deny", rule: "unparseable-request" });
  });

  it("reads only the first PEM block, which must be a CERTIFICATE REQUEST", async () => {
    const good = await csrPem(node("n1"));
    const bad = await csrPem({ CN: "system:node:n1", names: [{ O: "system:masters" }] });
    expect(decide(obj(bad + good), policy, { sarAllowed: true })).toMatchObject({ action: "deny", rule: "organization" });
    expect(decide(obj(good.replace(/CERTIFICATE REQUEST/g, "NEW CERTIFICATE REQUEST")), policy)).toMatchObject({ action: "deny", rule: "unparseable-request" });
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
    expect(decide(c, policy, nodeFacts(["10.0.0.11"]))).toEqual({ action: "need", sar: { subresource: "selfnodeserver" } });
    expect(decide(c, policy, { ...nodeFacts(["10.0.0.11"]), sarAllowed: true })).toMatchObject({ action: "approve", rule: "selfnodeserver" });
    expect(decide(c, policy, { ...nodeFacts(["10.0.0.11"]), sarAllowed: false })).toMatchObject({ action: "wait" });
  });

  it("treats an IPv4-mapped IPv6 SAN as the IPv4 address", async () => {
    const c = obj(await csrPem({ ...node("n1"), hosts: ["::ffff:10.0.0.11"] }), serving());
    expect(decide(c, policy, { ...nodeFacts(["10.0.0.11"]), sarAllowed: true })).toMatchObject({ action: "approve" });
  });

  it("uses the CIDRs while the Node does not exist, and waits outside them", async () => {
    const inside = obj(await csrPem({ ...node("n1"), hosts: ["10.0.0.99"] }), serving());
    expect(decide(inside, policy, { node: { exists: false, addresses: [] }, sarAllowed: true })).toMatchObject({ action: "approve" });
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
    ["an email SAN", { ...node("n1"), hosts: ["n1", "a@b.c"] }, {}, f, "san-types"],
    ["a URI SAN", { ...node("n1"), hosts: ["n1", "https://n1"] }, {}, f, "san-types"],
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
