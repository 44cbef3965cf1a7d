// A third, independent reader: @peculiar/x509 (asn1-schema based) decodes
// the certificates and CSRs both programs issue from the same inputs, checks
// their signatures with WebCrypto, and must read the same names, extensions
// and constraints from each.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outputJson } from "../helpers/exec.js";
import { Workspace } from "../helpers/workspace.js";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

let ws: Workspace;
beforeAll(async () => {
  ws = new Workspace();
  ws.write("config.json", {
    signing: {
      default: { expiry: "48h", usages: ["signing", "key encipherment", "server auth", "client auth"], ocsp_url: "http://ocsp.example.com", crl_url: "http://crl.example.com/ca.crl" },
      profiles: { ca: { expiry: "48h", usages: ["cert sign", "crl sign"], ca_constraint: { is_ca: true, max_path_len: 1 } } },
    },
  });
});
afterAll(() => ws.cleanup());

/** What @peculiar/x509 reads from a certificate. */
function read(pem: string) {
  const c = new x509.X509Certificate(pem);
  const ku = c.getExtension(x509.KeyUsagesExtension);
  const eku = c.getExtension(x509.ExtendedKeyUsageExtension);
  const bc = c.getExtension(x509.BasicConstraintsExtension);
  const san = c.getExtension(x509.SubjectAlternativeNameExtension);
  return {
    subject: c.subjectName.toJSON(),
    issuer: c.issuerName.toJSON(),
    signatureAlgorithm: c.signatureAlgorithm,
    publicKeyAlgorithm: c.publicKey.algorithm,
    validityMs: c.notAfter.getTime() - c.notBefore.getTime(),
    extensions: c.extensions.map((e) => ({ type: e.type, critical: e.critical })),
    keyUsage: ku?.usages,
    extKeyUsage: eku?.usages,
    basicConstraints: bc && { ca: bc.ca, pathLength: bc.pathLength },
    sans: san?.names.toJSON(),
  };
}

const CASES = [
  { name: "ECDSA root and leaf", ca: { CN: "peculiar root", key: { algo: "ecdsa", size: 256 }, names: [{ C: "US", O: "Example" }] }, leaf: { CN: "leaf", hosts: ["a.example.com", "10.0.0.1", "::1", "u@example.com", "spiffe://x/y"], names: [{ O: "o1" }, { O: "o2", E: "e@example.com" }] }, profile: "" },
  { name: "RSA root, RSA leaf", ca: { CN: "rsa root", key: { algo: "rsa", size: 2048 } }, leaf: { CN: "rsa leaf", key: { algo: "rsa", size: 2048 }, hosts: ["r.example.com"] }, profile: "" },
  { name: "P-384 root, intermediate profile", ca: { CN: "p384 root", key: { algo: "ecdsa", size: 384 }, ca: { pathlen: 2 } }, leaf: { CN: "int", hosts: ["10.9.9.9"], names: [{ OU: "A&B" }] }, profile: "ca" },
  { name: "Ed25519 root and leaf", ca: { CN: "ed root", key: { algo: "ed25519" } }, leaf: { CN: "ed leaf", key: { algo: "ed25519" }, hosts: ["ed.example.com"] }, profile: "" },
];

describe.each(CASES)("$name", ({ name, ca, leaf, profile }) => {
  const tag = name.replace(/\W+/g, "-");

  it("roots: same reading, valid self-signatures", async () => {
    const r = await ws.both(["gencert", "-initca"], ca);
    const c = outputJson(r.cfssl);
    const o = outputJson(r.ours);
    expect(read(o.cert!)).toEqual(read(c.cert!));
    const ours = new x509.X509Certificate(o.cert!);
    expect(await ours.verify({ signatureOnly: true })).toBe(true);
    expect(await ours.isSelfSigned()).toBe(true);
    expect(await new x509.Pkcs10CertificateRequest(o.csr!).verify()).toBe(true);
    ws.write(`${tag}.pem`, c.cert!);
    ws.write(`${tag}-key.pem`, c.key!);
  });

  it("leaves signed by the same CA: same reading, both signatures verify against the CA key", async () => {
    const args = ["gencert", "-ca", `${tag}.pem`, "-ca-key", `${tag}-key.pem`, "-config", "config.json", ...(profile ? ["-profile", profile] : [])];
    const r = await ws.both(args, leaf);
    const c = outputJson(r.cfssl);
    const o = outputJson(r.ours);
    expect(read(o.cert!)).toEqual(read(c.cert!));
    const caCert = new x509.X509Certificate(ws.read(`${tag}.pem`));
    for (const pem of [o.cert!, c.cert!]) {
      expect(await new x509.X509Certificate(pem).verify({ publicKey: caCert.publicKey, signatureOnly: true })).toBe(true);
    }
    expect(await new x509.Pkcs10CertificateRequest(o.csr!).verify()).toBe(true);
    const chain = await new x509.X509ChainBuilder({ certificates: [caCert] }).build(new x509.X509Certificate(o.cert!));
    expect(chain.length).toBe(2);
  });
});
