// Renewal: re-issue a certificate with the same subject, SANs, usages,
// lifetime and (unless rotated) key, from the same CA.
import { KEY_USAGES, EXT_KEY_USAGES } from "../config/usages.js";
import { defaultSigningProfile, type SigningConfig } from "../config/signing-config.js";
import { createCsrDer } from "../csr/generate.js";
import { PkiError } from "../errors.js";
import { generateKey, type KeyRequest } from "../keys/key-request.js";
import { encodePrivateKeyPem, type PrivateKey } from "../keys/private-key.js";
import { encodePem } from "../pem.js";
import type { Entropy } from "../signer/clock.js";
import { LocalSigner } from "../signer/local-signer.js";
import type { Certificate } from "../x509/certificate.js";
import { isSignedBy } from "./issuer.js";

/** cfssl usage strings that reproduce a certificate's keyUsage and extKeyUsage, in its EKU order. */
export function usagesOf(cert: Certificate): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  for (const [name, bit] of Object.entries(KEY_USAGES)) {
    if (name === "signing") continue; // an alias of "digital signature"
    if (cert.keyUsage & bit && !seen.has(bit)) {
      out.push(name);
      seen.add(bit);
    }
  }
  for (const oid of cert.extKeyUsage) {
    const name = Object.entries(EXT_KEY_USAGES).find(([n, o]) => o === oid && n !== "s/mime")?.[0];
    if (!name) throw new PkiError("certificate-bad-request", `extended key usage ${oid} has no cfssl usage name`, { field: "usages" });
    out.push(name);
  }
  return out;
}

export interface RenewOptions extends Entropy {
  /** The issuing CA. */
  caCert: Certificate | string;
  caKey: PrivateKey | string;
  /** The certificate's own key; required unless `rotateKey`. */
  key?: PrivateKey;
  /** Generate a new key of this kind instead of reusing the old one. */
  rotateKey?: KeyRequest;
}

export interface Renewed {
  cert: string;
  /** Present when the key was rotated. */
  key?: string;
}

/**
 * Re-issues `cert`: same subject (byte for byte in content and order), SANs,
 * key usages and validity span, signed by the same CA. A CA certificate is
 * refused (use renewca for those).
 */
export async function renewCertificate(cert: Certificate, opts: RenewOptions): Promise<Renewed> {
  if (cert.basicConstraints?.isCa) throw new PkiError("policy-violation", "a CA certificate is renewed with gencert -renewca, not certs renew", { field: "cert" });
  let key = opts.key;
  let newKey: PrivateKey | undefined;
  if (opts.rotateKey) {
    newKey = await generateKey(opts.rotateKey);
    key = newKey;
  }
  if (!key) throw new PkiError("key-unavailable", "the certificate's key is needed to renew it (or rotate it)", { field: "key" });
  if (!opts.rotateKey && !key.spki.equals(cert.spki)) throw new PkiError("key-mismatch", undefined, { field: "key" });
  const usages = usagesOf(cert);
  const spanNs = BigInt(cert.notAfter.getTime() - cert.notBefore.getTime()) * 1_000_000n;
  const profile = { ...defaultSigningProfile(), usages, expiry: spanNs, expiryString: `${spanNs / 1_000_000_000n}s` };
  const config: SigningConfig = { default: profile, profiles: {} };
  const signer = new LocalSigner({ caCert: opts.caCert, caKey: opts.caKey, config, now: opts.now, randomBytes: opts.randomBytes });
  // The CA's key must verify the old signature: a CA of the same name but another key did not issue it.
  if (!signer.ca || !isSignedBy(cert, signer.ca)) throw new PkiError("certificate-verify-failed", "the CA given did not issue this certificate", { field: "ca" });
  // Keep every subject attribute: Go-order re-encoding of the same fields gives the same bytes for cfssl-made names.
  const csr = createCsrDer({ subject: cert.subject, sans: cert.sans, extraExtensions: [] }, key);
  const pem = await signer.sign({ request: encodePem("CERTIFICATE REQUEST", csr) });
  return { cert: pem, key: newKey ? encodePrivateKeyPem(newKey) : undefined };
}

/** Replaces a certificate embedded in a kubeconfig (base64 `client-certificate-data`/`certificate-authority-data`). */
export function replaceEmbeddedCertificate(kubeconfig: string, oldPem: string | Buffer, newPem: string): { text: string; replaced: number } {
  const der = (p: string | Buffer): string => Buffer.from(String(p).replace(/-----[^-]+-----|\s/g, ""), "base64").toString("base64");
  const oldDer = der(oldPem);
  let replaced = 0;
  const text = kubeconfig.replace(/^(\s*-?\s*(?:client-certificate-data|certificate-authority-data):\s*)"?([A-Za-z0-9+/=]+)"?\s*$/gm, (line, head: string, b64: string) => {
    const pem = Buffer.from(b64, "base64").toString("latin1");
    if (!pem.includes("BEGIN CERTIFICATE") || der(pem) !== oldDer) return line;
    replaced++;
    return head + Buffer.from(newPem).toString("base64");
  });
  return { text, replaced };
}
