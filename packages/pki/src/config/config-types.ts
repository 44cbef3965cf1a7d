// cfssl 1.6.5's config.Config as Go types, for json.Unmarshal in document order (unmarshalGoJson).
import { PkiError } from "../errors.js";
import { goTimeQuote } from "../go/time.js";
import { goQuote } from "../go/strconv.js";
import type { GoField, GoType } from "../go/json/decode.js";
import { compileGoRegexp } from "../go/regexp.js";

const str: GoType = { kind: "string", name: "string" };
const bool: GoType = { kind: "bool", name: "bool" };
const int: GoType = { kind: "int", name: "int", bits: 64 };
const duration: GoType = { kind: "int", name: "time.Duration", bits: 64 };
const strings: GoType = { kind: "slice", name: "[]string", elem: str };
const bytes: GoType = { kind: "bytes", name: "[]uint8" };
const field = (json: string, type: GoType): GoField => ({ json, type });
const struct = (name: string, fields: GoField[]): GoType => ({ kind: "struct", name, fields });
const iface = (name: string): GoType => ({ kind: "interface", name, empty: false });
const ascii = new TextDecoder();

const RFC3339 = "2006-01-02T15:04:05Z07:00";

/**
 * time.Time's UnmarshalJSON: `null` leaves the value alone; otherwise the raw
 * bytes between the quotes (not JSON-unescaped, as Go's TODO says) go through
 * time.Parse(RFC3339). (Go 1.26's parseStrictRFC3339 has its extra checks
 * switched off, so `T1:00:00` and a `,` fraction pass.)
 */
function unmarshalTime(raw: Uint8Array, field: string, cur: unknown): unknown {
  const text = ascii.decode(raw);
  if (text === "null") return cur;
  if (raw.length < 2 || raw[0] !== 0x22 || raw[raw.length - 1] !== 0x22) {
    throw new PkiError("input-invalid", "Time.UnmarshalJSON: input is not a JSON string", { field });
  }
  return parseRfc3339(text.slice(1, -1), field);
}

/**
 * time.Parse(time.RFC3339, v) with Go's error texts: `parsing time "V" as
 * "LAYOUT": cannot parse "REST" as "ELEM"` for a layout mismatch and
 * `parsing time "V": month out of range` for a bad field.
 */
function parseRfc3339(v: string, field: string): Date {
  const q = goTimeQuote(v);
  let rest = v;
  const take = (elem: string, re: RegExp): string => {
    const m = re.exec(rest);
    if (!m) throw new PkiError("input-invalid", `parsing time ${q} as "${RFC3339}": cannot parse ${goTimeQuote(rest)} as "${elem}"`, { field });
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
  if (rest !== "") throw new PkiError("input-invalid", `parsing time ${q}: extra text: ${goTimeQuote(rest)}`, { field });
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

/**
 * cfssl's config.OID UnmarshalJSON: the raw bytes must start and end with a
 * quote; the text between (not JSON-unescaped) must contain a digit (cfssl's
 * unanchored `\d(\.\d+)*`), and each dot-separated part is strconv.Atoi'd.
 * @returns the dotted OID text.
 */
function unmarshalOid(raw: Uint8Array, field: string): unknown {
  const text = ascii.decode(raw);
  if (raw[0] !== 0x22 || raw[raw.length - 1] !== 0x22) throw new PkiError("input-invalid", `OID JSON string not wrapped in quotes.${text}`, { field });
  const inner = text.slice(1, -1);
  if (!/\d/.test(inner)) throw new PkiError("input-invalid", "Invalid OID", { field });
  return inner
    .split(".")
    .map((part) => {
      if (!/^[+-]?\d+$/.test(part)) throw new PkiError("input-invalid", `strconv.Atoi: parsing ${goQuote(part)}: invalid syntax`, { field });
      const n = BigInt(part);
      if (n >= 1n << 63n || n < -(1n << 63n)) throw new PkiError("input-invalid", `strconv.Atoi: parsing ${goQuote(part)}: value out of range`, { field });
      // asn1 cannot encode a negative arc; cfssl fails later, at signing, with this text.
      if (n < 0n) throw new PkiError("input-invalid", "Invalid OID", { field });
      return n.toString();
    })
    .join(".");
}

const LINT_LABELS = new Set(["reserved", "NA", "NE", "pass", "info", "warn", "error", "fatal"]);

/** zlint's LintStatus UnmarshalJSON: the raw text with every `"` removed must be a status label. */
function unmarshalLintStatus(raw: Uint8Array, field: string): unknown {
  const text = ascii.decode(raw);
  const label = text.replaceAll('"', "");
  if (!LINT_LABELS.has(label)) throw new PkiError("input-invalid", `bad LintStatus JSON value: ${text}`, { field });
  return label;
}

const oid: GoType = { kind: "custom", name: "config.OID", unmarshal: unmarshalOid };
const time: GoType = { kind: "custom", name: "time.Time", unmarshal: unmarshalTime };
const lintStatus: GoType = { kind: "custom", name: "lint.LintStatus", unmarshal: (raw, f) => unmarshalLintStatus(raw, f) };

/** *regexp.Regexp has UnmarshalText (Go 1.21+): a JSON string is compiled there and then. */
const regexpPtr: GoType = {
  kind: "text",
  name: "*regexp.Regexp",
  unmarshal: (text, f) => {
    try {
      return compileGoRegexp(text);
    } catch (e) {
      throw new PkiError("input-invalid", e instanceof Error ? e.message : String(e), { field: f, cause: e });
    }
  },
};

export const CA_CONSTRAINT_TYPE = struct("config.CAConstraint", [field("is_ca", bool), field("max_path_len", int), field("max_path_len_zero", bool)]);

const CSR_WHITELIST_TYPE = struct(
  "config.CSRWhitelist",
  ["Subject", "PublicKeyAlgorithm", "PublicKey", "SignatureAlgorithm", "DNSNames", "IPAddresses", "EmailAddresses", "URIs"].map((n) => field(n, bool)),
);

const POLICY_TYPE = struct("config.CertificatePolicy", [
  field("ID", oid),
  field("Qualifiers", { kind: "slice", name: "[]config.CertificatePolicyQualifier", elem: struct("config.CertificatePolicyQualifier", [field("Type", str), field("Value", str)]) }),
]);

/** tls.Certificate's exported fields; Leaf (an x509.Certificate) is taken as a struct whose fields are not checked. */
const TLS_CERTIFICATE_TYPE = struct("tls.Certificate", [
  field("Certificate", { kind: "slice", name: "[][]uint8", elem: bytes }),
  field("PrivateKey", { kind: "interface", name: "crypto.PrivateKey", empty: true }),
  field("SupportedSignatureAlgorithms", { kind: "slice", name: "[]tls.SignatureScheme", elem: { kind: "int", name: "tls.SignatureScheme", bits: 16, unsigned: true } }),
  field("OCSPStaple", bytes),
  field("SignedCertificateTimestamps", { kind: "slice", name: "[][]uint8", elem: bytes }),
  field("Leaf", { kind: "ptr", elem: struct("x509.Certificate", []) }),
]);

/** config.SigningProfile in declaration order, untagged fields under their Go names. */
export const SIGNING_PROFILE_TYPE = struct("config.SigningProfile", [
  field("usages", strings),
  field("issuer_urls", strings),
  field("ocsp_url", str),
  field("crl_url", str),
  field("ca_constraint", CA_CONSTRAINT_TYPE),
  field("ocsp_no_check", bool),
  field("expiry", str),
  field("backdate", str),
  field("auth_key", str),
  field("copy_extensions", bool),
  field("prev_auth_key", str),
  field("remote", str),
  field("not_before", time),
  field("not_after", time),
  field("name_whitelist", str),
  field("auth_remote", struct("config.AuthRemote", [field("remote", str), field("auth_key", str)])),
  field("ct_log_servers", strings),
  field("allowed_extensions", { kind: "slice", name: "[]config.OID", elem: oid }),
  field("cert_store", str),
  field("lint_error_level", lintStatus),
  field("ignored_lints", strings),
  field("ignored_lint_sources", strings),
  field("Policies", { kind: "slice", name: "[]config.CertificatePolicy", elem: POLICY_TYPE }),
  field("Expiry", duration),
  field("Backdate", duration),
  field("Provider", iface("auth.Provider")),
  field("PrevProvider", iface("auth.Provider")),
  field("RemoteProvider", iface("auth.Provider")),
  field("RemoteServer", str),
  field("RemoteCAs", { kind: "ptr", elem: struct("x509.CertPool", []) }),
  field("ClientCert", { kind: "ptr", elem: TLS_CERTIFICATE_TYPE }),
  field("CSRWhitelist", { kind: "ptr", elem: CSR_WHITELIST_TYPE }),
  field("NameWhitelist", regexpPtr),
  field("ExtensionWhitelist", { kind: "map", name: "map[string]bool", elem: bool }),
  field("ClientProvidesSerialNumbers", bool),
  field("LintRegistry", iface("lint.Registry")),
]);

/** config.Config: what cfssl's LoadConfig unmarshals ca-config.json into. */
export const CONFIG_TYPE = struct("config.Config", [
  field(
    "signing",
    {
      kind: "ptr",
      elem: struct("config.Signing", [
        field("profiles", { kind: "map", name: "map[string]*config.SigningProfile", elem: { kind: "ptr", elem: SIGNING_PROFILE_TYPE } }),
        field("default", { kind: "ptr", elem: SIGNING_PROFILE_TYPE }),
      ]),
    },
  ),
  field(
    "ocsp",
    {
      kind: "ptr",
      elem: struct("config.Config", [field("CACertFile", str), field("ResponderCertFile", str), field("KeyFile", str), field("Interval", duration)]),
    },
  ),
  field("auth_keys", { kind: "map", name: "map[string]config.AuthKey", elem: struct("config.AuthKey", [field("type", str), field("key", str)]) }),
  field("remotes", { kind: "map", name: "map[string]string", elem: str }),
]);
