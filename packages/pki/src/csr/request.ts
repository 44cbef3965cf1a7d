// CertificateRequest: cfssl's CSR JSON (csr.CertificateRequest), decoded with
// Go JSON semantics, and the subject and SANs it turns into.
import { PkiError } from "../errors.js";
import { getField, goBool, goInt, goString, goStringArray, parseGoJson } from "../go/json.js";
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
const typeName = (v: unknown): string => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v === "boolean" ? "bool" : typeof v);

function obj(v: unknown, struct: string, field: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    throw new PkiError("input-invalid", `json: cannot unmarshal ${typeName(v)} into Go struct field ${struct}.${field} of type ${field === "key" ? "csr.KeyRequest" : "csr.CAConfig"}`, { field });
  }
  return v as Obj;
}

/**
 * Decodes cfssl CSR JSON. Keys match case-insensitively and unknown keys are
 * ignored (Go semantics). The key section starts from cfssl's ECDSA P-256
 * default and is decoded over it, so `{"algo":"rsa"}` keeps size 256 and
 * fails key generation just as it does in cfssl.
 */
export function parseCsrJson(input: string | Uint8Array | object): CertificateRequest {
  const root = typeof input === "string" || input instanceof Uint8Array ? parseGoJson(input) : JSON.parse(JSON.stringify(input));
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
  if (typeof root !== "object" || Array.isArray(root)) {
    throw new PkiError("input-invalid", `json: cannot unmarshal ${typeName(root)} into Go value of type csr.CertificateRequest`);
  }
  const r = root as Obj;
  const S = "CertificateRequest";
  req.CN = goString(getField(r, "CN"), { struct: S, field: "CN" }) ?? "";
  req.hosts = goStringArray(getField(r, "hosts"), { struct: S, field: "hosts" }) ?? [];
  req.serialnumber = goString(getField(r, "serialnumber"), { struct: S, field: "serialnumber" }) ?? "";
  req.delegation_enabled = goBool(getField(r, "delegation_enabled"), { struct: S, field: "delegation_enabled" }) ?? false;
  req.crl_url = goString(getField(r, "crl_url"), { struct: S, field: "crl_url" }) ?? "";

  const names = getField(r, "names");
  if (names !== undefined && names !== null) {
    if (!Array.isArray(names)) throw new PkiError("input-invalid", `json: cannot unmarshal ${typeName(names)} into Go struct field ${S}.names of type []csr.Name`, { field: "names" });
    req.names = names.map((n, i) => {
      const no = obj(n, S, `names[${i}]`) ?? {};
      const ctx = (field: string) => ({ struct: "Name", field, path: `names[${i}].${field}` });
      const oids = getField(no, "OID");
      const oidMap: Record<string, string> = {};
      if (oids !== undefined && oids !== null) {
        if (typeof oids !== "object" || Array.isArray(oids)) throw new PkiError("input-invalid", `json: cannot unmarshal ${typeName(oids)} into Go struct field Name.names.OID of type map[string]string`, { field: `names[${i}].OID` });
        for (const [k, v] of Object.entries(oids as Obj)) {
          if (typeof v !== "string") throw new PkiError("input-invalid", `json: cannot unmarshal ${typeName(v)} into Go struct field Name.names.OID of type string`, { field: `names[${i}].OID.${k}` });
          oidMap[k] = v;
        }
      }
      return {
        C: goString(getField(no, "C"), ctx("C")) ?? "",
        ST: goString(getField(no, "ST"), ctx("ST")) ?? "",
        L: goString(getField(no, "L"), ctx("L")) ?? "",
        O: goString(getField(no, "O"), ctx("O")) ?? "",
        OU: goString(getField(no, "OU"), ctx("OU")) ?? "",
        E: goString(getField(no, "E"), ctx("E")) ?? "",
        SerialNumber: goString(getField(no, "SerialNumber"), ctx("SerialNumber")) ?? "",
        OID: oidMap,
      };
    });
  }

  const key = getField(r, "key");
  const ko = obj(key, S, "key");
  if (ko) {
    const a = goString(getField(ko, "algo"), { struct: "KeyRequest", field: "algo", path: "key.algo" });
    const s = goInt(getField(ko, "size"), { struct: "KeyRequest", field: "size", path: "key.size" });
    if (a !== undefined) req.key.algo = a;
    if (s !== undefined) req.key.size = s;
  }

  const ca = obj(getField(r, "ca"), S, "ca");
  if (ca) {
    const c = (field: string) => ({ struct: "CAConfig", field, path: `ca.${field}` });
    req.ca = {
      pathlen: goInt(getField(ca, "pathlen"), c("pathlen")) ?? 0,
      pathlenzero: goBool(getField(ca, "pathlenzero"), c("pathlenzero")) ?? false,
      expiry: goString(getField(ca, "expiry"), c("expiry")) ?? "",
      backdate: goString(getField(ca, "backdate"), c("backdate")) ?? "",
    };
  }

  const exts = getField(r, "extensions");
  if (exts !== undefined && exts !== null) {
    if (!Array.isArray(exts)) throw new PkiError("input-invalid", `json: cannot unmarshal ${typeName(exts)} into Go struct field ${S}.extensions of type []pkix.Extension`, { field: "extensions" });
    req.extensions = exts.map((e, i) => {
      const eo = obj(e, S, `extensions[${i}]`) ?? {};
      const id = getField(eo, "Id");
      const idCtx = { field: `extensions[${i}].Id` };
      if (id !== undefined && id !== null && !Array.isArray(id)) {
        throw new PkiError("input-invalid", `json: cannot unmarshal ${typeName(id)} into Go struct field Extension.extensions.Id of type asn1.ObjectIdentifier`, idCtx);
      }
      for (const n of Array.isArray(id) ? (id as unknown[]) : []) {
        if (typeof n !== "number" || !Number.isInteger(n)) {
          throw new PkiError("input-invalid", `json: cannot unmarshal ${typeof n === "number" ? `number ${n}` : typeName(n)} into Go struct field Extension.extensions.Id of type int`, idCtx);
        }
        if (n < 0) throw new PkiError("csr-bad-request", `invalid OID ${JSON.stringify((id as number[]).join("."))}`, idCtx);
      }
      const rawValue = getField(eo, "Value");
      if (rawValue !== undefined && rawValue !== null && typeof rawValue !== "string") {
        throw new PkiError("input-invalid", `json: cannot unmarshal ${typeName(rawValue)} into Go struct field Extension.extensions.Value of type []uint8`, { field: `extensions[${i}].Value` });
      }
      const value = typeof rawValue === "string" ? rawValue : "";
      const bad = goBase64ErrorOffset(value);
      if (bad !== undefined) throw new PkiError("input-invalid", `illegal base64 data at input byte ${bad}`, { field: `extensions[${i}].Value` });
      return {
        oid: ((id as number[] | null | undefined) ?? []).join("."),
        critical: goBool(getField(eo, "Critical"), { struct: "Extension", field: "Critical" }) ?? false,
        value: Buffer.from(value.replace(/[\r\n]/g, ""), "base64"),
      };
    });
  }
  return req;
}

/** cfssl's csr.OIDFromString: dotted decimal, each part a non-negative int. */
function oidFromString(s: string): string {
  const parts = s.split(".");
  for (const p of parts) {
    if (!/^[+-]?\d+$/.test(p)) throw new PkiError("csr-bad-request", `invalid OID part ${p}`, { field: "names.OID" });
  }
  return parts.map((p) => String(Number(p))).join(".");
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
