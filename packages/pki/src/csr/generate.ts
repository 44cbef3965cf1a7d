// Builds PKCS#10 certification requests (RFC 2986) from cfssl CSR JSON,
// byte for byte as Go's x509.CreateCertificateRequest lays them out.
import { bitString, ctx, integer, oid, seq, set } from "../asn1/der.js";
import { OID } from "../asn1/oids.js";
import { PkiError } from "../errors.js";
import { generateKey } from "../keys/key-request.js";
import { encodePrivateKeyPem, type PrivateKey } from "../keys/private-key.js";
import { signatureAlgorithmFor, signData } from "../keys/signature.js";
import { encodePem } from "../pem.js";
import { encodeBasicConstraints, encodeExtension, NULL_EXTENSION_VALUE, type Extension } from "../x509/extensions.js";
import { encodeSans, hasSans, type SubjectAltNames } from "../x509/general-names.js";
import { encodeName, type DistinguishedName } from "../x509/name.js";
import { hostsToSans, requestSubject, type CertificateRequest } from "./request.js";

/** What goes into a PKCS#10 request. */
export interface CsrTemplate {
  subject: DistinguishedName;
  sans: SubjectAltNames;
  /** Extensions after the SAN, in order. */
  extraExtensions: Extension[];
}

/** Encodes and signs a request; returns DER. */
export function createCsrDer(template: CsrTemplate, key: PrivateKey): Buffer {
  const exts: Extension[] = [];
  if (hasSans(template.sans) && !template.extraExtensions.some((e) => e.oid === OID.subjectAltName)) {
    exts.push({ oid: OID.subjectAltName, critical: false, value: encodeSans(template.sans) });
  }
  exts.push(...template.extraExtensions);
  const attributes = exts.length > 0 ? ctx(0, seq(oid(OID.extensionRequest), set(seq(...exts.map(encodeExtension))))) : ctx(0);
  const alg = signatureAlgorithmFor(key);
  const info = seq(integer(0), encodeName(template.subject), key.spki, attributes);
  return seq(info, alg.der, bitString(signData(key, alg, info)));
}

/** The template cfssl's csr.GenerateDER builds from CSR JSON. */
export function csrTemplateFromRequest(req: CertificateRequest): CsrTemplate {
  const extraExtensions: Extension[] = [];
  if (req.ca) {
    let pathlen = req.ca.pathlen;
    if (pathlen === 0 && !req.ca.pathlenzero) pathlen = -1;
    extraExtensions.push({ oid: OID.basicConstraints, critical: true, value: encodeBasicConstraints(true, pathlen, pathlen === 0) });
  }
  let exts = extraExtensions;
  // cfssl quirk kept on purpose: enabling delegation replaces the list, so a CA's basicConstraints is lost from the CSR.
  if (req.delegation_enabled) exts = [{ oid: OID.delegationUsage, critical: false, value: NULL_EXTENSION_VALUE }];
  exts.push(...req.extensions);
  return { subject: requestSubject(req), sans: hostsToSans(req.hosts), extraExtensions: exts };
}

export interface KeyAndCsr {
  key: PrivateKey;
  /** The key in cfssl's PEM form. */
  keyPem: string;
  csrPem: string;
  csrDer: Buffer;
}

/**
 * cfssl's csr.ParseRequest: generates a key for the request (or uses the one
 * given) and a signed CSR. Errors: 2400 for a bad key request, 9300 for a
 * request Go's x509 refuses (bad OID, non-ASCII host).
 */
export async function generateKeyAndCsr(req: CertificateRequest, existingKey?: PrivateKey): Promise<KeyAndCsr> {
  const key = existingKey ?? (await generateKey(req.key));
  let csrDer: Buffer;
  try {
    csrDer = createCsrDer(csrTemplateFromRequest(req), key);
  } catch (e) {
    if (e instanceof PkiError && e.code !== "input-invalid") throw e;
    throw new PkiError("csr-bad-request", e instanceof Error ? e.message : String(e), { cause: e, field: e instanceof PkiError ? e.field : undefined });
  }
  return { key, keyPem: encodePrivateKeyPem(key), csrPem: encodePem("CERTIFICATE REQUEST", csrDer), csrDer };
}
