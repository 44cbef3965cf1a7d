// parsePrivateKeyPem's codes for encrypted keys against cfssl 1.6.5 (`cfssl sign`
// with the key as -ca-key): legacy encrypted PEM carries a Proc-Type header and is
// 2100; an encrypted PKCS#8 block (ENCRYPTED PRIVATE KEY) has none, so cfssl tries
// to parse it as a key and fails with 2003.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePrivateKeyPem, PkiError } from "@k8s/pki";
import { cfssl, errorJson } from "../../helpers/exec.js";
import { Workspace } from "../../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = new Workspace("k8s-pki-privkey-");
  await ws.cfsslCa("ca", { CN: "Key Root" });
  const rsa = ws.path("rsa.pem");
  execFileSync("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsa]);
  const pass = ["-passout", "pass:secret"];
  ws.write("ec-pkcs8-enc.pem", execFileSync("openssl", ["pkcs8", "-topk8", "-in", ws.path("ca-key.pem"), ...pass]));
  ws.write("rsa-pkcs8-enc.pem", execFileSync("openssl", ["pkcs8", "-topk8", "-in", rsa, "-v2", "aes-256-cbc", ...pass]));
  ws.write("ec-legacy-enc.pem", execFileSync("openssl", ["ec", "-in", ws.path("ca-key.pem"), "-aes128", ...pass], { stdio: ["ignore", "pipe", "ignore"] }));
  ws.write("rsa-legacy-enc.pem", execFileSync("openssl", ["rsa", "-in", rsa, "-traditional", "-aes128", ...pass], { stdio: ["ignore", "pipe", "ignore"] }));
});
afterAll(() => ws.cleanup());

describe("encrypted keys: cfssl's codes", () => {
  it.each([
    ["EC, encrypted PKCS#8", "ec-pkcs8-enc.pem", 2003],
    ["RSA, encrypted PKCS#8 (AES-256)", "rsa-pkcs8-enc.pem", 2003],
    ["EC, legacy encrypted PEM", "ec-legacy-enc.pem", 2100],
    ["RSA, legacy encrypted PEM", "rsa-legacy-enc.pem", 2100],
  ])("%s", async (_name, file, code) => {
    const r = await cfssl(["sign", "-ca", "ca.pem", "-ca-key", file, "ca.csr"], { cwd: ws.dir });
    const theirs = errorJson(r.stderr);
    expect(theirs?.code, r.stderr).toBe(code);
    let ours: PkiError | undefined;
    try {
      parsePrivateKeyPem(ws.read(file));
    } catch (e) {
      if (!(e instanceof PkiError)) throw e;
      ours = e;
    }
    expect(ours?.toJSON()).toEqual(theirs);
  });
});
