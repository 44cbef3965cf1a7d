// parseCanonicalCsrPem: the only request form a granting decision reads. Every
// hostile request of issue 12's catalogue is refused; what a kubelet writes
// (and what our own generator writes, which follows Go's encoder) is accepted.
import { describe, expect, it } from "vitest";
import { encodePem, generateKeyAndCsr, isPkiError, parseCanonicalCsrPem, parseCsrJson, type PkiError } from "@k8s/pki";
import { buildCsr, craftedRequests, der, extensionRequest, ext, generateKey, nodeSubject, OIDS, san, sanExt } from "../../helpers/crafted-requests.js";

const crafted = craftedRequests({ nodeName: "node-a", evilName: "node-b" });

// Crafted requests that are canonical and harmless to read: they reach the
// policy, which decides on the same reading Go has (and the approver tests
// show it denies the hostile ones among them).
const CANONICAL = new Set([
  "pem/no-final-newline",
  "extension-request/san-critical",
  "string-types/cn-printable",
  "string-types/o-printable",
  "string-types/multi-valued-rdn",
  "string-types/two-cn-rdns-evil-last",
  "string-types/two-o-masters",
  "san/ipv4-compat-ipv6",
  "san/dns-empty",
  "san/dns-with-nul",
  "san/dns-uppercase",
  "san/dns-trailing-dot",
  "dos/many-rdns",
  "dos/oid-arc-2-pow-31-minus-1",
  "der/subject-set-not-sorted",
  "dos/many-san-ips",
  "dos/long-dns-name",
  "signature/rsa-1024-e65537",
  "signature/rsa-1024-e3",
  "signature/rsa-2048-e3",
  "signature/rsa-2048-e17",
  "signature/ecdsa-p521",
  "signature/ecdsa-p224",
]);
// Hostile in what they ask, refused already for their form (an extension other than subjectAltName).
const POLICY_BUT_NOT_CANONICAL = new Set(["policy/client-with-ca-true"]);
const accepted = (c: { cls: string; name: string }): boolean => c.cls === "control" || (c.cls === "policy" && !POLICY_BUT_NOT_CANONICAL.has(c.name)) || CANONICAL.has(c.name);

function outcome(pem: string): "accepted" | PkiError["code"] {
  try {
    parseCanonicalCsrPem(pem);
    return "accepted";
  } catch (e) {
    if (!isPkiError(e)) throw e;
    return e.code;
  }
}

describe("parseCanonicalCsrPem", () => {
  it("has a catalogue that covers every defect class", () => {
    const classes = new Set(crafted.map((c) => c.cls));
    for (const c of ["control", "pem", "extension-request", "string-types", "san", "dos", "der", "signature", "policy"]) expect(classes).toContain(c);
  });

  it.each(crafted.filter(accepted).map((c) => [c.name, c.pem]))("accepts %s", (_name, pem) => {
    expect(outcome(pem)).toBe("accepted");
  });

  it.each(crafted.filter((c) => !accepted(c)).map((c) => [c.name, c.pem]))("refuses %s", (_name, pem) => {
    const o = outcome(pem);
    expect(o).not.toBe("accepted");
    expect(["csr-not-canonical", "csr-decode-failed", "csr-parse-failed", "csr-bad-request"]).toContain(o);
  });

  it("accepts what @k8s/pki's generator writes (Go's encoder's form), client and serving, for each key type", async () => {
    for (const key of [{ algo: "ecdsa", size: 256 }, { algo: "rsa", size: 2048 }, { algo: "ed25519", size: 0 }]) {
      const client = await generateKeyAndCsr(parseCsrJson({ CN: "system:node:n1", names: [{ O: "system:nodes" }], key }));
      expect(parseCanonicalCsrPem(client.csrPem).subject.commonName).toBe("system:node:n1");
      const serving = await generateKeyAndCsr(parseCsrJson({ CN: "system:node:n1", names: [{ O: "system:nodes" }], hosts: ["n1", "10.0.0.1", "fd00::1"], key }));
      const r = parseCanonicalCsrPem(serving.csrPem);
      expect(r.sans.dns).toEqual(["n1"]);
      expect(r.sans.ip.length).toBe(2);
    }
  });

  it.each([
    ["an email SAN", [san.email("a@b.c")]],
    ["a URI SAN", [san.uri("https://n1/")]],
    ["an otherName SAN", [der.explicit(0, der.seq(der.oid("1.2.3.4"), der.explicit(0, der.str("utf8", "x"))))]],
  ])("refuses %s by default and names the tag", (_what, names) => {
    const key = generateKey();
    const { pem } = buildCsr({ key, subjectRdns: nodeSubject("n1"), attributes: [extensionRequest([sanExt(names)])] });
    expect(() => parseCanonicalCsrPem(pem)).toThrow(/subject alternative name of tag 0x/);
  });

  it("lets a caller allow email and URI SANs", () => {
    const key = generateKey();
    const { pem } = buildCsr({ key, subjectRdns: nodeSubject("n1"), attributes: [extensionRequest([sanExt([san.email("a@b.c"), san.uri("spiffe://c/ns/x")])])] });
    const r = parseCanonicalCsrPem(pem, { sanTypes: ["dns", "ip", "email", "uri"] });
    expect(r.sans.email).toEqual(["a@b.c"]);
    expect(r.sans.uri).toEqual(["spiffe://c/ns/x"]);
  });

  it("refuses an extension other than subjectAltName, even a harmless one", () => {
    const key = generateKey();
    const { pem } = buildCsr({ key, subjectRdns: nodeSubject("n1"), attributes: [extensionRequest([ext(OIDS.keyUsage, der.bits(Buffer.from([0x80])))])] });
    expect(() => parseCanonicalCsrPem(pem)).toThrow(/only subjectAltName/);
  });

  it("refuses a block that is not CERTIFICATE REQUEST, and text that is not PEM", () => {
    const key = generateKey();
    const { der: d } = buildCsr({ key, subjectRdns: nodeSubject("n1") });
    expect(() => parseCanonicalCsrPem(encodePem("NEW CERTIFICATE REQUEST", d))).toThrow(/PEM block type/);
    expect(outcome("not pem at all")).toBe("csr-decode-failed");
  });
});
