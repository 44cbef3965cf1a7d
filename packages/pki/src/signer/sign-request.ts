// SignRequest: what a caller asks a signer for (cfssl's signer.SignRequest).
import { PkiError } from "../errors.js";
import { getField, goString, parseGoJson } from "../go/json.js";
import type { CsrName } from "../csr/request.js";

/** Replaces the CSR's subject field by field (cfssl's signer.Subject); empty fields keep the CSR's values. */
export interface SignSubject {
  CN?: string;
  names?: Partial<CsrName>[];
  SerialNumber?: string;
}

/** An extension the caller asks for; allowed only when the profile lists its OID in `allowed_extensions`. */
export interface RequestedExtension {
  /** Dotted OID. */
  id: string;
  critical: boolean;
  /** Hex-encoded DER value. */
  value: string;
}

export interface SignRequest {
  /** PEM certification request. */
  request: string | Uint8Array;
  /** Replaces every SAN of the request when set; `[]` removes them all. */
  hosts?: string[];
  subject?: SignSubject;
  /** Profile name; empty or unknown falls back to the default profile, as in cfssl. */
  profile?: string;
  /** Replaces the CRL distribution point (cfssl's `-crl`). */
  crlOverride?: string;
  /** Required when the profile sets ClientProvidesSerialNumbers. */
  serial?: bigint;
  notBefore?: Date;
  notAfter?: Date;
  extensions?: RequestedExtension[];
}

/** Decodes a cfssl sign SUBJECT file (`{"CN":…,"names":[…]}`) with Go JSON semantics. */
export function parseSignSubject(input: string | Uint8Array): SignSubject {
  const root = parseGoJson(input);
  if (root === null) return {};
  if (typeof root !== "object" || Array.isArray(root)) {
    throw new PkiError("input-invalid", `json: cannot unmarshal ${Array.isArray(root) ? "array" : typeof root} into Go value of type signer.Subject`);
  }
  const r = root as Record<string, unknown>;
  const out: SignSubject = {};
  const cn = goString(getField(r, "CN"), { struct: "Subject", field: "CN" });
  if (cn !== undefined) out.CN = cn;
  // signer.Subject's untagged SerialNumber field (Go matches the key case-insensitively).
  const serial = goString(getField(r, "SerialNumber"), { struct: "Subject", field: "SerialNumber" });
  if (serial !== undefined) out.SerialNumber = serial;
  const names = getField(r, "names");
  if (Array.isArray(names)) {
    out.names = names.map((n, i) => {
      const o = (typeof n === "object" && n !== null && !Array.isArray(n) ? n : {}) as Record<string, unknown>;
      const f = (k: string): string => goString(getField(o, k), { struct: "Name", field: k, path: `names[${i}].${k}` }) ?? "";
      return { C: f("C"), ST: f("ST"), L: f("L"), O: f("O"), OU: f("OU") };
    });
  }
  return out;
}
