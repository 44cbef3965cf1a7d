// gencert: key, CSR and certificate in one step (cfssl gencert with -ca).
import { generateKeyAndCsr } from "./csr/generate.js";
import type { CertificateRequest } from "./csr/request.js";
import { PkiError } from "./errors.js";
import type { IssuedPem } from "./initca.js";
import type { LocalSigner } from "./signer/local-signer.js";

export interface GenCertOptions {
  profile?: string;
  /** Replaces the request's hosts, in the CSR and in the certificate (cfssl `-hostname`). */
  hosts?: string[];
  /** Replaces the CN (cfssl `-cn`). */
  cn?: string;
  /** Replaces the CRL distribution point (cfssl `-crl`). */
  crlOverride?: string;
}

/** Generates a key and CSR from CSR JSON and signs it. A `ca` section is refused, as in cfssl. */
export async function genCert(req: CertificateRequest, signer: LocalSigner, opts: GenCertOptions = {}): Promise<IssuedPem> {
  if (req.ca) throw new PkiError("input-invalid", "ca section only permitted in initca", { field: "ca" });
  const r = { ...req };
  if (opts.cn !== undefined && opts.cn !== "") r.CN = opts.cn;
  if (opts.hosts !== undefined) r.hosts = opts.hosts;
  const { keyPem, csrPem } = await generateKeyAndCsr(r);
  const cert = await signer.sign({ request: csrPem, hosts: opts.hosts, profile: opts.profile, crlOverride: opts.crlOverride });
  return { cert, csr: csrPem, key: keyPem };
}
