// CertificateRequest: cfssl's CSR JSON (csr.CertificateRequest), decoded with
// Go JSON semantics, and the subject and SANs it turns into.
import { PkiError } from "../errors.js";
import { getField, goBool, goInt, goString, goStringArray, isJsonObject, jsonType, parseGoJson } from "../go/json.js";
import { classifyHost } from "../go/hosts.js";
import { goBase64ErrorOffset } from "../base64.js";
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

/** CertificateRequest's JSON field names, in Go's declaration order (for key routing). */
const REQUEST_FIELDS = ["CN", "names", "hosts", "key", "ca", "serialnumber", "delegation_enabled", "extensions", "crl_url"] as const;

function obj(v: unknown, struct: string, path: string, goType: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isJsonObject(v)) throw new PkiError("input-invalid", `json: cannot unmarshal ${jsonType(v)} into Go struct field ${struct}.${path} of type ${goType}`, { field: path });
  return v;
}

function array(v: unknown, struct: string, path: string, goType: string): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new PkiError("input-invalid", `json: cannot unmarshal ${jsonType(v)} into Go struct field ${struct}.${path} of type ${goType}`, { field: path });
  return v;
}

/**
 * Runs one decoder per struct field in the order the fields' keys appear in
 * the text, so that the first type error reported is the first Go meets: Go's
 * decoder walks the object in document order and keeps its first error. (The
 * key order is that of the last occurrence, as {@link getField} reads.)
 */
function inDocumentOrder(o: Obj, decoders: [string, (v: unknown) => void][], fields: readonly string[]): void {
  const keys = Object.keys(o);
  // The last key that routes to the field (the one whose value getField returns).
  const at = (name: string): number => {
    for (let i = keys.length - 1; i >= 0; i--) if (getField({ [keys[i]!]: true }, name, fields) !== undefined) return i;
    return -1;
  };
  const order = decoders.map(([name, run], i) => ({ name, run, pos: at(name), i })).filter((d) => d.pos >= 0);
  order.sort((a, b) => a.pos - b.pos || a.i - b.i);
  for (const d of order) d.run(getField(o, d.name, fields));
}

/**
 * Decodes cfssl CSR JSON. Keys match case-insensitively and unknown keys are
 * ignored (Go semantics); fields are decoded in document order, so the first
 * type error is Go's. Paths in messages are Go's: struct field names joined
 * by dots, without array indexes (`Name.names.O`). The key section starts
 * from cfssl's ECDSA P-256 default and is decoded over it, so
 * `{"algo":"rsa"}` keeps size 256 and fails key generation just as it does
 * in cfssl.
 */
export function parseCsrJson(input: string | Uint8Array | object): CertificateRequest {
  const root = typeof input === "string" || input instanceof Uint8Array ? parseGoJson(input, { keepNumberText: true }) : JSON.parse(JSON.stringify(input));
  const req: CertificateRequest = {
    CN: "",
    names: [],
    hosts: [],
    key: defaultKeyRequest(),
    serialnumber: "",
    delegation_enabled: false,
    extensions: [],
    crl_url: "",
  };
  if (root === null) return req;
  if (!isJsonObject(root)) {
    throw new PkiError("input-invalid", `json: cannot unmarshal ${jsonType(root)} into Go value of type csr.CertificateRequest`);
  }
  const S = "CertificateRequest";
  inDocumentOrder(
    root,
    [
      ["CN", (v) => void (req.CN = goString(v, { struct: S, field: "CN" }) ?? req.CN)],
      ["names", (v) => void (req.names = decodeNames(v) ?? req.names)],
      ["hosts", (v) => void (req.hosts = goStringArray(v, { struct: S, field: "hosts" }) ?? req.hosts)],
      ["key", (v) => decodeKey(v, req)],
      ["ca", (v) => decodeCa(v, req)],
      ["serialnumber", (v) => void (req.serialnumber = goString(v, { struct: S, field: "serialnumber" }) ?? req.serialnumber)],
      ["delegation_enabled", (v) => void (req.delegation_enabled = goBool(v, { struct: S, field: "delegation_enabled" }) ?? req.delegation_enabled)],
      ["extensions", (v) => void (req.extensions = decodeExtensions(v) ?? req.extensions)],
      ["crl_url", (v) => void (req.crl_url = goString(v, { struct: S, field: "crl_url" }) ?? req.crl_url)],
    ],
    REQUEST_FIELDS,
  );
  // Not a JSON error: checked once the whole request has decoded.
  const negative = req.extensions.find((e) => e.oid.split(".").some((a) => a.startsWith("-")));
  if (negative) throw new PkiError("csr-bad-request", `invalid OID ${JSON.stringify(negative.oid)}`, { field: "extensions.Id" });
  return req;
}

const NAME_FIELDS = ["C", "ST", "L", "O", "OU", "E", "SerialNumber", "OID"] as const;

function decodeNames(v: unknown): CsrName[] | undefined {
  const names = array(v, "CertificateRequest", "names", "[]csr.Name");
  return names?.map((n) => {
    const no = obj(n, "CertificateRequest", "names", "csr.Name") ?? {};
    const ctx = (field: string) => ({ struct: "Name", field, path: `names.${field}` });
    const name: CsrName = { C: "", ST: "", L: "", O: "", OU: "", E: "", SerialNumber: "", OID: {} };
    const str = (k: Exclude<(typeof NAME_FIELDS)[number], "OID">): [string, (x: unknown) => void] => [k, (x) => void (name[k] = goString(x, ctx(k)) ?? name[k])];
    inDocumentOrder(
      no,
      [
        str("C"),
        str("ST"),
        str("L"),
        str("O"),
        str("OU"),
        str("E"),
        str("SerialNumber"),
        [
          "OID",
          (oids) => {
            const m = obj(oids, "Name", "names.OID", "map[string]string");
            for (const [k, x] of Object.entries(m ?? {})) name.OID[k] = goString(x, ctx("OID")) ?? "";
          },
        ],
      ],
      NAME_FIELDS,
    );
    return name;
  });
}

function decodeKey(v: unknown, req: CertificateRequest): void {
  const ko = obj(v, "CertificateRequest", "key", "csr.KeyRequest");
  if (!ko) return;
  const fields = ["algo", "size"] as const;
  inDocumentOrder(
    ko,
    [
      ["algo", (x) => void (req.key.algo = goString(x, { struct: "KeyRequest", field: "algo", path: "key.algo" }) ?? req.key.algo)],
      ["size", (x) => void (req.key.size = goInt(x, { struct: "KeyRequest", field: "size", path: "key.size" }) ?? req.key.size)],
    ],
    fields,
  );
}

function decodeCa(v: unknown, req: CertificateRequest): void {
  const ca = obj(v, "CertificateRequest", "ca", "csr.CAConfig");
  if (!ca) return;
  const c = (field: string) => ({ struct: "CAConfig", field, path: `ca.${field}` });
  const out: CaConfig = req.ca ?? { pathlen: 0, pathlenzero: false, expiry: "", backdate: "" };
  req.ca = out;
  inDocumentOrder(
    ca,
    [
      ["pathlen", (x) => void (out.pathlen = goInt(x, c("pathlen")) ?? out.pathlen)],
      ["pathlenzero", (x) => void (out.pathlenzero = goBool(x, c("pathlenzero")) ?? out.pathlenzero)],
      ["expiry", (x) => void (out.expiry = goString(x, c("expiry")) ?? out.expiry)],
      ["backdate", (x) => void (out.backdate = goString(x, c("backdate")) ?? out.backdate)],
    ],
    ["pathlen", "pathlenzero", "expiry", "backdate"],
  );
}

function decodeExtensions(v: unknown): Extension[] | undefined {
  const exts = array(v, "CertificateRequest", "extensions", "[]pkix.Extension");
  if (!exts) return undefined;
  return exts.map((e) => {
    const eo = obj(e, "CertificateRequest", "extensions", "pkix.Extension") ?? {};
    let id: number[] = [];
    let critical = false;
    let value = "";
    inDocumentOrder(
      eo,
      [
        [
          "Id",
          (x) => {
            const ids = array(x, "Extension", "extensions.Id", "asn1.ObjectIdentifier");
            if (ids) id = ids.map((n) => goInt(n, { struct: "Extension", field: "Id", path: "extensions.Id" }) ?? 0);
          },
        ],
        ["Critical", (x) => void (critical = goBool(x, { struct: "Extension", field: "Critical", path: "extensions.Critical" }) ?? critical)],
        [
          "Value",
          (x) => {
            if (x === undefined || x === null) return;
            if (typeof x !== "string") {
              throw new PkiError("input-invalid", `json: cannot unmarshal ${jsonType(x)} into Go struct field Extension.extensions.Value of type []uint8`, { field: "extensions.Value" });
            }
            const bad = goBase64ErrorOffset(x);
            if (bad !== undefined) throw new PkiError("input-invalid", `illegal base64 data at input byte ${bad}`, { field: "extensions.Value" });
            value = x;
          },
        ],
      ],
      ["Id", "Critical", "Value"],
    );
    return { oid: id.join("."), critical, value: Buffer.from(value.replace(/[\r\n]/g, ""), "base64") };
  });
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
