// @k8s/pki: a cfssl-compatible CA and CSR library.
//
// A curated list (sigstore-style): what tool authors and the other packages of
// the monorepo call, and the types those calls take and return. Internal
// helpers stay unexported here; the tests import them from their sources.

// Errors: one class, a string code, cfssl's numeric code.
export { PkiError, isPkiError, type PkiErrorCode, type PkiErrorOptions } from "./errors.js";

// PEM, read and written as Go's encoding/pem does.
export { encodePem, decodePem, decodePemBlocks, type PemBlock, type PemDecodeResult } from "./pem.js";

// Go-compatible values that cfssl's JSON and flags carry: durations, IP addresses and CIDRs.
export { parseGoDuration, formatGoDuration } from "./go/time.js";
export { parseGoIp, parseGoCidr, formatIp, ipForSan, type GoCidr } from "./go/net.js";

// Keys.
export { generateKey, type KeyRequest } from "./keys/key-request.js";
export { parsePrivateKeyPem, encodePrivateKeyPem, fromKeyObject, type PrivateKey, type KeyAlgo } from "./keys/private-key.js";
export { verifySignature } from "./keys/signature.js";
export { publicKeyInfo, type PublicKeyInfo } from "./keys/public-key.js";

// Requests: cfssl's CSR JSON, generating and reading CSRs, the -hostname list.
export { parseCsrJson, requestSubject, type CertificateRequest, type CsrName, type CaConfig } from "./csr/request.js";
export { generateKeyAndCsr, createCsrDer, type KeyAndCsr, type CsrTemplate } from "./csr/generate.js";
export { parseCsrPem, parseCsrDer, type ParsedCsr } from "./csr/parse.js";
export { parseCanonicalCsrPem, type CanonicalRequestRules } from "./csr/canonical.js";
export { splitHosts } from "./csr/hosts.js";

// Signing policy: cfssl's ca-config.json.
export {
  parseSigningConfig,
  selectProfile,
  type SigningConfig,
  type SigningProfile,
  type CaConstraint,
  type CsrWhitelist,
} from "./config/signing-config.js";
export { resolveUsages, type ResolvedUsages } from "./config/usages.js";

// Certificates, read as Go's crypto/x509 reads them.
export { parseCertificatePem, parseCertificateDer, isCaCertificate, type Certificate } from "./x509/certificate.js";
export { emptyName, type DistinguishedName, type ParsedName, type AttributeValue, type NameAttribute } from "./x509/name.js";
export { parseSans, type SubjectAltNames } from "./x509/general-names.js";
export type { GoPublicKey } from "./x509/go-public-key.js";
export type { Extension, BasicConstraints, CertificatePolicy, PolicyQualifier } from "./x509/extensions.js";

// Issuing: cfssl's initca, sign, gencert and selfsign.
export { LocalSigner, createLocalSigner, type LocalSignerOptions } from "./signer/local-signer.js";
export { parseSignSubject, type SignRequest, type SignSubject, type RequestedExtension } from "./signer/sign-request.js";
export type { Entropy } from "./signer/clock.js";
export { initCa, renewCa, requestFromCertificate, type IssuedPem, type InitCaOptions } from "./initca.js";
export { selfSign, selfSignProfile } from "./selfsign.js";
export { genCert, type GenCertOptions } from "./gencert.js";

// Output: cfssl certinfo, cfssljson's files, print-defaults.
export { certInfo, csrInfo, goJsonStringify, type CertInfo, type CertInfoName } from "./certinfo.js";
export { cfssljsonOutputFiles, formatStdout, type OutputFile } from "./cfssljson/output-files.js";
export { writeOutputFiles, writeFileAtomic, type WriteOptions } from "./cfssljson/write-files.js";
export { PRINT_DEFAULTS } from "./print-defaults.js";

// Lifecycle: finding certificates, expiry reports, renewal, issuers.
export { findCertificates, type FindCertificatesOptions, type FoundCertificate, type ScanProblem } from "./lifecycle/inventory-certs.js";
export { expiryReport, formatResidual, parseThreshold, prometheusTextfile, type ExpiryRow } from "./lifecycle/expiry-report.js";
export { renewCertificate, replaceEmbeddedCertificate, type RenewOptions, type Renewed } from "./lifecycle/renew.js";
export { findIssuer, isSignedBy } from "./lifecycle/issuer.js";
export { renewInFolder, type RenewInFolderOptions, type RenewFolderEvent, type RenewedInFolder } from "./lifecycle/renew-folder.js";
