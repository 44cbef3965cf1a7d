// selfsign: a self-signed leaf (cfssl selfsign.Sign), mainly for tests and
// bootstrapping. cfssl copies every CSR extension verbatim into the result.
import { defaultSigningProfile, selectProfile, type SigningConfig, type SigningProfile } from "./config/signing-config.js";
import { resolveUsages } from "./config/usages.js";
import { generateKeyAndCsr } from "./csr/generate.js";
import { parseCsrDer } from "./csr/parse.js";
import type { CertificateRequest } from "./csr/request.js";
import { PkiError } from "./errors.js";
import { encodePem } from "./pem.js";
import { addDuration, systemNow, systemRandomBytes, type Entropy } from "./signer/clock.js";
import { createCertificateDer } from "./x509/create-certificate.js";
import { computeSki } from "./x509/extensions.js";
import type { IssuedPem } from "./initca.js";

const THREE_MONTHS = 2190n * 3_600_000_000_000n;

/** The profile cfssl's selfsign command uses: `-profile` from `-config`, else the default with 2190h. */
export function selfSignProfile(config?: SigningConfig, profile?: string): SigningProfile {
  if (config) return selectProfile(config, profile);
  const p = defaultSigningProfile();
  p.expiry = THREE_MONTHS;
  p.expiryString = "2190h";
  return p;
}

/** Generates a key, a CSR and a certificate signed by that same key. */
export async function selfSign(req: CertificateRequest, profile: SigningProfile = selfSignProfile(), opts: Entropy = {}): Promise<IssuedPem> {
  const { key, keyPem, csrPem, csrDer } = await generateKeyAndCsr(req);
  const csr = parseCsrDer(csrDer);
  const { keyUsage, extKeyUsage } = resolveUsages(profile.usages);
  if (keyUsage === 0 && extKeyUsage.length === 0) throw new PkiError("policy-no-key-usages", undefined, { field: "usages" });
  const now = (opts.now ?? systemNow)();
  // selfsign draws a serial below 2^63 (rand.Int(MaxInt64)), unlike the 20-byte signer serial.
  const rnd = Buffer.from((opts.randomBytes ?? systemRandomBytes)(8));
  rnd[0]! &= 0x7f;
  const der = createCertificateDer(
    {
      serialNumber: rnd,
      // Go re-encodes the parsed subject, which has no extra names: they are dropped here.
      subject: { ...csr.subject, extraNames: [] },
      spki: csr.spki,
      notBefore: addDuration(now, -5n * 60_000_000_000n),
      notAfter: addDuration(now, profile.expiry !== 0n ? profile.expiry : THREE_MONTHS),
      keyUsage,
      extKeyUsage,
      basicConstraintsValid: true,
      isCa: profile.caConstraint.isCa,
      maxPathLen: 0,
      maxPathLenZero: false,
      subjectKeyId: computeSki(csr.spki),
      ocspServers: [],
      issuingCertificateUrls: profile.issuerUrls ?? [],
      crlDistributionPoints: [],
      sans: csr.sans,
      extraExtensions: csr.extensions,
    },
    key,
  );
  return { cert: encodePem("CERTIFICATE", der), csr: csrPem, key: keyPem };
}
