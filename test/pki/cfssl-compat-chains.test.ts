// Chains verified by OpenSSL, across implementations: cfssl's CA signs
// k8s-pki's CSRs and k8s-pki's CA signs cfssl's, mixed three-level chains,
// and Debian's older cfssl 1.2.0 as a second peer. For 1.2.0 (a different
// version) only interoperability is checked, never identical output.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificatePem } from "@k8s/pki";
import { debianCfsslBin } from "../helpers/cfssl.js";
import { opensslVerify } from "../helpers/compare.js";
import { cfssl, k8sPki, outputJson, run } from "../helpers/exec.js";
import { Workspace } from "../helpers/workspace.js";

let ws: Workspace;
const opts = () => ({ cwd: ws.dir });

/** Runs a cfssl-style command and writes NAME.pem / NAME-key.pem / NAME.csr from its JSON. */
async function issue(name: string, r: Promise<{ code: number; stdout: string; stderr: string; cmd: string }>): Promise<Record<string, string>> {
  const out = outputJson(await r);
  if (out.cert) ws.write(`${name}.pem`, out.cert);
  if (out.key) ws.write(`${name}-key.pem`, out.key);
  if (out.csr) ws.write(`${name}.csr`, out.csr);
  return out;
}

const KEYS = [{ algo: "ecdsa", size: 256 }, { algo: "rsa", size: 2048 }, { algo: "ed25519" }, { algo: "ecdsa", size: 384 }];

beforeAll(async () => {
  ws = new Workspace();
  ws.write("root.json", { CN: "Chain Root", names: [{ C: "US", O: "Chains" }], ca: { pathlen: 2 } });
  ws.write("config.json", {
    signing: {
      default: { expiry: "8760h", usages: ["signing", "key encipherment", "server auth", "client auth"] },
      profiles: { intermediate: { expiry: "8760h", usages: ["cert sign", "crl sign"], ca_constraint: { is_ca: true, max_path_len: 1 } } },
    },
  });
  await issue("cfssl-root", cfssl(["gencert", "-initca", "root.json"], opts()));
  await issue("ours-root", k8sPki(["gencert", "-initca", "root.json"], opts()));
});
afterAll(() => ws.cleanup());

describe("cross-signing with cfssl v1.6.5", () => {
  it.each(KEYS)("cfssl's CA signs a k8s-pki CSR ($algo $size)", async (key) => {
    const name = `ours-req-${key.algo}${key.size ?? ""}`;
    await issue(name, k8sPki(["genkey", ws.write(`${name}.json`, { CN: name, hosts: [`${name}.example.com`, "10.0.0.1"], key })], opts()));
    await issue(`${name}-by-cfssl`, cfssl(["sign", "-ca", "cfssl-root.pem", "-ca-key", "cfssl-root-key.pem", `${name}.csr`], opts()));
    await opensslVerify(ws.dir, "cfssl-root.pem", `${name}-by-cfssl.pem`);
  });

  it.each(KEYS)("k8s-pki's CA signs a cfssl CSR ($algo $size)", async (key) => {
    const name = `cfssl-req-${key.algo}${key.size ?? ""}`;
    await issue(name, cfssl(["genkey", ws.write(`${name}.json`, { CN: name, hosts: [`${name}.example.com`, "10.0.0.1"], key })], opts()));
    await issue(`${name}-by-ours`, k8sPki(["sign", "-ca", "ours-root.pem", "-ca-key", "ours-root-key.pem", `${name}.csr`], opts()));
    await opensslVerify(ws.dir, "ours-root.pem", `${name}-by-ours.pem`);
  });

  it("mixed three-level chains verify both ways", async () => {
    // k8s-pki root -> cfssl-made intermediate CSR signed by k8s-pki -> leaf issued by cfssl.
    await issue("int-a", cfssl(["genkey", "-initca", ws.write("int-a.json", { CN: "Intermediate A", ca: { pathlen: 1 } })], opts()));
    await issue("int-a-signed", k8sPki(["sign", "-ca", "ours-root.pem", "-ca-key", "ours-root-key.pem", "-config", "config.json", "-profile", "intermediate", "int-a.csr"], opts()));
    await issue("leaf-a", cfssl(["gencert", "-ca", "int-a-signed.pem", "-ca-key", "int-a-key.pem", ws.write("leaf-a.json", { CN: "leaf-a", hosts: ["a.example.com"] })], opts()));
    await opensslVerify(ws.dir, "ours-root.pem", "leaf-a.pem", "int-a-signed.pem");
    // cfssl root -> k8s-pki-made intermediate CSR signed by cfssl -> leaf issued by k8s-pki.
    await issue("int-b", k8sPki(["genkey", "-initca", ws.write("int-b.json", { CN: "Intermediate B", ca: { pathlen: 1 } })], opts()));
    await issue("int-b-signed", cfssl(["sign", "-ca", "cfssl-root.pem", "-ca-key", "cfssl-root-key.pem", "-config", "config.json", "-profile", "intermediate", "int-b.csr"], opts()));
    await issue("leaf-b", k8sPki(["gencert", "-ca", "int-b-signed.pem", "-ca-key", "int-b-key.pem", ws.write("leaf-b.json", { CN: "leaf-b", hosts: ["b.example.com"] })], opts()));
    await opensslVerify(ws.dir, "cfssl-root.pem", "leaf-b.pem", "int-b-signed.pem");
    // The AKI of each certificate is its issuer's SKI, whoever made which.
    const pairs: [string, string][] = [["leaf-a", "int-a-signed"], ["int-a-signed", "ours-root"], ["leaf-b", "int-b-signed"], ["int-b-signed", "cfssl-root"]];
    for (const [child, parent] of pairs) {
      const c = parseCertificatePem(ws.read(`${child}.pem`));
      const p = parseCertificatePem(ws.read(`${parent}.pem`));
      expect(c.authorityKeyId?.toString("hex")).toBe(p.subjectKeyId?.toString("hex"));
      expect(c.issuer.raw.equals(p.subject.raw)).toBe(true);
    }
  });

  it("a chain verifies for TLS server use with openssl's purpose check", async () => {
    await issue("tls-req", cfssl(["genkey", ws.write("tls-req.json", { CN: "tls", hosts: ["tls.example.com"] })], opts()));
    await issue("tls-by-ours", k8sPki(["sign", "-ca", "ours-root.pem", "-ca-key", "ours-root-key.pem", "tls-req.csr"], opts()));
    const r = await run("openssl", ["verify", "-purpose", "sslserver", "-CAfile", "ours-root.pem", "tls-by-ours.pem"], opts());
    expect(r.stdout).toContain(": OK");
  });
});

describe("interoperability with Debian's cfssl 1.2.0 (an older peer)", () => {
  const debian = (args: string[]) => run(debianCfsslBin(), args, opts());

  beforeAll(async () => {
    await issue("debian-root", debian(["gencert", "-initca", "root.json"]));
  });

  it.each([{ algo: "ecdsa", size: 256 }, { algo: "rsa", size: 2048 }])("cfssl 1.2.0 signs a k8s-pki CSR ($algo $size)", async (key) => {
    const name = `for-debian-${key.algo}`;
    await issue(name, k8sPki(["genkey", ws.write(`${name}.json`, { CN: name, hosts: ["d.example.com", "10.0.0.2"], key })], opts()));
    await issue(`${name}-signed`, debian(["sign", "-ca", "debian-root.pem", "-ca-key", "debian-root-key.pem", `${name}.csr`]));
    await opensslVerify(ws.dir, "debian-root.pem", `${name}-signed.pem`);
  });

  it.each([{ algo: "ecdsa", size: 256 }, { algo: "rsa", size: 2048 }])("k8s-pki signs a cfssl 1.2.0 CSR ($algo $size)", async (key) => {
    const name = `from-debian-${key.algo}`;
    await issue(name, debian(["genkey", ws.write(`${name}.json`, { CN: name, hosts: ["e.example.com"], key })]));
    await issue(`${name}-signed`, k8sPki(["sign", "-ca", "ours-root.pem", "-ca-key", "ours-root-key.pem", `${name}.csr`], opts()));
    await opensslVerify(ws.dir, "ours-root.pem", `${name}-signed.pem`);
  });

  it("cfssl 1.2.0 issues from a k8s-pki CA key, and k8s-pki from a cfssl 1.2.0 CA key", async () => {
    await issue("deb-leaf", debian(["gencert", "-ca", "ours-root.pem", "-ca-key", "ours-root-key.pem", ws.write("deb-leaf.json", { CN: "deb-leaf", hosts: ["f.example.com"] })]));
    await opensslVerify(ws.dir, "ours-root.pem", "deb-leaf.pem");
    await issue("ours-leaf-deb", k8sPki(["gencert", "-ca", "debian-root.pem", "-ca-key", "debian-root-key.pem", "deb-leaf.json"], opts()));
    await opensslVerify(ws.dir, "debian-root.pem", "ours-leaf-deb.pem");
  });
});
