// SignRequest: what a caller asks a signer for (cfssl's signer.SignRequest).
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
