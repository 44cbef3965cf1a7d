// Benchmark (a): in-process issuance of ECDSA P-256 leaf certificates, CSR
// PEM in to certificate PEM out, against the floor of Node's raw crypto.
import "reflect-metadata";
import { createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, webcrypto } from "node:crypto";
import {
  createLocalSigner,
  encodePem,
  generateKeyAndCsr,
  initCa,
  parseCertificatePem,
  parseCsrJson,
  parseCsrPem,
  parseSigningConfig,
} from "@k8s/pki";

// @peculiar/x509 types its keys with the DOM CryptoKey, which Node 20 typings name differently.
type CryptoKeyLike = any;

export interface Rate {
  name: string;
  perSecond: number;
  iterations: number;
}

/** Runs fn repeatedly for about `ms` milliseconds (after a warm-up) and returns the rate. */
export async function measure(name: string, ms: number, fn: (i: number) => unknown | Promise<unknown>): Promise<Rate> {
  for (let i = 0; i < 200; i++) await fn(i);
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < limit) {
    for (let k = 0; k < 50; k++) await fn(n++);
    now = process.hrtime.bigint();
  }
  const secs = Number(now - start) / 1e9;
  return { name, perSecond: n / secs, iterations: n };
}

export async function issuanceBench(ms = 3000): Promise<Rate[]> {
  const ca = await initCa(parseCsrJson({ CN: "bench-ca", key: { algo: "ecdsa", size: 256 } }));
  const config = parseSigningConfig(JSON.stringify({ signing: { profiles: { kubelet: { usages: ["signing", "key encipherment", "client auth"], expiry: "8760h" } } } }));
  const signer = createLocalSigner({ caCert: ca.cert, caKey: ca.key, config });
  // More CSRs than @k8s/pki's cache of valid EC points holds (256), so each
  // request's key is new to it, as every real CSR's key is.
  const csrs: string[] = [];
  for (let i = 0; i < 1024; i++) {
    const { csrPem } = await generateKeyAndCsr(parseCsrJson({ CN: `system:node:n${i}`, names: [{ O: "system:nodes" }], hosts: [`n${i}.cluster.local`, `10.0.${i >> 8}.${i & 255}`] }));
    csrs.push(csrPem);
  }
  const results: Rate[] = [];
  results.push(await measure("k8s-pki: CSR PEM -> parse+verify -> policy -> sign -> PEM", ms, (i) => signer.signDer({ request: csrs[i & 1023]!, profile: "kubelet" })));
  results.push(await measure("k8s-pki: same, async sign() API", ms, (i) => signer.sign({ request: csrs[i & 1023]!, profile: "kubelet" })));

  // The floor: one ECDSA P-256 verify (the CSR) and one sign (the certificate) with Node's crypto.
  const caKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
  const leafPairs = Array.from({ length: 256 }, () => generateKeyPairSync("ec", { namedCurve: "prime256v1" }));
  const tbs = Buffer.alloc(420, 7);
  const sigs = leafPairs.map((p) => nodeSign("sha256", tbs, p.privateKey));
  const spkis = leafPairs.map((p) => p.publicKey.export({ type: "spki", format: "der" }));
  results.push(
    await measure("floor: crypto.verify (KeyObject ready) + crypto.sign", ms, (i) => {
      nodeVerify("sha256", tbs, leafPairs[i & 255]!.publicKey, sigs[i & 255]!);
      return nodeSign("sha256", tbs, caKey);
    }),
  );
  results.push(
    await measure("floor: createPublicKey(SPKI) + crypto.verify + crypto.sign", ms, (i) => {
      const pub = createPublicKey({ key: spkis[i & 255]!, format: "der", type: "spki" });
      nodeVerify("sha256", tbs, pub, sigs[i & 255]!);
      return nodeSign("sha256", tbs, caKey);
    }),
  );

  // A straightforward @peculiar/x509 pipeline over WebCrypto, for comparison.
  const x509 = await import("@peculiar/x509");
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const caKeys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({ name: "CN=bench-ca", keys: caKeys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"], signingAlgorithm: alg });
  results.push(
    await measure("@peculiar/x509: parse+verify CSR, build and sign certificate", ms, async (i) => {
      const req = new x509.Pkcs10CertificateRequest(csrs[i & 255]!);
      if (!(await req.verify())) throw new Error("bad CSR");
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: "01",
        subject: req.subject,
        issuer: caCert.subject,
        notBefore: new Date(),
        notAfter: new Date(Date.now() + 3.15e10),
        publicKey: req.publicKey,
        signingKey: caKeys.privateKey as unknown as CryptoKeyLike,
        signingAlgorithm: alg,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension(["1.3.6.1.5.5.7.3.2"]),
          new x509.BasicConstraintsExtension(false, undefined, true),
          await x509.SubjectKeyIdentifierExtension.create(req.publicKey),
        ],
      });
      return cert.toString("pem");
    }),
  );

  // Sanity: what we benchmarked is a valid certificate for the CSR.
  const pem = encodePem("CERTIFICATE", signer.signDer({ request: csrs[0]!, profile: "kubelet" }));
  const cert = parseCertificatePem(pem);
  if (!cert.spki.equals(parseCsrPem(csrs[0]!).spki)) throw new Error("benchmark sanity check failed");
  return results;
}
