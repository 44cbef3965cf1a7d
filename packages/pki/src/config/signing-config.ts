// SigningConfig: cfssl's ca-config.json ("signing" default and profiles),
// decoded with Go JSON semantics and checked with cfssl's rules and messages.
import { PkiError } from "../errors.js";
import { parseGoDuration } from "../go/time.js";
import { goIntToNumber, goZero, unmarshalGoJson } from "../go/json/decode.js";
import { goQuote } from "../go/strconv.js";
import type { CertificatePolicy, PolicyQualifier } from "../x509/extensions.js";
import { CONFIG_TYPE } from "./config-types.js";
import { compileGoRegexp } from "../go/regexp.js";
import { resolveUsages } from "./usages.js";
import { ZLINT_LINT_NAMES } from "./zlint-names.js";

const LINT_SOURCES = new Set(["RFC5280", "RFC5480", "RFC5891", "CABF_BR", "CABF_EV", "Mozilla", "Apple", "Community", "ETSI_ESI"]);

export interface CaConstraint {
  isCa: boolean;
  maxPathLen: number;
  maxPathLenZero: boolean;
}

/** Which CSR fields a profile copies (cfssl's CSRWhitelist); absent means all. */
export interface CsrWhitelist {
  subject: boolean;
  publicKeyAlgorithm: boolean;
  publicKey: boolean;
  signatureAlgorithm: boolean;
  dnsNames: boolean;
  ipAddresses: boolean;
  emailAddresses: boolean;
  uris: boolean;
}

/** One signing profile, after cfssl's populate(): durations parsed, regexp compiled. */
export interface SigningProfile {
  usages: string[];
  /** Nanoseconds; 0 means "take the default profile's". */
  expiry: bigint;
  expiryString: string;
  /** Nanoseconds; 0 means the 5-minute default. */
  backdate: bigint;
  notBefore?: Date;
  notAfter?: Date;
  caConstraint: CaConstraint;
  /** undefined when absent, so the default profile's list applies (cfssl checks for nil). */
  issuerUrls: string[] | undefined;
  ocspUrl: string;
  crlUrl: string;
  ocspNoCheck: boolean;
  nameWhitelist?: RegExp;
  copyExtensions: boolean;
  allowedExtensions: string[];
  policies: CertificatePolicy[];
  csrWhitelist?: CsrWhitelist;
  clientProvidesSerialNumbers: boolean;
  /** Set when the profile forwards to a remote signer, which @k8s/pki does not implement. */
  remote?: string;
  authKey?: string;
}

export interface SigningConfig {
  default: SigningProfile;
  profiles: Record<string, SigningProfile>;
}

/** cfssl's config.DefaultConfig(): used when there is no config or no default profile. */
export function defaultSigningProfile(): SigningProfile {
  return {
    usages: ["signing", "key encipherment", "server auth", "client auth"],
    expiry: 8760n * 3_600_000_000_000n,
    expiryString: "8760h",
    backdate: 0n,
    caConstraint: { isCa: false, maxPathLen: 0, maxPathLenZero: false },
    issuerUrls: undefined,
    ocspUrl: "",
    crlUrl: "",
    ocspNoCheck: false,
    copyExtensions: false,
    allowedExtensions: [],
    policies: [],
    clientProvidesSerialNumbers: false,
  };
}

export const defaultSigningConfig = (): SigningConfig => ({ default: defaultSigningProfile(), profiles: {} });

const invalid = (message: string, field?: string, cause?: unknown): PkiError =>
  new PkiError("policy-invalid", message, { field, cause });

type Obj = Record<string, unknown>;

/** A profile as json.Unmarshal leaves it, before cfssl's populate(). */
interface DecodedProfile {
  p: SigningProfile;
  backdate: string;
  whitelist: string;
  /** The untagged `NameWhitelist` field, compiled while decoding; name_whitelist replaces it. */
  whitelistRegexp: RegExp | undefined;
  remote: string;
  authKey: string;
  prevAuthKey: string;
  authRemoteName: string;
  authRemoteKey: string;
  ignoredLints: string[];
  ignoredLintSources: string[];
}

/** A config.SigningProfile record from unmarshalGoJson, in k8s-pki's shape. */
function fromProfileRecord(r: Obj, path: string): DecodedProfile {
  const p = defaultSigningProfile();
  p.usages = (r.usages as string[] | undefined) ?? [];
  p.issuerUrls = r.issuer_urls as string[] | undefined;
  p.ocspUrl = r.ocsp_url as string;
  p.crlUrl = r.crl_url as string;
  const cac = r.ca_constraint as Obj;
  p.caConstraint = {
    isCa: cac.is_ca as boolean,
    maxPathLen: goIntToNumber(cac.max_path_len, `${path}.ca_constraint.max_path_len`),
    maxPathLenZero: cac.max_path_len_zero as boolean,
  };
  p.ocspNoCheck = r.ocsp_no_check as boolean;
  p.expiryString = r.expiry as string;
  // The untagged time.Duration field: populate() overwrites it from `backdate` when that is set.
  if (r.Backdate !== 0n) p.backdate = r.Backdate as bigint;
  p.copyExtensions = r.copy_extensions as boolean;
  p.notBefore = r.not_before as Date | undefined;
  p.notAfter = r.not_after as Date | undefined;
  p.allowedExtensions = (r.allowed_extensions as string[] | undefined) ?? [];
  p.policies = ((r.Policies as Obj[] | undefined) ?? []).map((pol) => ({
    id: pol.ID as string,
    qualifiers: ((pol.Qualifiers as Obj[] | undefined) ?? []).map((q) => ({ type: q.Type as PolicyQualifier["type"], value: q.Value as string })),
  }));
  const wl = r.CSRWhitelist as Obj | undefined;
  if (wl) {
    p.csrWhitelist = {
      subject: wl.Subject as boolean,
      publicKeyAlgorithm: wl.PublicKeyAlgorithm as boolean,
      publicKey: wl.PublicKey as boolean,
      signatureAlgorithm: wl.SignatureAlgorithm as boolean,
      dnsNames: wl.DNSNames as boolean,
      ipAddresses: wl.IPAddresses as boolean,
      emailAddresses: wl.EmailAddresses as boolean,
      uris: wl.URIs as boolean,
    };
  }
  p.clientProvidesSerialNumbers = r.ClientProvidesSerialNumbers as boolean;
  // An id that is `undefined` here came from a zero-value OID (never set): cfssl writes an empty OID; keep "".
  for (const pol of p.policies) pol.id ??= "";
  const authRemote = r.auth_remote as Obj;
  return {
    p,
    backdate: r.backdate as string,
    whitelist: r.name_whitelist as string,
    whitelistRegexp: r.NameWhitelist as RegExp | undefined,
    remote: r.remote as string,
    authKey: r.auth_key as string,
    prevAuthKey: r.prev_auth_key as string,
    authRemoteName: authRemote.remote as string,
    authRemoteKey: authRemote.auth_key as string,
    ignoredLints: (r.ignored_lints as string[] | undefined) ?? [],
    ignoredLintSources: (r.ignored_lint_sources as string[] | undefined) ?? [],
  };
}

/** cfssl's SigningProfile.populate(), in its order, with its messages (code 5200). */
function populateProfile(d: DecodedProfile, path: string, remotes: Obj, authKeys: Obj): SigningProfile {
  const { p, backdate, whitelist, remote, authKey, prevAuthKey, authRemoteName, authRemoteKey } = d;
  if (remote === "" && authRemoteName === "") {
    if (p.expiryString === "") throw invalid("empty expiry string", `${path}.expiry`);
    p.expiry = parseDuration(p.expiryString, `${path}.expiry`);
    if (backdate !== "") p.backdate = parseDuration(backdate, `${path}.backdate`);
    if (p.notBefore && p.notAfter && p.notAfter < p.notBefore) {
      // cfssl panics here (cferr.Wrap of a nil error); k8s-pki reports it.
      throw invalid("not_after is before not_before", `${path}.not_after`);
    }
    for (const pol of p.policies) {
      for (const q of pol.qualifiers) {
        if ((q.type as string) !== "" && q.type !== "id-qt-unotice" && q.type !== "id-qt-cps") {
          throw invalid("invalid policy qualifier type", `${path}.policies`);
        }
      }
    }
  } else if (remote !== "") {
    if (authRemoteName !== "") throw invalid("Invalid or unknown policy", `${path}.auth_remote`);
    if (!remotes[remote]) throw invalid("failed to find remote in remotes section", `${path}.remote`);
    p.remote = remote;
  } else {
    if (!remotes[authRemoteName]) throw invalid("failed to find remote in remotes section", `${path}.auth_remote.remote`);
    p.remote = authRemoteName;
  }
  for (const [name, label] of [
    [authKey, "failed to find auth_key in auth_keys section"],
    [prevAuthKey, "failed to find prev_auth_key in auth_keys section"],
    [authRemoteKey, "failed to find auth_remote's auth_key in auth_keys section"],
  ] as const) {
    if (name === "") continue;
    const key = authKeys[name] as Obj | undefined;
    if (!key) throw invalid(label, `${path}.auth_key`);
    if (key.type !== "standard") throw invalid("unknown authentication type", `auth_keys.${name}.type`);
    const k = key.key as string;
    if (!k.startsWith("env:") && !k.startsWith("file:") && !/^([0-9a-fA-F]{2})*$/.test(k)) {
      throw invalid("failed to create new standard auth provider", `auth_keys.${name}.key`);
    }
  }
  if (authKey) p.authKey = authKey;
  p.nameWhitelist = d.whitelistRegexp;
  if (whitelist !== "") {
    try {
      p.nameWhitelist = compileGoRegexp(whitelist);
    } catch (e) {
      throw invalid("failed to compile name whitelist section", `${path}.name_whitelist`, e);
    }
  }
  // zlint's source names (FromString trims; RFC3279 and RFC8813 are not among those it knows).
  for (const source of d.ignoredLintSources) {
    if (!LINT_SOURCES.has(source.trim())) {
      throw invalid(`failed to build excluded lint source list: unknown source ${goQuote(source)}`, `${path}.ignored_lint_sources`);
    }
  }
  for (const lint of d.ignoredLints) {
    if (!ZLINT_LINT_NAMES.has(lint.trim())) {
      throw invalid(`failed to build filtered lint registry: unknown lint name ${goQuote(lint.trim())}`, `${path}.ignored_lints`);
    }
  }
  // Reject a profile that could never sign, as cfssl's validProfile() does.
  if (authRemoteName === "" && authRemoteKey !== "") throw invalid("invalid configuration", `${path}.auth_remote`);
  return p;
}

function parseDuration(s: string, field: string): bigint {
  try {
    return parseGoDuration(s);
  } catch (e) {
    throw invalid(e instanceof Error ? e.message : String(e), field, e);
  }
}

interface DecodedConfig {
  signing?: Obj;
  remotes: Obj;
  authKeys: Obj;
  def?: DecodedProfile;
  profiles: [string, DecodedProfile | null][];
}

/** json.Unmarshal into a config.Config (Go's document order, first type error, merging of repeated keys). */
function unmarshalConfig(input: string | Uint8Array): DecodedConfig | null {
  const top = unmarshalGoJson(input, { kind: "ptr", elem: CONFIG_TYPE }, goZero(CONFIG_TYPE)) as Obj | undefined;
  // A JSON null sets cfssl's *Config to nil (cfssl then panics).
  if (top === undefined) return null;
  const signing = top.signing as Obj | undefined;
  const remotes = (top.remotes as Obj | undefined) ?? {};
  const authKeys = (top.auth_keys as Obj | undefined) ?? {};
  if (!signing) return { remotes, authKeys, profiles: [] };
  const rawDefault = signing.default as Obj | undefined;
  const def = rawDefault ? fromProfileRecord(rawDefault, "signing.default") : undefined;
  const profiles: [string, DecodedProfile | null][] = Object.entries((signing.profiles as Obj | undefined) ?? {}).map(([name, value]) => [
    name,
    value === undefined ? null : fromProfileRecord(value as Obj, `signing.profiles.${name}`),
  ]);
  return { signing, remotes, authKeys, def, profiles };
}

/**
 * Parses a cfssl signing config (ca-config.json) as config.LoadConfig does:
 * json.Unmarshal (any failure is 5200 `failed to unmarshal configuration: ...`),
 * then populate() for the default and each profile, then Valid(). Errors carry
 * cfssl's code 5200 and its messages; the `field` names the offending key.
 */
export function parseSigningConfig(input: string | Uint8Array): SigningConfig {
  let decoded: DecodedConfig | null;
  try {
    decoded = unmarshalConfig(input);
  } catch (e) {
    throw invalid(`failed to unmarshal configuration: ${e instanceof Error ? e.message : String(e)}`, e instanceof PkiError ? e.field : undefined, e);
  }
  // cfssl returns a plain error here, not a coded one (and panics on a null config).
  if (!decoded?.signing) throw new PkiError("input-invalid", 'No "signing" field present', { field: "signing" });
  const { remotes, authKeys } = decoded;
  const def = decoded.def ? populateProfile(decoded.def, "signing.default", remotes, authKeys) : defaultSigningProfile();
  const profiles: Record<string, SigningProfile> = {};
  for (const [name, d] of decoded.profiles) {
    if (!d) throw invalid("can't parse nil profile", `signing.profiles.${name}`);
    profiles[name] = populateProfile(d, `signing.profiles.${name}`, remotes, authKeys);
  }
  // cfssl's Valid(): the default needs an expiry; named local profiles need a known usage.
  if (!def.remote && def.expiry === 0n) throw invalid("invalid configuration", "signing.default.expiry");
  for (const [name, p] of Object.entries(profiles)) {
    if (p.remote) continue;
    if (p.usages.length === 0 || resolveUsages(p.usages).unknown.length === p.usages.length) {
      throw invalid("invalid configuration", `signing.profiles.${name}.usages`);
    }
  }
  return { default: def, profiles };
}

/** cfssl's signer.Profile(): the named profile, or the default one when the name is empty or unknown. */
export function selectProfile(config: SigningConfig, name: string | undefined): SigningProfile {
  return (name && Object.hasOwn(config.profiles, name) ? config.profiles[name] : undefined) ?? config.default;
}
