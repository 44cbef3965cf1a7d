// @k8s/pki: a cfssl-compatible CA and CSR library.
export { PkiError, isPkiError, CFSSL_CODES, CFSSL_MESSAGES, type PkiErrorCode, type PkiErrorOptions } from "./errors.js";
export { encodePem, encodePemBlock, decodePem, decodePemBlocks, goBytesToString, type PemBlock, type PemDecodeResult } from "./pem.js";
export { parseGoDuration, formatGoDuration } from "./go/duration.js";
export { classifyHost, splitHosts, parseGoIp, formatIp, ipForSan } from "./go/hosts.js";
export { generateKey, validateKeyRequest, defaultKeyRequest, type KeyRequest } from "./keys/key-request.js";
export { parsePrivateKeyPem, encodePrivateKeyPem, fromKeyObject, type PrivateKey, type KeyAlgo } from "./keys/private-key.js";
export {
  signatureAlgorithmFor,
  signatureAlgorithmName,
  verifySignature,
  checkSignatureGo,
  goCheckSignature,
  goSignatureAlgorithm,
  goSignatureAlgorithmName,
  GoSignatureAlgorithm,
  type SignatureAlgorithm,
} from "./keys/signature.js";
export {
  parseCsrJson,
  requestSubject,
  hostsToSans,
  validateCaSubject,
  type CertificateRequest,
  type CsrName,
  type CaConfig,
} from "./csr/request.js";
export { generateKeyAndCsr, createCsrDer, csrTemplateFromRequest, type KeyAndCsr, type CsrTemplate } from "./csr/generate.js";
export { parseCsrPem, parseCsrDer, type ParsedCsr } from "./csr/parse.js";
export { parseCanonicalCsrPem, type CanonicalRequestRules } from "./csr/canonical.js";
export {
  parseSigningConfig,
  selectProfile,
  defaultSigningConfig,
  defaultSigningProfile,
  type SigningConfig,
  type SigningProfile,
  type CaConstraint,
  type CsrWhitelist,
} from "./config/signing-config.js";
export { resolveUsages, KEY_USAGES, EXT_KEY_USAGES, type ResolvedUsages } from "./config/usages.js";
export { parseCertificatePem, parseCertificateDer, isCaCertificate, type Certificate } from "./x509/certificate.js";
export { createCertificateDer, type CertificateTemplate, type Issuer } from "./x509/create-certificate.js";
export { formatName, encodeName, emptyName, parseCsrName, parseCertificateName, type DistinguishedName, type ParsedName, type AttributeValue, type NameAttribute } from "./x509/name.js";
export { sanStrings, parseSans, type SubjectAltNames } from "./x509/general-names.js";
export { parseGoSpki, parseGoPublicKey, type GoPublicKey } from "./x509/go-public-key.js";
export type { Extension, BasicConstraints, CertificatePolicy, PolicyQualifier } from "./x509/extensions.js";
export { LocalSigner, createLocalSigner, type LocalSignerOptions } from "./signer/local-signer.js";
export { parseSignSubject, type SignRequest, type SignSubject, type RequestedExtension } from "./signer/sign-request.js";
export { roundToMinute, type Entropy } from "./signer/clock.js";
export { initCa, renewCa, caPolicy, requestFromCertificate, type IssuedPem, type InitCaOptions } from "./initca.js";
export { selfSign, selfSignProfile } from "./selfsign.js";
export { certInfo, csrInfo, formatKeyId, goJsonStringify, type CertInfo, type CertInfoName } from "./certinfo.js";
export { cfssljsonOutputFiles, formatStdout, type OutputFile } from "./cfssljson/output-files.js";
export { writeOutputFiles, writeFileAtomic, checkCaKeyReplacement, type WriteOptions } from "./cfssljson/write-files.js";
export { PRINT_DEFAULTS } from "./print-defaults.js";
export { genCert, type GenCertOptions } from "./gencert.js";
export { publicKeyInfo, type PublicKeyInfo } from "./keys/public-key.js";
export { findCertificates, type FindCertificatesOptions, type FoundCertificate, type ScanProblem } from "./lifecycle/inventory-certs.js";
export { expiryReport, formatResidual, parseThreshold, prometheusTextfile, type ExpiryRow } from "./lifecycle/expiry-report.js";
export { renewCertificate, replaceEmbeddedCertificate, usagesOf, type RenewOptions, type Renewed } from "./lifecycle/renew.js";
export { findIssuer, isSelfSigned, isSignedBy } from "./lifecycle/issuer.js";
export { renewInFolder, type RenewInFolderOptions, type RenewFolderEvent, type RenewedInFolder } from "./lifecycle/renew-folder.js";
