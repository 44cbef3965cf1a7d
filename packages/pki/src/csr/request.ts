// CertificateRequest: cfssl's CSR JSON (csr.CertificateRequest), decoded with
// Go JSON semantics, and the subject and SANs it turns into.
import { PkiError } from "../errors.js";
import { goIntToNumber, goZero, unmarshalGoJson, type GoField, type GoType } from "../go/json/decode.js";
import { classifyHost } from "./hosts.js";
import { defaultKeyRequest, type KeyRequest } from "../keys/key-request.js";
import { OID } from "../asn1/oids.js";
import { emptyName, type DistinguishedName } from "../x509/name.js";
import { emptySans, type SubjectAltNames } from "../x509/general-names.js";
import type { Extension } from "../x509/extensions.js";

/** One `names` entry. `SerialNumber` is read but, as in cfssl, never used. */
export interface CsrName {
  C: string;
  ST: string;
  L: string;
  O: string;
  OU: string;
  E: string;
  SerialNumber: string;
  /** Custom attributes, dotted OID to value. */
  OID: Record<string, string>;
}

/** The `ca` section, honoured by initca only. */
export interface CaConfig {
  pathlen: number;
  pathlenzero: boolean;
  /** Go duration string; "" means 43800h. */
  expiry: string;
  backdate: string;
}

/** cfssl's CSR JSON after decoding, with cfssl's key names. */
export interface CertificateRequest {
  CN: string;
  names: CsrName[];
  hosts: string[];
  key: KeyRequest;
  ca?: CaConfig;
  serialnumber: string;
  delegation_enabled: boolean;
  extensions: Extension[];
  crl_url: string;
}

type Obj = Record<string, unknown>;

const str: GoType = { kind: "string", name: "string" };
const int: GoType = { kind: "int", name: "int", bits: 64 };
const bool: GoType = { kind: "bool", name: "bool" };
const field = (json: string, type: GoType): GoField => ({ json, type });

/** cfssl 1.6.5's csr.Name. */
export const CSR_NAME_TYPE: GoType = {
  kind: "struct",
  name: "csr.Name",
  fields: [...["C", "ST", "L", "O", "OU", "E", "SerialNumber"].map((n) => field(n, str)), field("OID", { kind: "map", name: "map[string]string", elem: str })],
};

/** cfssl 1.6.5's csr.CertificateRequest (with csr.Name, csr.KeyRequest, csr.CAConfig, pkix.Extension) as Go types. */
const REQUEST_TYPE: GoType = {
  kind: "struct",
  name: "csr.CertificateRequest",
  fields: [
    field("CN", str),
    field("names", { kind: "slice", name: "[]csr.Name", elem: CSR_NAME_TYPE }),
    field("hosts", { kind: "slice", name: "[]string", elem: str }),
    field("key", { kind: "ptr", elem: { kind: "struct", name: "csr.KeyRequest", fields: [field("algo", str), field("size", int)] } }),
    field("ca", {
      kind: "ptr",
      elem: { kind: "struct", name: "csr.CAConfig", fields: [field("pathlen", int), field("pathlenzero", bool), field("expiry", str), field("backdate", str)] },
    }),
    field("serialnumber", str),
    field("delegation_enabled", bool),
    field("extensions", {
      kind: "slice",
      name: "[]pkix.Extension",
      elem: {
        kind: "struct",
        name: "pkix.Extension",
        fields: [field("Id", { kind: "slice", name: "asn1.ObjectIdentifier", elem: int }), field("Critical", bool), field("Value", { kind: "bytes", name: "[]uint8" })],
      },
    }),
    field("crl_url", str),
  ],
};

/**
 * Decodes cfssl CSR JSON as cfssl's json.Unmarshal into a CertificateRequest
 * whose key starts as cfssl's ECDSA P-256 default: Go's syntax and type
 * errors word for word, the first error in the text (a later UnmarshalJSON
 * error excepted), keys matched case-insensitively, unknown keys ignored, a
 * repeated key decoded again over the earlier value (so `key` objects merge).
 * `{"algo":"rsa"}` keeps size 256 and fails key generation as in cfssl.
 */
export function parseCsrJson(input: string | Uint8Array | object): CertificateRequest {
  const text = typeof input === "string" || input instanceof Uint8Array ? input : JSON.stringify(input);
  const initial = goZero(REQUEST_TYPE) as Obj;
  initial.key = { algo: defaultKeyRequest().algo, size: BigInt(defaultKeyRequest().size) };
  const r = unmarshalGoJson(text, { kind: "ptr", elem: REQUEST_TYPE }, initial) as Obj | undefined;
  // A JSON null leaves cfssl's request as it was.
  const req = r ?? initial;
  const key = (req.key as Obj | undefined) ?? { algo: defaultKeyRequest().algo, size: BigInt(defaultKeyRequest().size) };
  const ca = req.ca as Obj | undefined;
  const out: CertificateRequest = {
    CN: req.CN as string,
    names: ((req.names as Obj[] | undefined) ?? []).map((n) => ({
      C: n.C as string,
      ST: n.ST as string,
      L: n.L as string,
      O: n.O as string,
      OU: n.OU as string,
      E: n.E as string,
      SerialNumber: n.SerialNumber as string,
      OID: { ...((n.OID as Record<string, string> | undefined) ?? {}) },
    })),
    hosts: (req.hosts as string[] | undefined) ?? [],
    key: { algo: key.algo as string, size: goIntToNumber(key.size, "key.size") },
    serialnumber: req.serialnumber as string,
    delegation_enabled: req.delegation_enabled as boolean,
    extensions: ((req.extensions as Obj[] | undefined) ?? []).map((e) => ({
      oid: ((e.Id as bigint[] | undefined) ?? []).join("."),
      critical: e.Critical as boolean,
      value: Buffer.from((e.Value as Uint8Array | undefined) ?? []),
    })),
    crl_url: req.crl_url as string,
  };
  if (ca) {
    out.ca = { pathlen: goIntToNumber(ca.pathlen, "ca.pathlen"), pathlenzero: ca.pathlenzero as boolean, expiry: ca.expiry as string, backdate: ca.backdate as string };
  }
  // Not a JSON error: checked once the whole request has decoded.
  const negative = out.extensions.find((e) => e.oid.split(".").some((a) => a.startsWith("-")));
  if (negative) throw new PkiError("csr-bad-request", `invalid OID ${JSON.stringify(negative.oid)}`, { field: "extensions.Id" });
  return out;
}

const INT64_MAX = (1n << 63n) - 1n;

/** cfssl's csr.OIDFromString: dotted decimal, each part read with strconv.Atoi (so within int64). */
function oidFromString(s: string): string {
  const parts = s.split(".");
  for (const p of parts) {
    const ok = /^[+-]?\d+$/.test(p) && (BigInt(p) <= INT64_MAX && BigInt(p) >= -INT64_MAX - 1n);
    if (!ok) throw new PkiError("csr-bad-request", `invalid OID part ${p}`, { field: "names.OID" });
  }
  return parts.map((p) => BigInt(p).toString()).join(".");
}

/** The subject a request asks for (cfssl CertificateRequest.Name()). */
export function requestSubject(req: CertificateRequest): DistinguishedName {
  const name = emptyName();
  name.commonName = req.CN;
  const push = (v: string, into: string[]): void => {
    if (v !== "") into.push(v);
  };
  for (const n of req.names) {
    push(n.C, name.country);
    push(n.ST, name.province);
    push(n.L, name.locality);
    push(n.O, name.organization);
    push(n.OU, name.organizationalUnit);
    for (const [k, v] of Object.entries(n.OID)) name.extraNames.push({ type: oidFromString(k), value: v });
    if (n.E !== "") name.extraNames.push({ type: OID.emailAddress, value: n.E });
  }
  name.serialNumber = req.serialnumber;
  return name;
}

/** Classifies hosts into SANs in cfssl's order: IP, email, URI, else DNS. */
export function hostsToSans(hosts: readonly string[]): SubjectAltNames {
  const sans = emptySans();
  for (const h of hosts) {
    const c = classifyHost(h);
    if (c.type === "ip") sans.ip.push(c.ip);
    else if (c.type === "email") sans.email.push(c.email);
    else if (c.type === "uri") sans.uri.push(c.uri);
    else sans.dns.push(c.dns);
  }
  return sans;
}

/** initca's subject check (cfssl initca.validator), code 5300. */
export function validateCaSubject(req: CertificateRequest): void {
  if (req.CN !== "") return;
  const blank = (s: string): boolean => s.trim() === "";
  if (req.names.length === 0 || req.names.some((n) => blank(n.C) && blank(n.ST) && blank(n.L) && blank(n.O) && blank(n.OU))) {
    throw new PkiError("policy-violation", "missing subject information", { field: "CN" });
  }
}
