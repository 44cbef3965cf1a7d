// Issue 13, kinds 1-4, against the real cfssl 1.6.5 in the same run: what we
// write into a certificate is what cfssl writes (profile URLs as UTF-8, URI
// SANs as Go's url.Parse + String print them), a zero CA lifetime is refused
// as cfssl refuses it, and no SAN is written that Go cannot parse back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { parseCertificatePem } from "@k8s/pki";
import { errorJson, outputJson } from "../helpers/exec.js";
import { expectSameIssuance, Workspace } from "../helpers/workspace.js";

let ws: Workspace;
const CA = ["-ca", "ca.pem", "-ca-key", "ca-key.pem"];
beforeAll(async () => {
  ws = new Workspace();
  await ws.cfsslCa("ca", { CN: "Issuance Root", key: { algo: "ecdsa", size: 256 } });
  ws.write("cfg.json", { signing: { default: { expiry: "8760h", usages: ["signing", "server auth"] } } });
  // A CSR with URI SANs in forms Go's url.Parse + String() rewrites (scheme case, a space, an escaped slash).
  execFileSync("openssl", [
    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ws.path("o.key"), "-subj", "/CN=o",
    "-addext", "subjectAltName=URI:HTTPS://Ab.Example/p q,URI:spiffe://X/Y%2fz,URI:urn:a:B,DNS:A.example", "-out", ws.path("o.csr"),
  ], { stdio: "ignore" });
});
afterAll(() => ws.cleanup());

const extHex = (pem: string, oid: string): string | undefined => parseCertificatePem(pem).extensions.find((e) => e.oid === oid)?.value.toString("hex");

describe("what is written, as cfssl writes it", () => {
  it("profile URLs with non-ASCII characters: their UTF-8 bytes, not one byte per character", async () => {
    ws.write("cfg-urls.json", {
      signing: { default: { expiry: "8760h", usages: ["signing", "server auth"], ocsp_url: "http://ü.example/中", crl_url: "http://crl.ü/x", issuer_urls: ["http://iss.ü/"] } },
    });
    const r = await ws.both(["gencert", ...CA, "-config", "cfg-urls.json"], { CN: "u", hosts: ["u.example"], key: { algo: "ecdsa", size: 256 } });
    const { ours, cfssl } = await expectSameIssuance(ws, r, { sameIssuer: true });
    for (const oid of ["1.3.6.1.5.5.7.1.1", "2.5.29.31"]) expect(extHex(ours.cert!, oid)).toBe(extHex(cfssl.cert!, oid));
    const c = parseCertificatePem(ours.cert!);
    expect(c.ocspServers).toEqual(["http://ü.example/中"]);
    expect(c.crlDistributionPoints).toEqual(["http://crl.ü/x"]);
  });

  it("URI SANs copied from a CSR on sign: as Go's url.Parse + String() print them", async () => {
    const r = await ws.both(["sign", ...CA, "-config", "cfg.json", "o.csr"]);
    const { ours, cfssl } = await expectSameIssuance(ws, r, { sameIssuer: true });
    expect(parseCertificatePem(ours.cert!).sans.uri).toEqual(["https://Ab.Example/p%20q", "spiffe://X/Y%2fz", "urn:a:B"]);
    expect(extHex(ours.cert!, "2.5.29.17")).toBe(extHex(cfssl.cert!, "2.5.29.17"));
  });
});

describe("what is refused, as cfssl refuses it", () => {
  it.each(["0s", "0", "0h0m"])("a zero CA lifetime (ca.expiry %s): 5200, after the key is made", async (expiry) => {
    const r = await ws.both(["gencert", "-initca"], { CN: "z", key: { algo: "ecdsa", size: 256 }, ca: { expiry } });
    expect(r.ours.code).toBe(1);
    expect(errorJson(r.ours.stderr)).toEqual(errorJson(r.cfssl.stderr));
    expect(errorJson(r.ours.stderr)).toEqual({ code: 5200, message: "Invalid or unknown policy" });
  });

  it("a negative or tiny CA lifetime is made, as cfssl makes it", async () => {
    for (const expiry of ["-1h", "1s"]) {
      const r = await ws.both(["gencert", "-initca"], { CN: "z", key: { algo: "ecdsa", size: 256 }, ca: { expiry } });
      expect([r.ours.code, r.cfssl.code]).toEqual([0, 0]);
      expect(outputJson(r.ours).cert).toBeDefined();
    }
  });

  it("a URI host with non-ASCII characters in hosts: 9003 with Go's message, no certificate", async () => {
    const r = await ws.both(["gencert", ...CA, "-config", "cfg.json"], { CN: "x", hosts: ["https://üñí.example/", "a.example"], key: { algo: "ecdsa", size: 256 } });
    expect(r.ours.stdout).toBe("");
    expect(errorJson(r.ours.stderr)).toEqual(errorJson(r.cfssl.stderr));
    expect(errorJson(r.ours.stderr)?.message).toMatch(/cannot parse URI .*: invalid domain/);
  });
});

describe("deliberate difference", () => {
  it("sign -hostname with a non-ASCII URI host: cfssl issues a certificate Go cannot parse; k8s-pki refuses (9003, Go's message)", async () => {
    ws.write("leaf.json", { CN: "x", hosts: ["a.example"], key: { algo: "ecdsa", size: 256 } });
    const made = await ws.both(["genkey", "leaf.json"]);
    ws.write("leaf.csr", outputJson(made.cfssl).csr!);
    const r = await ws.both(["sign", ...CA, "-config", "cfg.json", "-hostname", "https://üñí.example/,b.example", "leaf.csr"]);
    expect(r.cfssl.code).toBe(0);
    // What cfssl wrote is exactly what Go's x509.ParseCertificate (and so @k8s/pki) refuses.
    expect(() => parseCertificatePem(outputJson(r.cfssl).cert!)).toThrow(/cannot parse URI .*invalid domain/);
    expect(r.ours.code).toBe(1);
    expect(r.ours.stdout).toBe("");
    expect(errorJson(r.ours.stderr)).toEqual({ code: 9003, message: 'x509: cannot parse URI "https://%C3%BC%C3%B1%C3%AD.example/": invalid domain' });
  });
});
