// initca: a new self-signed root CA from CSR JSON (cfssl initca.New,
// NewFromSigner and RenewFromSigner).
import { defaultSigningProfile, type SigningConfig } from "./config/signing-config.js";
import { generateKeyAndCsr } from "./csr/generate.js";
import { type CertificateRequest, validateCaSubject } from "./csr/request.js";
import { PkiError } from "./errors.js";
import { parseGoDuration, formatGoDuration } from "./go/time.js";
import { formatIp } from "./go/net.js";
import { encodePrivateKeyPem, type PrivateKey } from "./keys/private-key.js";
import type { Entropy } from "./signer/clock.js";
import { LocalSigner } from "./signer/local-signer.js";
import type { Certificate } from "./x509/certificate.js";

/** PEM output of an issuance, with cfssl's JSON key names. */
export interface IssuedPem {
  cert: string;
  csr: string;
  key: string;
}

/** cfssl's initca.CAPolicy(): cert sign + crl sign, 43800h, CA. */
export function caPolicy(): SigningConfig {
  const def = defaultSigningProfile();
  def.usages = ["cert sign", "crl sign"];
  def.expiryString = "43800h";
  def.expiry = 43800n * 3_600_000_000_000n;
  def.caConstraint = { isCa: true, maxPathLen: 0, maxPathLenZero: false };
  return { default: def, profiles: {} };
}

function duration(s: string, field: string): bigint {
  try {
    return parseGoDuration(s);
  } catch (e) {
    throw new PkiError("policy-invalid", e instanceof Error ? e.message : String(e), { field, cause: e });
  }
}

function policyFor(req: CertificateRequest, withBackdate: boolean): SigningConfig {
  const policy = caPolicy();
  const ca = req.ca;
  if (ca) {
    if (ca.expiry !== "") {
      policy.default.expiryString = ca.expiry;
      policy.default.expiry = duration(ca.expiry, "ca.expiry");
    }
    if (withBackdate && ca.backdate !== "") policy.default.backdate = duration(ca.backdate, "ca.backdate");
    policy.default.caConstraint.maxPathLen = ca.pathlen;
    // cfssl ignores pathlenzero when a non-zero pathlen is given.
    if (!(ca.pathlen !== 0 && ca.pathlenzero)) policy.default.caConstraint.maxPathLenZero = ca.pathlenzero;
  }
  if (withBackdate && req.crl_url !== "") policy.default.crlUrl = req.crl_url;
  return policy;
}

export interface InitCaOptions extends Entropy {
  /** Reuse this key instead of generating one (cfssl `gencert -initca -ca-key`); `ca.backdate` and `crl_url` are then ignored, as in cfssl. */
  key?: PrivateKey;
}

/**
 * Creates a self-signed root from CSR JSON: a new key (or `opts.key`), the
 * CSR, and the certificate. Only IP SANs survive, as in cfssl.
 */
export async function initCa(req: CertificateRequest, opts: InitCaOptions = {}): Promise<IssuedPem> {
  if (!opts.key) validateCaSubject(req);
  const policy = policyFor(req, !opts.key);
  const { key, keyPem, csrPem } = await generateKeyAndCsr(req, opts.key);
  // cfssl's local.NewSigner refuses a default profile without a lifetime (Valid():
  // "no expiry set"), after the key and CSR are made: a zero `ca.expiry` would
  // otherwise make a CA that has expired when it is made.
  if (policy.default.expiry === 0n) throw new PkiError("policy-invalid", undefined, { field: "ca.expiry" });
  const signer = new LocalSigner({ caKey: key, config: policy, now: opts.now, randomBytes: opts.randomBytes });
  // initca.New passes the hosts again so they are reclassified; NewFromSigner does not.
  const cert = await signer.sign({ request: csrPem, hosts: opts.key ? undefined : req.hosts.length > 0 ? req.hosts : undefined });
  return { cert, csr: csrPem, key: opts.key ? encodePrivateKeyPem(opts.key) : keyPem };
}

/** cfssl's csr.ExtractCertificateRequest: the CSR JSON that would reproduce a certificate. */
export function requestFromCertificate(cert: Certificate): CertificateRequest {
  const s = cert.subject;
  const n = Math.max(s.country.length, s.organization.length, s.organizationalUnit.length, s.locality.length, s.province.length);
  const names = Array.from({ length: n }, (_, i) => ({
    C: s.country[i] ?? "",
    ST: s.province[i] ?? "",
    L: s.locality[i] ?? "",
    O: s.organization[i] ?? "",
    OU: s.organizationalUnit[i] ?? "",
    E: "",
    SerialNumber: "",
    OID: {},
  }));
  const req: CertificateRequest = {
    CN: s.commonName,
    names,
    hosts: [...cert.sans.ip.map(formatIp), ...cert.sans.dns, ...cert.sans.email, ...cert.sans.uri],
    key: { algo: "ecdsa", size: 256 },
    serialnumber: s.serialNumber,
    delegation_enabled: false,
    extensions: [],
    crl_url: "",
  };
  if (cert.basicConstraints?.isCa) {
    const validity = BigInt(cert.notAfter.getTime() - cert.notBefore.getTime()) * 1_000_000n;
    req.ca = {
      expiry: formatGoDuration(validity),
      pathlen: cert.basicConstraints.maxPathLen === -1 ? 0 : cert.basicConstraints.maxPathLen,
      pathlenzero: cert.basicConstraints.maxPathLenZero,
      backdate: "",
    };
  }
  return req;
}

/**
 * cfssl's `gencert -renewca`: re-issues a CA certificate with the same key,
 * subject, SANs, pathlen and lifetime, starting now.
 */
export async function renewCa(cert: Certificate, key: PrivateKey, opts: Entropy = {}): Promise<string> {
  // A plain error in cfssl (errors.New), printed as its bare message, not as {"code":...}.
  if (!cert.basicConstraints?.isCa) throw new PkiError("input-invalid", "input certificate is not a CA cert", { field: "ca" });
  if (!cert.spki.equals(key.spki)) throw new PkiError("key-mismatch", undefined, { field: "ca-key" });
  return (await initCa(requestFromCertificate(cert), { ...opts, key })).cert;
}
