// Who signed a certificate, decided by its signature. Names cannot decide it:
// cfssl's own layout (`gencert -initca` with CN kubernetes, then a leaf with
// CN kubernetes) gives a leaf whose issuer and subject are the same name.
import { checkSignatureGo } from "../keys/signature.js";
import type { Certificate } from "../x509/certificate.js";

/** True when `issuer`'s public key verifies `cert`'s signature (Go's checkSignature rules, SHA-1 allowed). */
export function isSignedBy(cert: Certificate, issuer: Certificate): boolean {
  return checkSignatureGo(cert.signatureAlgorithm, cert.signatureAlgorithmParams, issuer.spki, cert.tbs, cert.signature, true);
}

/** True when the certificate's own key verifies its signature, whatever its names say. */
export const isSelfSigned = (cert: Certificate): boolean => isSignedBy(cert, cert);

/**
 * The first candidate whose key verifies `cert`'s signature, or undefined.
 * Key identifiers only narrow the search (an authority key id that differs
 * from a candidate's subject key id rules it out without a verification);
 * candidates whose subject is `cert`'s issuer name are tried first, so that of
 * two CA certificates with the same key the one the name points at wins.
 * `cert` itself is never its own issuer here (see {@link isSelfSigned}).
 */
export function findIssuer<T>(cert: Certificate, candidates: readonly T[], certificateOf: (c: T) => Certificate): T | undefined {
  const possible = candidates.filter((c) => {
    const ca = certificateOf(c);
    if (ca.raw.equals(cert.raw)) return false;
    return !cert.authorityKeyId || !ca.subjectKeyId || ca.subjectKeyId.equals(cert.authorityKeyId);
  });
  const named = (c: T): number => (certificateOf(c).subject.raw.equals(cert.issuer.raw) ? 0 : 1);
  return [...possible].sort((a, b) => named(a) - named(b)).find((c) => isSignedBy(cert, certificateOf(c)));
}
