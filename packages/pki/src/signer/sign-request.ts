// SignRequest: what a caller asks a signer for (cfssl's signer.SignRequest).
import { unmarshalGoJson, type GoType } from "../go/json/decode.js";
import { CSR_NAME_TYPE, type CsrName } from "../csr/request.js";

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

/** cfssl's signer.Subject: untagged CN and SerialNumber, `names` of csr.Name. */
const SUBJECT_TYPE: GoType = {
  kind: "struct",
  name: "signer.Subject",
  fields: [
    { json: "CN", type: { kind: "string", name: "string" } },
    { json: "names", type: { kind: "slice", name: "[]csr.Name", elem: CSR_NAME_TYPE } },
    { json: "SerialNumber", type: { kind: "string", name: "string" } },
  ],
};

/** Decodes a cfssl sign SUBJECT file (`{"CN":…,"names":[…]}`) as Go's json.Unmarshal into a signer.Subject. */
export function parseSignSubject(input: string | Uint8Array): SignSubject {
  const r = unmarshalGoJson(input, { kind: "ptr", elem: SUBJECT_TYPE }) as Record<string, unknown> | undefined;
  if (r === undefined) return {};
  const out: SignSubject = {};
  if (r.CN !== "") out.CN = r.CN as string;
  if (r.SerialNumber !== "") out.SerialNumber = r.SerialNumber as string;
  const names = r.names as Record<string, unknown>[] | undefined;
  if (names !== undefined) {
    out.names = names.map((o) => ({ C: o.C as string, ST: o.ST as string, L: o.L as string, O: o.O as string, OU: o.OU as string }));
  }
  return out;
}
