// LocalSigner: cfssl's signer/local. Builds the certificate from the profile,
// copies in only what the profile allows from the CSR, enforces the CA and
// name policies, and signs with the CA key in process.
import { OID } from "../asn1/oids.js";
import { selectProfile, defaultSigningConfig, type SigningConfig, type SigningProfile } from "../config/signing-config.js";
import { resolveUsages } from "../config/usages.js";
import { parseCsrPem, type ParsedCsr } from "../csr/parse.js";
import { hostsToSans } from "../csr/request.js";
import { PkiError } from "../errors.js";
import { parsePrivateKeyPem, type PrivateKey } from "../keys/private-key.js";
import { encodePem } from "../pem.js";
import { parseCertificatePem, type Certificate } from "../x509/certificate.js";
import { createCertificateDer, type CertificateTemplate, type Issuer } from "../x509/create-certificate.js";
import { computeSki, encodePolicies, NULL_EXTENSION_VALUE, type Extension } from "../x509/extensions.js";
import { emptySans } from "../x509/general-names.js";
import { emptyName, type DistinguishedName } from "../x509/name.js";
import { addDuration, roundToMinute, systemNow, systemRandomBytes, type Entropy } from "./clock.js";
import type { SignRequest, SignSubject } from "./sign-request.js";

export interface LocalSignerOptions extends Entropy {
  /** CA private key (PEM or parsed). */
  caKey: string | Uint8Array | PrivateKey;
  /** CA certificate (PEM or parsed); omit only when self-signing a new root (initca). */
  caCert?: string | Uint8Array | Certificate;
  /** Signing policy; cfssl's DefaultConfig when omitted. */
  config?: SigningConfig;
}

const FIVE_MINUTES = 5n * 60_000_000_000n;

function subjectOverride(s: SignSubject, from: DistinguishedName): DistinguishedName {
  // cfssl's PopulateSubjectFromCSR: the override's extras are dropped, and so are the CSR's.
  const name = emptyName();
  name.commonName = s.CN || from.commonName;
  for (const n of s.names ?? []) {
    if (n.C) name.country.push(n.C);
    if (n.ST) name.province.push(n.ST);
    if (n.L) name.locality.push(n.L);
    if (n.O) name.organization.push(n.O);
    if (n.OU) name.organizationalUnit.push(n.OU);
  }
  const keep = (k: "country" | "province" | "locality" | "organization" | "organizationalUnit"): void => {
    if (name[k].length === 0) name[k] = [...from[k]];
  };
  keep("country");
  keep("province");
  keep("locality");
  keep("organization");
  keep("organizationalUnit");
  name.serialNumber = s.SerialNumber || from.serialNumber;
  return name;
}

/** Signs certificate requests with a CA key under a cfssl signing policy. */
export class LocalSigner {
  readonly key: PrivateKey;
  readonly ca: Certificate | undefined;
  readonly config: SigningConfig;
  private readonly now: () => Date;
  private readonly randomBytes: (n: number) => Uint8Array;
  private readonly issuer: Issuer | undefined;

  constructor(opts: LocalSignerOptions) {
    this.key = typeof opts.caKey === "string" || opts.caKey instanceof Uint8Array ? parsePrivateKeyPem(opts.caKey, "ca-key") : opts.caKey;
    this.ca =
      opts.caCert === undefined ? undefined : typeof opts.caCert === "string" || opts.caCert instanceof Uint8Array ? parseCertificatePem(opts.caCert, "ca") : opts.caCert;
    this.config = opts.config ?? defaultSigningConfig();
    this.now = opts.now ?? systemNow;
    this.randomBytes = opts.randomBytes ?? systemRandomBytes;
    this.issuer = this.ca ? { subjectRaw: this.ca.subject.raw, subjectKeyId: this.ca.subjectKeyId } : undefined;
  }

  /** Signs a request; resolves to the certificate PEM. */
  async sign(req: SignRequest): Promise<string> {
    return encodePem("CERTIFICATE", this.signDer(req));
  }

  /** Synchronous core of {@link sign}; returns DER. */
  signDer(req: SignRequest): Buffer {
    const profile = selectProfile(this.config, req.profile);
    if (profile.remote) throw new PkiError("policy-invalid", "remote signing profiles are not supported by k8s-pki", { field: "profile" });
    const csr = parseCsrPem(req.request);
    // cfssl's ParseRequest reads a requested basicConstraints and fails on one it cannot read (9003).
    if (csr.basicConstraintsError !== undefined) throw new PkiError("csr-parse-failed", csr.basicConstraintsError);
    return this.signParsed(csr, req, profile);
  }

  /** Signs an already parsed and verified request. */
  signParsed(csr: ParsedCsr, req: Omit<SignRequest, "request">, profile: SigningProfile = selectProfile(this.config, req.profile)): Buffer {
    const wl = profile.csrWhitelist;
    const bc = wl ? undefined : csr.basicConstraints;
    const t: CertificateTemplate = {
      serialNumber: 0n,
      subject: !wl || wl.subject ? csr.subject : emptyName(),
      spki: csr.spki,
      notBefore: new Date(0),
      notAfter: new Date(0),
      keyUsage: 0,
      extKeyUsage: [],
      basicConstraintsValid: bc !== undefined,
      isCa: bc?.isCa ?? false,
      maxPathLen: bc ? bc.maxPathLen : 0,
      maxPathLenZero: bc ? bc.maxPathLen === 0 : false,
      ocspServers: [],
      issuingCertificateUrls: [],
      crlDistributionPoints: [],
      sans: {
        dns: !wl || wl.dnsNames ? csr.sans.dns : [],
        email: !wl || wl.emailAddresses ? csr.sans.email : [],
        ip: !wl || wl.ipAddresses ? csr.sans.ip : [],
        uri: !wl || wl.uris ? csr.sans.uri : [],
        other: [],
      },
      extraExtensions: [],
    };
    if (!wl) {
      // Go keeps these only through copied extensions; the delegation extension is always copied.
      for (const e of csr.extensions) {
        if (e.oid === OID.basicConstraints) continue;
        if (e.oid === OID.delegationUsage || profile.copyExtensions) t.extraExtensions.push(e);
      }
    }
    if (req.crlOverride) t.crlDistributionPoints = [req.crlOverride];

    if (t.isCa) {
      if (!profile.caConstraint.isCa) throw new PkiError("policy-violation", undefined, { field: "profile.ca_constraint" });
      const ca = this.ca?.basicConstraints;
      if (this.ca && ca && ca.maxPathLen > 0) {
        if (t.maxPathLen >= ca.maxPathLen) throw new PkiError("policy-violation", undefined, { field: "ca.pathlen" });
      } else if (this.ca && ca && ca.maxPathLen === 0 && ca.maxPathLenZero) {
        throw new PkiError("policy-violation", undefined, { field: "ca.pathlen" });
      }
    }

    if (req.hosts !== undefined) t.sans = hostsToSans(req.hosts);
    if (req.subject) t.subject = subjectOverride(req.subject, t.subject);

    const re = profile.nameWhitelist;
    if (re) {
      const ok = (s: string): boolean => {
        re.lastIndex = 0;
        return re.test(s);
      };
      if (t.subject.commonName !== "" && !ok(t.subject.commonName)) throw new PkiError("policy-whitelist-mismatch", undefined, { field: "CN" });
      for (const n of [...t.sans.dns, ...t.sans.email, ...t.sans.uri]) {
        if (!ok(n)) throw new PkiError("policy-whitelist-mismatch", undefined, { field: "hosts" });
      }
    }

    if (profile.clientProvidesSerialNumbers) {
      if (req.serial === undefined) throw new PkiError("certificate-missing-serial");
      t.serialNumber = req.serial;
    } else {
      // RFC 5280 4.1.2.2: positive, at most 20 octets; the top bit cleared keeps it positive.
      const serial = Buffer.from(this.randomBytes(20));
      serial[0]! &= 0x7f;
      t.serialNumber = serial;
    }

    for (const ext of req.extensions ?? []) {
      if (!profile.allowedExtensions.includes(ext.id)) throw new PkiError("certificate-bad-request", undefined, { field: "extensions" });
      if (!/^([0-9a-fA-F]{2})*$/.test(ext.value)) throw new PkiError("certificate-bad-request", "encoding/hex: invalid byte", { field: "extensions" });
      t.extraExtensions.push({ oid: ext.id, critical: ext.critical, value: Buffer.from(ext.value, "hex") });
    }

    const distPoints = t.crlDistributionPoints;
    // A CSRWhitelist without PublicKey leaves the template keyless: FillTemplate's SKI step fails with Go's plain error.
    if (wl && !wl.publicKey) throw new PkiError("input-invalid", "x509: unsupported public key type: <nil>", { field: "profile.CSRWhitelist" });
    this.fillTemplate(t, profile, req.notBefore, req.notAfter);
    if (distPoints.length > 0) t.crlDistributionPoints = distPoints;

    if (!this.ca) {
      // initca path: only a CA may sign itself, and a root keeps IP SANs only.
      if (!t.isCa) throw new PkiError("policy-violation");
      t.sans = { ...emptySans(), ip: t.sans.ip };
    }
    // Go's x509.CreateCertificate refuses a key that is not the parent's (cfssl wraps it as 1000).
    if (this.ca && !this.ca.spki.equals(this.key.spki)) {
      throw new PkiError("certificate-unknown", "x509: provided PrivateKey doesn't match parent's PublicKey", { field: "ca-key" });
    }
    try {
      return createCertificateDer(t, this.key, this.issuer);
    } catch (e) {
      // x509.CreateCertificate's refusals (a SAN that is no IA5String) are CertificateError/Unknown in cfssl.
      if (e instanceof PkiError && e.code === "csr-bad-request") throw new PkiError("certificate-unknown", e.message, { field: e.field, cause: e });
      if (e instanceof PkiError) throw e;
      throw new PkiError("certificate-unknown", e instanceof Error ? e.message : String(e), { cause: e });
    }
  }

  /** cfssl's signer.FillTemplate: usages, validity, CA bits, SKI, URLs, policies. */
  private fillTemplate(t: CertificateTemplate, profile: SigningProfile, notBefore?: Date, notAfter?: Date): void {
    const def = this.config.default;
    const { keyUsage, extKeyUsage } = resolveUsages(profile.usages);
    if (keyUsage === 0 && extKeyUsage.length === 0) throw new PkiError("policy-no-key-usages", undefined, { field: "usages" });
    const issuerUrls = profile.issuerUrls ?? def.issuerUrls ?? [];
    const expiry = profile.expiry !== 0n ? profile.expiry : def.expiry;
    const crl = profile.crlUrl || def.crlUrl;
    const ocsp = profile.ocspUrl || def.ocspUrl;
    let nb = notBefore;
    if (!nb) {
      if (profile.notBefore) nb = profile.notBefore;
      else nb = addDuration(roundToMinute(this.now()), -(profile.backdate !== 0n ? profile.backdate : FIVE_MINUTES));
    }
    const na = notAfter ?? profile.notAfter ?? addDuration(nb, expiry);
    t.notBefore = nb;
    t.notAfter = na;
    t.keyUsage = keyUsage;
    t.extKeyUsage = extKeyUsage;
    t.basicConstraintsValid = true;
    t.isCa = profile.caConstraint.isCa;
    if (t.isCa) {
      t.maxPathLen = profile.caConstraint.maxPathLen;
      if (t.maxPathLen === 0) t.maxPathLenZero = profile.caConstraint.maxPathLenZero;
      // cfssl issue #1276: CA certificates keep IP SANs only.
      t.sans = { ...t.sans, dns: [], email: [], uri: [] };
    }
    t.subjectKeyId = computeSki(t.spki);
    if (ocsp) t.ocspServers = [ocsp];
    if (crl) t.crlDistributionPoints = [crl];
    if (issuerUrls.length > 0) t.issuingCertificateUrls = issuerUrls;
    const extra: Extension[] = [];
    if (profile.policies.length > 0) extra.push({ oid: OID.certificatePolicies, critical: false, value: encodePolicies(profile.policies) });
    if (profile.ocspNoCheck) extra.push({ oid: OID.ocspNoCheck, critical: false, value: NULL_EXTENSION_VALUE });
    t.extraExtensions.push(...extra);
  }
}

/** Creates a {@link LocalSigner}. */
export const createLocalSigner = (opts: LocalSignerOptions): LocalSigner => new LocalSigner(opts);

