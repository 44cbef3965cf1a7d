// SigningConfig: cfssl's ca-config.json ("signing" default and profiles),
// decoded with Go JSON semantics and checked with cfssl's rules and messages.
import { PkiError } from "../errors.js";
import { parseGoDuration } from "../go/duration.js";
import { getField, GoNumberLiteral, goBool, goInt, goString, goStringArray, isJsonObject, jsonType, parseGoJson } from "../go/json.js";
import type { CertificatePolicy, PolicyQualifier } from "../x509/extensions.js";
import { compileGoRegexp } from "./go-regexp.js";
import { resolveUsages } from "./usages.js";

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
const isObj = isJsonObject;
/** The JSON text Go hands to an UnmarshalJSON method, for the messages that quote it. */
const rawJson = (v: unknown): string => (v instanceof GoNumberLiteral ? v.text : JSON.stringify(v));

/** A nested struct or map field; Go's type error names the field's type. */
function goObject(v: unknown, ctx: { struct: string; field: string; path?: string }, goType: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    throw new PkiError("input-invalid", `json: cannot unmarshal ${jsonType(v)} into Go struct field ${ctx.struct}.${ctx.path ?? ctx.field} of type ${goType}`, { field: ctx.path ?? ctx.field });
  }
  return v;
}

const RFC3339 = "2006-01-02T15:04:05Z07:00";

/**
 * A Go time.Time JSON value (RFC 3339, as Go's time.Parse reads it), with Go's
 * error texts: `parsing time "V" as "LAYOUT": cannot parse "REST" as "ELEM"`
 * for a layout mismatch and `parsing time "V": month out of range` for a bad field.
 */
function goTime(v: unknown, field: string): Date | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new PkiError("input-invalid", "Time.UnmarshalJSON: input is not a JSON string", { field });
  const q = JSON.stringify(v);
  let rest = v;
  const take = (elem: string, re: RegExp): string => {
    const m = re.exec(rest);
    if (!m) throw new PkiError("input-invalid", `parsing time ${q} as "${RFC3339}": cannot parse ${JSON.stringify(rest)} as "${elem}"`, { field });
    rest = rest.slice(m[0].length);
    return m[0];
  };
  const year = Number(take("2006", /^\d{4}/));
  take("-", /^-/);
  const month = Number(take("01", /^\d\d/));
  take("-", /^-/);
  const day = Number(take("02", /^\d\d/));
  take("T", /^T/);
  const hour = Number(take("15", /^\d\d?/));
  take(":", /^:/);
  const minute = Number(take("04", /^\d\d/));
  take(":", /^:/);
  const second = Number(take("05", /^\d\d/));
  const frac = /^[.,]\d+/.exec(rest)?.[0] ?? "";
  rest = rest.slice(frac.length);
  const zone = take("Z07:00", /^(Z|[+-]\d\d:\d\d)/);
  if (rest !== "") throw new PkiError("input-invalid", `parsing time ${q}: extra text: ${JSON.stringify(rest)}`, { field });
  const range = (what: string): PkiError => new PkiError("input-invalid", `parsing time ${q}: ${what} out of range`, { field });
  if (month < 1 || month > 12) throw range("month");
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day < 1 || day > [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!) throw range("day");
  if (hour > 23) throw range("hour");
  if (minute > 59) throw range("minute");
  if (second > 59) throw range("second");
  let offsetMin = 0;
  if (zone !== "Z") {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 24) throw range("time zone offset hour");
    if (zm > 60) throw range("time zone offset minute");
    offsetMin = (zone[0] === "-" ? -1 : 1) * (zh * 60 + zm);
  }
  const ms = frac ? Math.floor(Number(`0.${frac.slice(1)}`) * 1000) : 0;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // not Date.UTC, which maps years 0..99 to 19xx
  d.setUTCHours(hour, minute, second, ms);
  return new Date(d.getTime() - offsetMin * 60_000);
}

/** cfssl's config.OID JSON form: a quoted dotted string, each part read with strconv.Atoi. */
function parseOidString(v: unknown, field: string): string {
  if (typeof v !== "string") throw new PkiError("input-invalid", `OID JSON string not wrapped in quotes.${rawJson(v)}`, { field });
  // cfssl's check is an unanchored \d(\.\d+)*: any digit passes it.
  if (!/\d/.test(v)) throw new PkiError("input-invalid", "Invalid OID", { field });
  return v
    .split(".")
    .map((part) => {
      if (!/^[+-]?\d+$/.test(part)) throw new PkiError("input-invalid", `strconv.Atoi: parsing ${JSON.stringify(part)}: invalid syntax`, { field });
      const n = Number(part);
      if (!Number.isSafeInteger(n)) throw new PkiError("input-invalid", `strconv.Atoi: parsing ${JSON.stringify(part)}: value out of range`, { field });
      if (n < 0) throw new PkiError("input-invalid", "Invalid OID", { field });
      return String(n);
    })
    .join(".");
}

/**
 * JSON names of config.SigningProfile's fields in declaration order, untagged
 * ones included: Go routes a key to the first field it matches exactly, else
 * to the first one it case-folds to, so `Expiry` (exact) reaches the
 * time.Duration field while `EXPIRY` reaches `expiry`.
 */
const PROFILE_FIELDS = [
  "usages", "issuer_urls", "ocsp_url", "crl_url", "ca_constraint", "ocsp_no_check", "expiry", "backdate", "auth_key",
  "copy_extensions", "prev_auth_key", "remote", "not_before", "not_after", "name_whitelist", "auth_remote", "ct_log_servers",
  "allowed_extensions", "cert_store", "lint_error_level", "ignored_lints", "ignored_lint_sources", "Policies", "Expiry",
  "Backdate", "Provider", "PrevProvider", "RemoteProvider", "RemoteServer", "RemoteCAs", "ClientCert", "CSRWhitelist",
  "NameWhitelist", "ExtensionWhitelist", "ClientProvidesSerialNumbers", "LintRegistry",
] as const;

const LINT_LABELS = new Set(["reserved", "NA", "NE", "pass", "info", "warn", "error", "fatal"]);

/** A profile as json.Unmarshal leaves it, before cfssl's populate(). */
interface DecodedProfile {
  p: SigningProfile;
  backdate: string;
  whitelist: string;
  remote: string;
  authKey: string;
  prevAuthKey: string;
  authRemoteName: string;
  authRemoteKey: string;
}

/** json.Unmarshal of one SigningProfile: type errors only (PkiError "input-invalid", Go's text). */
function decodeProfile(raw: Obj, path: string): DecodedProfile {
  // Go's messages leave map keys out of the path: "signing.profiles.expiry".
  path = path.startsWith("signing.profiles.") ? "signing.profiles" : path;
  const s = "SigningProfile";
  const f = (name: string) => ({ struct: s, field: name, path: `${path}.${name}` });
  const get = (name: (typeof PROFILE_FIELDS)[number]): unknown => getField(raw, name, PROFILE_FIELDS);
  const p = defaultSigningProfile();
  p.usages = goStringArray(get("usages"), f("usages")) ?? [];
  const issuer = get("issuer_urls");
  p.issuerUrls = issuer === undefined || issuer === null ? undefined : goStringArray(issuer, f("issuer_urls"));
  p.ocspUrl = goString(get("ocsp_url"), f("ocsp_url")) ?? "";
  p.crlUrl = goString(get("crl_url"), f("crl_url")) ?? "";
  const cac = goObject(get("ca_constraint"), f("ca_constraint"), "config.CAConstraint");
  if (cac) {
    const c = (name: string) => ({ struct: "CAConstraint", field: name, path: `${path}.ca_constraint.${name}` });
    p.caConstraint = {
      isCa: goBool(getField(cac, "is_ca"), c("is_ca")) ?? false,
      maxPathLen: goInt(getField(cac, "max_path_len"), c("max_path_len")) ?? 0,
      maxPathLenZero: goBool(getField(cac, "max_path_len_zero"), c("max_path_len_zero")) ?? false,
    };
  }
  p.ocspNoCheck = goBool(get("ocsp_no_check"), f("ocsp_no_check")) ?? false;
  p.expiryString = goString(get("expiry"), f("expiry")) ?? "";
  const backdate = goString(get("backdate"), f("backdate")) ?? "";
  // The untagged time.Duration fields: nanoseconds as a JSON number. populate() overwrites
  // Expiry from `expiry`, and Backdate from `backdate` when that is set.
  goInt(get("Expiry"), f("Expiry"), "time.Duration");
  const backdateNs = goInt(get("Backdate"), f("Backdate"), "time.Duration");
  if (backdateNs !== undefined) p.backdate = BigInt(backdateNs);
  p.copyExtensions = goBool(get("copy_extensions"), f("copy_extensions")) ?? false;
  // zlint's LintStatus JSON form: one of its labels. k8s-pki does not lint, but refuses what cfssl cannot load.
  const lint = get("lint_error_level");
  if (lint !== undefined && !LINT_LABELS.has(rawJson(lint).replaceAll('"', ""))) {
    throw new PkiError("input-invalid", `bad LintStatus JSON value: ${rawJson(lint)}`, { field: `${path}.lint_error_level` });
  }
  p.notBefore = goTime(get("not_before"), `${path}.not_before`);
  p.notAfter = goTime(get("not_after"), `${path}.not_after`);
  const whitelist = goString(get("name_whitelist"), f("name_whitelist")) ?? "";
  const remote = goString(get("remote"), f("remote")) ?? "";
  const authKey = goString(get("auth_key"), f("auth_key")) ?? "";
  const prevAuthKey = goString(get("prev_auth_key"), f("prev_auth_key")) ?? "";
  const authRemote = goObject(get("auth_remote"), f("auth_remote"), "config.AuthRemote");
  const ar = (name: string) => ({ struct: "AuthRemote", field: name, path: `${path}.auth_remote.${name}` });
  const authRemoteName = authRemote ? goString(getField(authRemote, "remote"), ar("remote")) ?? "" : "";
  const authRemoteKey = authRemote ? goString(getField(authRemote, "auth_key"), ar("auth_key")) ?? "" : "";
  const allowed = get("allowed_extensions");
  if (allowed !== undefined && allowed !== null && !Array.isArray(allowed)) {
    throw new PkiError("input-invalid", `json: cannot unmarshal ${jsonType(allowed)} into Go struct field ${s}.${path}.allowed_extensions of type []config.OID`, { field: `${path}.allowed_extensions` });
  }
  p.allowedExtensions = Array.isArray(allowed) ? allowed.map((o) => parseOidString(o, `${path}.allowed_extensions`)) : [];
  const policies = get("Policies");
  if (policies !== undefined && policies !== null) {
    if (!Array.isArray(policies)) {
      throw new PkiError("input-invalid", `json: cannot unmarshal ${jsonType(policies)} into Go struct field ${s}.${path}.Policies of type []config.CertificatePolicy`, { field: `${path}.Policies` });
    }
    p.policies = policies.map((pol, i) => {
      const po = goObject(pol, { struct: s, field: "Policies", path: `${path}.Policies` }, "config.CertificatePolicy") ?? {};
      const quals = getField(po, "Qualifiers");
      if (quals !== undefined && quals !== null && !Array.isArray(quals)) {
        throw new PkiError("input-invalid", `json: cannot unmarshal ${jsonType(quals)} into Go struct field CertificatePolicy.${path}.Policies.Qualifiers of type []config.CertificatePolicyQualifier`, { field: `${path}.Policies` });
      }
      return {
        id: parseOidString(getField(po, "ID"), `${path}.policies[${i}].ID`),
        qualifiers: (Array.isArray(quals) ? quals : []).map((q) => {
          const qf = (name: string) => ({ struct: "CertificatePolicyQualifier", field: name, path: `${path}.Policies.Qualifiers.${name}` });
          const qo = goObject(q, { struct: "CertificatePolicy", field: "Qualifiers", path: `${path}.Policies.Qualifiers` }, "config.CertificatePolicyQualifier") ?? {};
          return {
            type: (goString(getField(qo, "Type"), qf("Type")) ?? "") as PolicyQualifier["type"],
            value: goString(getField(qo, "Value"), qf("Value")) ?? "",
          };
        }),
      };
    });
  }
  const wl = goObject(get("CSRWhitelist"), f("CSRWhitelist"), "config.CSRWhitelist");
  if (wl) {
    const b = (n: string): boolean => goBool(getField(wl, n), { struct: "CSRWhitelist", field: n, path: `${path}.CSRWhitelist.${n}` }) ?? false;
    p.csrWhitelist = {
      subject: b("Subject"),
      publicKeyAlgorithm: b("PublicKeyAlgorithm"),
      publicKey: b("PublicKey"),
      signatureAlgorithm: b("SignatureAlgorithm"),
      dnsNames: b("DNSNames"),
      ipAddresses: b("IPAddresses"),
      emailAddresses: b("EmailAddresses"),
      uris: b("URIs"),
    };
  }
  p.clientProvidesSerialNumbers = goBool(get("ClientProvidesSerialNumbers"), f("ClientProvidesSerialNumbers")) ?? false;
  return { p, backdate, whitelist, remote, authKey, prevAuthKey, authRemoteName, authRemoteKey };
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
    const type = (getField(key, "type") as string | undefined) ?? "";
    if (type !== "standard") throw invalid("unknown authentication type", `auth_keys.${name}.type`);
    const k = (getField(key, "key") as string | undefined) ?? "";
    if (!k.startsWith("env:") && !k.startsWith("file:") && !/^([0-9a-fA-F]{2})*$/.test(k)) {
      throw invalid("failed to create new standard auth provider", `auth_keys.${name}.key`);
    }
  }
  if (authKey) p.authKey = authKey;
  if (whitelist !== "") {
    try {
      p.nameWhitelist = compileGoRegexp(whitelist);
    } catch (e) {
      throw invalid("failed to compile name whitelist section", `${path}.name_whitelist`, e);
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

/** json.Unmarshal of a config.Config, minus what k8s-pki does not use. Type errors are PkiError "input-invalid". */
function unmarshalConfig(top: Obj): { signing?: Obj; remotes: Obj; authKeys: Obj; def?: DecodedProfile; profiles: [string, DecodedProfile | null][] } {
  const signing = goObject(getField(top, "signing"), { struct: "Config", field: "signing" }, "config.Signing");
  const remotes = goObject(getField(top, "remotes"), { struct: "Config", field: "remotes" }, "map[string]string") ?? {};
  for (const v of Object.values(remotes)) goString(v, { struct: "Config", field: "remotes" });
  const authKeys = goObject(getField(top, "auth_keys"), { struct: "Config", field: "auth_keys" }, "map[string]config.AuthKey") ?? {};
  for (const v of Object.values(authKeys)) {
    const ko = goObject(v, { struct: "Config", field: "auth_keys" }, "config.AuthKey");
    if (!ko) continue;
    goString(getField(ko, "type"), { struct: "AuthKey", field: "type", path: "auth_keys.type" });
    goString(getField(ko, "key"), { struct: "AuthKey", field: "key", path: "auth_keys.key" });
  }
  if (!signing) return { remotes, authKeys, profiles: [] };
  const rawDefault = goObject(getField(signing, "default"), { struct: "Signing", field: "default", path: "signing.default" }, "config.SigningProfile");
  const def = rawDefault ? decodeProfile(rawDefault, "signing.default") : undefined;
  const rawProfiles = goObject(getField(signing, "profiles"), { struct: "Signing", field: "profiles", path: "signing.profiles" }, "map[string]*config.SigningProfile") ?? {};
  const profiles: [string, DecodedProfile | null][] = Object.entries(rawProfiles).map(([name, value]) => {
    const obj = goObject(value, { struct: "Signing", field: "profiles", path: "signing.profiles" }, "config.SigningProfile");
    return [name, obj ? decodeProfile(obj, `signing.profiles.${name}`) : null];
  });
  return { signing, remotes, authKeys, def, profiles };
}

/**
 * Parses a cfssl signing config (ca-config.json) as config.LoadConfig does:
 * json.Unmarshal (any failure is 5200 `failed to unmarshal configuration: ...`),
 * then populate() for the default and each profile, then Valid(). Errors carry
 * cfssl's code 5200 and its messages; the `field` names the offending key.
 */
export function parseSigningConfig(input: string | Uint8Array): SigningConfig {
  let decoded: ReturnType<typeof unmarshalConfig>;
  try {
    const root = parseGoJson(input, { keepNumberText: true });
    if (root !== null && !isObj(root)) {
      throw new PkiError("input-invalid", `json: cannot unmarshal ${jsonType(root)} into Go value of type config.Config`);
    }
    decoded = unmarshalConfig(root ?? {});
  } catch (e) {
    throw invalid(`failed to unmarshal configuration: ${e instanceof Error ? e.message : String(e)}`, e instanceof PkiError ? e.field : undefined, e);
  }
  // cfssl returns a plain error here, not a coded one.
  if (!decoded.signing) throw new PkiError("input-invalid", 'No "signing" field present', { field: "signing" });
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
