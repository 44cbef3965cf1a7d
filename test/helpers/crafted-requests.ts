// A self-contained kit for crafting signed PKCS#10 requests (and the hostile inputs of issue 12) byte by byte.
//
// Why a separate kit: the tests that prove the approver and @k8s/pki read a request exactly as Go does must be
// able to write requests that no well-behaved encoder (ours, Go's, OpenSSL's) would write: two extensionRequest
// values, duplicate extensions, odd string types, non-minimal lengths, PEM framing tricks. It depends on nothing
// but node:crypto, so a bug in @k8s/pki's encoder cannot hide the same bug in its parser, and the end-to-end tests
// (test/integration) can submit the same requests to the real kube-apiserver.
//
// Layers, lowest first:
//   der.*            DER values (tlv, seq, set, int, oid, strings, explicit tags), with opt-in malformations
//   atv / name       subject names from [[oid, value, stringType]] rows
//   san / ext / extensionRequest   extensions and the PKCS#9 extensionRequest attribute
//   buildCsr         a CertificationRequest signed with a node:crypto key (resign for mutants)
//   pem.*            PEM text, written as Go's pem.Encode writes it, plus the framing tricks
//   craftedRequests  the named catalogue of hostile requests, grouped by defect class
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from "node:crypto";

// ---------------------------------------------------------------------------------------------------------------
// DER
// ---------------------------------------------------------------------------------------------------------------

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  NUMERIC: 0x12,
  PRINTABLE: 0x13,
  T61: 0x14,
  IA5: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE: 0x1a,
  UNIVERSAL: 0x1c,
  BMP: 0x1e,
} as const;

export type StringType = "utf8" | "printable" | "t61" | "ia5" | "visible" | "universal" | "bmp" | "numeric";

const STRING_TAG: Record<StringType, number> = {
  utf8: TAG.UTF8,
  printable: TAG.PRINTABLE,
  t61: TAG.T61,
  ia5: TAG.IA5,
  visible: TAG.VISIBLE,
  universal: TAG.UNIVERSAL,
  bmp: TAG.BMP,
  numeric: TAG.NUMERIC,
};

/** How a length is written: DER's minimal form, a long form padded with `extra` leading zero bytes, or indefinite. */
export type LengthForm = { kind: "minimal" } | { kind: "padded"; extra: number } | { kind: "indefinite" };

export function encodeLength(n: number, form: LengthForm = { kind: "minimal" }): Buffer {
  if (form.kind === "indefinite") return Buffer.from([0x80]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (form.kind === "padded") {
    for (let i = 0; i < form.extra; i++) bytes.unshift(0);
    // A padded short length is still written in the long form, which is the point (0x81 0x05 for 5).
    return Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  if (n < 0x80) return Buffer.from([n]);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV. `tag` may be several identifier bytes (high tag numbers). */
export function tlv(tag: number | Buffer, content: Uint8Array, form?: LengthForm): Buffer {
  const id = typeof tag === "number" ? Buffer.from([tag]) : tag;
  const body = Buffer.from(content);
  if (form?.kind === "indefinite") return Buffer.concat([id, Buffer.from([0x80]), body, Buffer.from([0, 0])]);
  return Buffer.concat([id, encodeLength(body.length, form), body]);
}

/** Two's-complement minimal content octets of an INTEGER. */
export function integerContent(v: bigint): Buffer {
  if (v === 0n) return Buffer.from([0]);
  const out: number[] = [];
  let x = v;
  for (;;) {
    const byte = Number(BigInt.asUintN(8, x));
    out.unshift(byte);
    x >>= 8n;
    if ((x === 0n && (byte & 0x80) === 0) || (x === -1n && (byte & 0x80) !== 0)) break;
  }
  return Buffer.from(out);
}

/** Base-128 content of one OID arc (bigint so huge arcs can be written). */
function base128(v: bigint): number[] {
  const out = [Number(v & 0x7fn)];
  for (let x = v >> 7n; x > 0n; x >>= 7n) out.unshift(Number(x & 0x7fn) | 0x80);
  return out;
}

export function oidContent(dotted: string): Buffer {
  const arcs = dotted.split(".").map((a) => BigInt(a));
  const [a, b, ...rest] = arcs;
  if (a === undefined || b === undefined) throw new Error(`oid ${dotted}: needs two arcs`);
  return Buffer.from([...base128(a * 40n + b), ...rest.flatMap(base128)]);
}

function encodeString(type: StringType, s: string): Buffer {
  switch (type) {
    case "bmp": {
      const b = Buffer.alloc(s.length * 2);
      for (let i = 0; i < s.length; i++) b.writeUInt16BE(s.charCodeAt(i), i * 2);
      return b;
    }
    case "universal": {
      const cps = [...s].map((c) => c.codePointAt(0)!);
      const b = Buffer.alloc(cps.length * 4);
      cps.forEach((cp, i) => b.writeUInt32BE(cp, i * 4));
      return b;
    }
    case "t61":
      return Buffer.from(s, "latin1");
    default:
      return Buffer.from(s, "utf8");
  }
}

export const der = {
  tlv,
  seq: (...children: Buffer[]) => tlv(TAG.SEQUENCE, Buffer.concat(children)),
  set: (...children: Buffer[]) => tlv(TAG.SET, Buffer.concat(children)),
  /** A SET OF sorted as DER requires (by encoding); `set` keeps the given order on purpose. */
  setOf: (...children: Buffer[]) => tlv(TAG.SET, Buffer.concat([...children].sort(Buffer.compare))),
  int: (v: bigint | number) => tlv(TAG.INTEGER, integerContent(BigInt(v))),
  /** An INTEGER of `n` content bytes (0x7f then 0xff...), for size caps. */
  hugeInt: (n: number) => tlv(TAG.INTEGER, Buffer.concat([Buffer.from([0x7f]), Buffer.alloc(n - 1, 0xff)])),
  oid: (dotted: string) => tlv(TAG.OID, oidContent(dotted)),
  bool: (v: boolean, byte?: number) => tlv(TAG.BOOLEAN, Buffer.from([byte ?? (v ? 0xff : 0x00)])),
  null: () => Buffer.from([TAG.NULL, 0]),
  octets: (b: Uint8Array) => tlv(TAG.OCTET_STRING, b),
  bits: (b: Uint8Array, unused = 0) => tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unused]), Buffer.from(b)])),
  str: (type: StringType, s: string) => tlv(STRING_TAG[type], encodeString(type, s)),
  /** [n] EXPLICIT: a constructed context tag around one value. */
  explicit: (n: number, inner: Buffer) => tlv(0xa0 | n, inner),
  /** [n] IMPLICIT primitive. */
  implicit: (n: number, content: Uint8Array) => tlv(0x80 | n, content),
  utcTime: (s: string) => tlv(TAG.UTC_TIME, Buffer.from(s, "latin1")),
  generalizedTime: (s: string) => tlv(TAG.GENERALIZED_TIME, Buffer.from(s, "latin1")),
};

// ---------------------------------------------------------------------------------------------------------------
// OIDs
// ---------------------------------------------------------------------------------------------------------------

export const OIDS = {
  commonName: "2.5.4.3",
  serialNumber: "2.5.4.5",
  country: "2.5.4.6",
  locality: "2.5.4.7",
  province: "2.5.4.8",
  street: "2.5.4.9",
  organization: "2.5.4.10",
  organizationalUnit: "2.5.4.11",
  postalCode: "2.5.4.17",
  emailAddress: "1.2.840.113549.1.9.1",
  challengePassword: "1.2.840.113549.1.9.7",
  extensionRequest: "1.2.840.113549.1.9.14",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectKeyId: "2.5.29.14",
  authorityKeyId: "2.5.29.35",
  rsaEncryption: "1.2.840.113549.1.1.1",
  md5WithRSA: "1.2.840.113549.1.1.4",
  sha1WithRSA: "1.2.840.113549.1.1.5",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  sha384WithRSA: "1.2.840.113549.1.1.12",
  rsaPss: "1.2.840.113549.1.1.10",
  ecPublicKey: "1.2.840.10045.2.1",
  ecdsaWithSHA1: "1.2.840.10045.4.1",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
  ecdsaWithSHA384: "1.2.840.10045.4.3.3",
  ed25519: "1.3.101.112",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------------------

/** One AttributeTypeAndValue: a string of the given type, or a raw value TLV (INTEGER, odd tags...). */
export type Atv = [oid: string, value: string | Buffer, type?: StringType];

export function atv([oid, value, type]: Atv): Buffer {
  const v = typeof value === "string" ? der.str(type ?? (oid === OIDS.country ? "printable" : "utf8"), value) : value;
  return der.seq(der.oid(oid), v);
}

/** A Name from RDNs; each RDN is a SET of ATVs kept in the order given (multi-valued RDNs too). */
export function name(rdns: Atv[][]): Buffer {
  return der.seq(...rdns.map((rdn) => der.set(...rdn.map(atv))));
}

/** The subject a kubelet writes: O=system:nodes, CN=system:node:<name>. */
export function nodeSubject(nodeName: string, type: StringType = "utf8"): Atv[][] {
  return [[[OIDS.organization, "system:nodes", type]], [[OIDS.commonName, `system:node:${nodeName}`, type]]];
}

// ---------------------------------------------------------------------------------------------------------------
// Extensions
// ---------------------------------------------------------------------------------------------------------------

/** GeneralName entries (RFC 5280 4.2.1.6); `raw` lets a test write any tag. */
export const san = {
  dns: (s: string) => der.implicit(2, Buffer.from(s, "latin1")),
  email: (s: string) => der.implicit(1, Buffer.from(s, "latin1")),
  uri: (s: string) => der.implicit(6, Buffer.from(s, "latin1")),
  ip: (addr: string | Uint8Array) => der.implicit(7, typeof addr === "string" ? ipBytes(addr) : addr),
  /** A constructed [2] (0xa2) around a DNS name: Go skips it, a lax reader may take it as a DNS name. */
  constructedDns: (s: string) => tlv(0xa2, der.str("ia5", s)),
  raw: (tag: number, content: Uint8Array) => tlv(tag, content),
};

export function ipBytes(addr: string): Buffer {
  if (addr.includes(":")) {
    // Only the forms the tests need: full or "::" compressed, with an optional dotted IPv4 tail.
    let text = addr;
    let tail: number[] = [];
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4) {
      tail = v4[1]!.split(".").map(Number);
      text = text.slice(0, -v4[1]!.length) + "0:0";
    }
    const [head, rest] = text.split("::") as [string, string | undefined];
    const h = head ? head.split(":") : [];
    const r = rest !== undefined && rest !== "" ? rest.split(":") : [];
    const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill("0"), ...r];
    const b = Buffer.alloc(16);
    groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
    if (v4) Buffer.from(tail).copy(b, 12);
    return b;
  }
  return Buffer.from(addr.split(".").map(Number));
}

/** One Extension; `critical` undefined omits the field (DER's DEFAULT FALSE), a number writes that BOOLEAN byte. */
export function ext(oid: string, value: Uint8Array, critical?: boolean | number): Buffer {
  const crit = critical === undefined ? [] : [typeof critical === "number" ? der.bool(true, critical) : der.bool(critical)];
  return der.seq(der.oid(oid), ...crit, der.octets(value));
}

export function sanExt(entries: Buffer[], critical?: boolean): Buffer {
  return ext(OIDS.subjectAltName, der.seq(...entries), critical);
}

/** basicConstraints with a raw pathLen INTEGER (e.g. der.hugeInt(60_000)). */
export function basicConstraintsExt(ca: boolean, pathLen?: Buffer, critical = true): Buffer {
  return ext(OIDS.basicConstraints, der.seq(...(ca ? [der.bool(true)] : []), ...(pathLen ? [pathLen] : [])), critical);
}

/** keyUsage from the bit numbers (0 digitalSignature, 2 keyEncipherment, 5 keyCertSign...). */
export function keyUsageExt(bitNumbers: number[], critical = true): Buffer {
  const max = Math.max(...bitNumbers, 0);
  const bytes = Buffer.alloc(Math.floor(max / 8) + 1);
  for (const n of bitNumbers) bytes[n >> 3]! |= 0x80 >> (n & 7);
  const unused = 7 - (max & 7);
  return ext(OIDS.keyUsage, der.bits(bytes, bitNumbers.length ? unused : 0), critical);
}

export function extKeyUsageExt(oids: string[]): Buffer {
  return ext(OIDS.extKeyUsage, der.seq(...oids.map((o) => der.oid(o))));
}

/** Attribute { type, SET OF values } with the values in the order given. */
export function attribute(oid: string, values: Buffer[]): Buffer {
  return der.seq(der.oid(oid), der.set(...values));
}

/** The PKCS#9 extensionRequest attribute; each entry of `values` is one `Extensions` SEQUENCE. */
export function extensionRequest(...values: Buffer[][]): Buffer {
  return attribute(OIDS.extensionRequest, values.map((exts) => der.seq(...exts)));
}

// ---------------------------------------------------------------------------------------------------------------
// Keys and signatures
// ---------------------------------------------------------------------------------------------------------------

export type KeyKind = "ecdsa-p256" | "ecdsa-p384" | "rsa-2048" | "ed25519";

export function generateKey(kind: KeyKind = "ecdsa-p256"): KeyObject {
  switch (kind) {
    case "ecdsa-p256":
      return generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    case "ecdsa-p384":
      return generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey;
    case "rsa-2048":
      return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    case "ed25519":
      return generateKeyPairSync("ed25519").privateKey;
  }
}

export function loadKey(key: string | KeyObject): KeyObject {
  return typeof key === "string" ? createPrivateKey(key) : key;
}

/** DER SubjectPublicKeyInfo of a private key's public half. */
export function spkiOf(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: "spki", format: "der" });
}

/** A signature algorithm: the OID written in the request and how node:crypto signs for it. */
export interface SigAlg {
  oid: string;
  /** node:crypto digest name, or null for Ed25519. */
  hash: string | null;
  /** AlgorithmIdentifier parameters: NULL for RSA PKCS#1 v1.5 (as Go writes it), absent otherwise. */
  params?: Buffer;
  /** RSA-PSS salt length; signs with PSS padding instead of PKCS#1 v1.5. */
  pssSalt?: number;
}

/** RSASSA-PSS-params as Go writes them: hash, MGF1 with the same hash, salt = hash length, default trailer. */
function pssParams(hashOid: string, salt: number): Buffer {
  const h = der.seq(der.oid(hashOid), der.null());
  return der.seq(der.explicit(0, h), der.explicit(1, der.seq(der.oid("1.2.840.113549.1.1.8"), h)), der.explicit(2, der.int(salt)));
}

export const SIG_ALGS = {
  "ecdsa-sha256": { oid: OIDS.ecdsaWithSHA256, hash: "sha256" },
  "ecdsa-sha384": { oid: OIDS.ecdsaWithSHA384, hash: "sha384" },
  "ecdsa-sha1": { oid: OIDS.ecdsaWithSHA1, hash: "sha1" },
  "rsa-sha256": { oid: OIDS.sha256WithRSA, hash: "sha256", params: der.null() },
  "rsa-sha384": { oid: OIDS.sha384WithRSA, hash: "sha384", params: der.null() },
  "rsa-sha1": { oid: OIDS.sha1WithRSA, hash: "sha1", params: der.null() },
  "rsa-md5": { oid: OIDS.md5WithRSA, hash: "md5", params: der.null() },
  ed25519: { oid: OIDS.ed25519, hash: null },
  "rsa-pss-sha256": { oid: OIDS.rsaPss, hash: "sha256", params: pssParams("2.16.840.1.101.3.4.2.1", 32), pssSalt: 32 },
  "rsa-pss-sha384": { oid: OIDS.rsaPss, hash: "sha384", params: pssParams("2.16.840.1.101.3.4.2.2", 48), pssSalt: 48 },
  /** PSS with a salt Go does not accept (it wants salt = hash length). */
  "rsa-pss-sha256-salt-20": { oid: OIDS.rsaPss, hash: "sha256", params: pssParams("2.16.840.1.101.3.4.2.1", 20), pssSalt: 20 },
} as const satisfies Record<string, SigAlg>;

export type SigAlgName = keyof typeof SIG_ALGS;

/** The algorithm Go's x509.CreateCertificateRequest picks for a key. */
export function defaultSigAlg(key: KeyObject): SigAlg {
  const t = key.asymmetricKeyType;
  if (t === "rsa") return SIG_ALGS["rsa-sha256"];
  if (t === "ed25519") return SIG_ALGS.ed25519;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === "secp384r1" ? SIG_ALGS["ecdsa-sha384"] : SIG_ALGS["ecdsa-sha256"];
}

export function algorithmIdentifier(alg: SigAlg): Buffer {
  return der.seq(der.oid(alg.oid), ...(alg.params ? [alg.params] : []));
}

/**
 * Signs `data` with `key` using the digest of `signWith` (default: the key's own algorithm). The digest is taken
 * from `signWith`, not from the OID written in the request, so a request can claim one algorithm and be signed
 * with another (the algorithm/key binding tests).
 */
export function signBytes(key: KeyObject, data: Uint8Array, signWith?: SigAlg): Buffer {
  const alg = signWith ?? defaultSigAlg(key);
  if (key.asymmetricKeyType === "ed25519") return nodeSign(null, data, key);
  if (alg.pssSalt !== undefined && key.asymmetricKeyType === "rsa") {
    return nodeSign(alg.hash ?? "sha256", data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.pssSalt });
  }
  return nodeSign(alg.hash ?? "sha256", data, key);
}

// ---------------------------------------------------------------------------------------------------------------
// Certification requests
// ---------------------------------------------------------------------------------------------------------------

export interface CsrOptions {
  /** Signing key; the request's SPKI is its public half unless `spki` is given. */
  key: KeyObject;
  subjectRdns?: Atv[][];
  /** A raw subject Name, used instead of subjectRdns (for malformed names). */
  subjectDer?: Buffer;
  /** Raw Attribute SEQUENCEs, in order (see attribute / extensionRequest). */
  attributes?: Buffer[];
  /** Leave out the [0] attributes field entirely (it is required; Go rejects its absence). */
  omitAttributes?: boolean;
  /** The algorithm written in the request (default: the key's). */
  sigAlg?: SigAlg;
  /** The algorithm actually used to sign (default: sigAlg if it suits the key, else the key's own). */
  signWith?: SigAlg;
  /** CertificationRequestInfo version INTEGER (default 0), or a raw TLV. */
  version?: number | bigint | Buffer;
  spki?: Buffer;
  /** Replaces the signature bytes (e.g. zeros) after signing. */
  signature?: Buffer;
}

export interface BuiltCsr {
  der: Buffer;
  /** The signed CertificationRequestInfo. */
  info: Buffer;
  pem: string;
}

function keyFitsAlg(key: KeyObject, alg: SigAlg): boolean {
  const t = key.asymmetricKeyType;
  if (alg.oid === OIDS.ed25519) return t === "ed25519";
  if (alg.oid.startsWith("1.2.840.10045.4.")) return t === "ec";
  return t === "rsa";
}

/** CertificationRequestInfo ::= SEQUENCE { version, subject, subjectPKInfo, [0] attributes }. */
export function csrInfo(o: Omit<CsrOptions, "signature" | "signWith" | "sigAlg">): Buffer {
  const version = Buffer.isBuffer(o.version) ? o.version : der.int(BigInt(o.version ?? 0));
  const subject = o.subjectDer ?? name(o.subjectRdns ?? []);
  const attrs = o.omitAttributes ? [] : [tlv(0xa0, Buffer.concat(o.attributes ?? []))];
  return der.seq(version, subject, o.spki ?? spkiOf(o.key), ...attrs);
}

/** Wraps an info (possibly hand-edited) into a signed CertificationRequest. */
export function signCsrInfo(info: Buffer, key: KeyObject, sigAlg?: SigAlg, signWith?: SigAlg, signature?: Buffer): Buffer {
  const alg = sigAlg ?? defaultSigAlg(key);
  const by = signWith ?? (keyFitsAlg(key, alg) ? alg : defaultSigAlg(key));
  const sig = signature ?? signBytes(key, info, by);
  return der.seq(info, algorithmIdentifier(alg), der.bits(sig));
}

export function buildCsr(o: CsrOptions): BuiltCsr {
  const info = csrInfo(o);
  const d = signCsrInfo(info, o.key, o.sigAlg, o.signWith, o.signature);
  return { der: d, info, pem: pem.encode("CERTIFICATE REQUEST", d) };
}

/**
 * Re-signs a whole CertificationRequest (or Certificate) whose first element was edited: keeps its AlgorithmIdentifier
 * bytes, signs the first element again. Returns undefined when the outer structure is not a 3-element SEQUENCE.
 */
export function resign(whole: Buffer, key: KeyObject, signWith?: SigAlg): Buffer | undefined {
  const parts = splitSequence(whole);
  if (!parts || parts.length !== 3) return undefined;
  const [tbs, alg] = parts as [Buffer, Buffer, Buffer];
  return der.seq(tbs, alg, der.bits(signBytes(key, tbs, signWith)));
}

/** Children of a definite-length SEQUENCE that spans the buffer, as raw TLVs; undefined if it is not one. */
export function splitSequence(buf: Buffer): Buffer[] | undefined {
  const top = readTlv(buf, 0);
  if (!top || top.end !== buf.length || buf[0] !== TAG.SEQUENCE) return undefined;
  const out: Buffer[] = [];
  for (let p = top.contentStart; p < top.end; ) {
    const c = readTlv(buf, p, top.end);
    if (!c) return undefined;
    out.push(buf.subarray(p, c.end));
    p = c.end;
  }
  return out;
}

/** Reads one definite-length TLV header at `off` (low tag numbers only). */
export function readTlv(buf: Buffer, off: number, limit = buf.length): { contentStart: number; end: number } | undefined {
  if (off + 2 > limit) return undefined;
  let p = off + 1;
  if ((buf[off]! & 0x1f) === 0x1f) return undefined;
  let len = buf[p++]!;
  if (len === 0x80) return undefined;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 4 || p + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  if (p + len > limit) return undefined;
  return { contentStart: p, end: p + len };
}

// ---------------------------------------------------------------------------------------------------------------
// PEM
// ---------------------------------------------------------------------------------------------------------------

export interface PemOptions {
  /** Base64 line width (Go writes 64); 0 puts it all on one line. */
  width?: number;
  eol?: string;
  /** Header lines written after BEGIN, verbatim (e.g. "Proc-Type: 4,ENCRYPTED"). */
  headers?: string[];
  /** Write a blank line after the headers (RFC 1421); Go needs none. */
  blankAfterHeaders?: boolean;
  /** Text put right after "-----BEGIN TYPE-----" on its line (before the line end). */
  afterBegin?: string;
  /** Text put right after "-----END TYPE-----" on its line. */
  afterEnd?: string;
  /** Text put before "-----BEGIN" on the same line. */
  beforeBegin?: string;
  /** END marker on the last base64 line, with no line break before it. */
  endOnBase64Line?: boolean;
  /** Strip "=" padding. */
  noPadding?: boolean;
  /** Insert this string after the first base64 line (inside the base64 text). */
  insideBase64?: string;
  /** Type on the END line, if it differs. */
  endType?: string;
  /** Omit the final line end. */
  noFinalEol?: boolean;
}

export const pem = {
  /** Exactly Go's pem.EncodeToMemory for a block without headers. */
  encode(type: string, d: Uint8Array): string {
    return pem.write(type, d, {});
  },
  write(type: string, d: Uint8Array, o: PemOptions): string {
    const eol = o.eol ?? "\n";
    const width = o.width ?? 64;
    let b64 = Buffer.from(d).toString("base64");
    if (o.noPadding) b64 = b64.replace(/=+$/, "");
    const lines: string[] = [];
    if (width <= 0) lines.push(b64);
    else for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
    if (o.insideBase64 !== undefined && lines.length > 0) lines[0] = lines[0]! + o.insideBase64;
    let s = `${o.beforeBegin ?? ""}-----BEGIN ${type}-----${o.afterBegin ?? ""}${eol}`;
    for (const h of o.headers ?? []) s += h + eol;
    if (o.headers?.length && o.blankAfterHeaders) s += eol;
    if (o.endOnBase64Line) s += lines.join(eol);
    else s += lines.map((l) => l + eol).join("");
    s += `-----END ${o.endType ?? type}-----${o.afterEnd ?? ""}${o.noFinalEol ? "" : eol}`;
    return s;
  },
};

// ---------------------------------------------------------------------------------------------------------------
// The catalogue of issue 12
// ---------------------------------------------------------------------------------------------------------------

export interface CraftedRequest {
  /** Stable and unique, e.g. "pem/form-feed-in-base64". */
  name: string;
  /** The defect class of issue 12: pem, extension-request, string-types, san, dos, der, signature, policy, control. */
  cls: string;
  /** The request text as submitted (may hold several PEM blocks or none). */
  pem: string;
}

export interface CraftOptions {
  /** The node the requester is entitled to (its bootstrap or node identity). */
  nodeName: string;
  /** The identity an attacker wants a certificate for. */
  evilName: string;
  /** The requester's private key (PEM or KeyObject); a fresh P-256 key when absent. */
  keyPem?: string | KeyObject;
  /** An IP the node is entitled to in a serving certificate (default 10.0.0.10). */
  nodeIp?: string;
  /** An IP it is not entitled to (default the service VIP 10.96.0.1). */
  evilIp?: string;
}

/**
 * Every hostile request shape of issue 12, each signed with the requester's key. In the "pem" class the harmless
 * block (for `nodeName`) comes where a lax reader looks and the hostile one (for `evilName`) where Go's pem.Decode
 * looks, so an approver that reads differently from kube-apiserver approves what the signer then signs for evil.
 * The "control" entries are canonical requests that must stay approvable.
 */
export function craftedRequests(opts: CraftOptions): CraftedRequest[] {
  const key = opts.keyPem ? loadKey(opts.keyPem) : generateKey();
  const node = opts.nodeName;
  const evil = opts.evilName;
  const nodeIp = opts.nodeIp ?? "10.0.0.10";
  const evilIp = opts.evilIp ?? "10.96.0.1";
  const out: CraftedRequest[] = [];
  const add = (cls: string, nm: string, text: string) => out.push({ name: `${cls}/${nm}`, cls, pem: text });
  const csr = (o: Partial<CsrOptions>) => buildCsr({ key, ...o });

  // Harmless and hostile requests in both kubelet shapes (client: subject only; serving: subject + SANs).
  const serving = (n: string, dns: string[], ips: string[]) =>
    extensionRequest([sanExt([...dns.map(san.dns), ...ips.map((i) => san.ip(i))])]);
  const goodClient = csr({ subjectRdns: nodeSubject(node) });
  const evilClient = csr({ subjectRdns: nodeSubject(evil) });
  const goodServing = csr({ subjectRdns: nodeSubject(node), attributes: [serving(node, [node], [nodeIp])] });
  const evilServing = csr({
    subjectRdns: nodeSubject(node),
    attributes: [serving(node, [node, "kubernetes.default.svc", evil], [nodeIp, evilIp])],
  });

  add("control", "client", goodClient.pem);
  add("control", "serving", goodServing.pem);
  add("control", "client-rsa", buildCsr({ key: generateKey("rsa-2048"), subjectRdns: nodeSubject(node) }).pem);
  add("control", "client-ed25519", buildCsr({ key: generateKey("ed25519"), subjectRdns: nodeSubject(node) }).pem);

  // --- 1. PEM framing -----------------------------------------------------------------------------------------
  const T = "CERTIFICATE REQUEST";
  // A request whose DER length is not a multiple of 3, so its base64 ends with padding. The ECDSA signature's
  // length varies by a byte or two per signing, so three tries can all land on multiples of 3: try many.
  const padded = (() => {
    for (let i = 0; i < 64; i++) {
      const c = csr({ subjectRdns: [...nodeSubject(node), [[OIDS.organizationalUnit, "x".repeat(i + 1)]]] });
      if (c.der.length % 3 !== 0) return c;
    }
    throw new Error("unreachable: 64 signed requests all have lengths that are multiples of 3");
  })();
  for (const [shape, good, bad] of [
    ["client", goodClient, evilClient],
    ["serving", goodServing, evilServing],
  ] as const) {
    const g = (o: PemOptions) => pem.write(T, good.der, o);
    const b = pem.encode(T, bad.der);
    // Lax readers take the first block, Go skips it: the hostile second block is what kube-apiserver reads.
    add("pem", `${shape}/text-before-begin`, g({ beforeBegin: "note: " }) + b);
    add("pem", `${shape}/bom-before-begin`, "\ufeff" + g({}) + b);
    add("pem", `${shape}/form-feed-in-base64`, g({ insideBase64: "\f" }) + b);
    add("pem", `${shape}/vertical-tab-in-base64`, g({ insideBase64: "\v" }) + b);
    add("pem", `${shape}/nbsp-in-base64`, g({ insideBase64: "\u00a0" }) + b);
    add("pem", `${shape}/text-after-end`, g({ afterEnd: " trailing" }) + b);
    add("pem", `${shape}/end-on-base64-line`, g({ endOnBase64Line: true }) + b);
    add("pem", `${shape}/end-type-differs`, g({ endType: "CERTIFICATE" }) + b);
    // An unterminated BEGIN: Go pairs the first END with the last BEGIN before it (the hostile block).
    add("pem", `${shape}/nested-begin`, `-----BEGIN ${T}-----\n` + g({}).split("\n").slice(1, -2).join("\n") + "\n" + b);
    // Go reads these first blocks (hostile) where a lax reader skips them and reads the harmless second block.
    const bad1 = (o: PemOptions) => pem.write(T, bad.der, o);
    const g2 = pem.encode(T, good.der);
    add("pem", `${shape}/begin-trailing-space`, bad1({ afterBegin: " " }) + g2);
    add("pem", `${shape}/begin-trailing-tab`, bad1({ afterBegin: "\t" }) + g2);
    add("pem", `${shape}/header-underscore-key`, bad1({ headers: ["X_Note: a"] }) + g2);
    add("pem", `${shape}/header-digit-key`, bad1({ headers: ["Note2: a"] }) + g2);
    add("pem", `${shape}/header-no-blank-line`, bad1({ headers: ["Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,00"] }) + g2);
    add("pem", `${shape}/header-space-in-key`, bad1({ headers: ["Proc Type: 4"] }) + g2);
    add("pem", `${shape}/crlf`, bad1({ eol: "\r\n" }) + g2);
    add("pem", `${shape}/spaces-in-base64`, bad1({ insideBase64: " \t " }) + g2);
  }
  add("pem", "client/no-padding", pem.write(T, padded.der, { noPadding: true }) + pem.encode(T, evilClient.der));
  add("pem", "headers-with-blank-line", pem.write(T, goodClient.der, { headers: ["Proc-Type: 4,ENCRYPTED"], blankAfterHeaders: true }));
  add("pem", "cr-only-line-ends", pem.write(T, goodClient.der, { eol: "\r" }));
  add("pem", "one-line-base64", pem.write(T, goodClient.der, { width: 0 }));
  add("pem", "width-76", pem.write(T, goodClient.der, { width: 76 }));
  add("pem", "no-final-newline", pem.write(T, goodClient.der, { noFinalEol: true }));
  add("pem", "new-certificate-request-type", pem.write("NEW CERTIFICATE REQUEST", evilClient.der, {}));
  add("pem", "certificate-type-first", pem.write("CERTIFICATE", evilClient.der, {}) + goodClient.pem);
  add("pem", "two-blocks-second-evil", goodClient.pem + evilClient.pem);
  add("pem", "leading-text-lines", "subject=node\n\n" + goodClient.pem);
  add("pem", "empty-block-then-real", `-----BEGIN ${T}-----\n-----END ${T}-----\n` + evilClient.pem);

  // --- 2. extensionRequest ------------------------------------------------------------------------------------
  const sanEvil = sanExt([san.dns(evil), san.dns("kubernetes.default.svc"), san.ip(evilIp)]);
  const sanNode = sanExt([san.dns(node), san.ip(nodeIp)]);
  const sub = nodeSubject(node);
  add("extension-request", "two-values-evil-first", csr({ subjectRdns: sub, attributes: [extensionRequest([sanEvil], [sanNode])] }).pem);
  add("extension-request", "two-values-node-first", csr({ subjectRdns: sub, attributes: [extensionRequest([sanNode], [sanEvil])] }).pem);
  add("extension-request", "two-attributes", csr({ subjectRdns: sub, attributes: [extensionRequest([sanEvil]), extensionRequest([sanNode])] }).pem);
  add(
    "extension-request",
    "two-attributes-disjoint",
    csr({ subjectRdns: sub, attributes: [extensionRequest([sanEvil]), extensionRequest([extKeyUsageExt([OIDS.clientAuth])])] }).pem,
  );
  add("extension-request", "duplicate-san", csr({ subjectRdns: sub, attributes: [extensionRequest([sanEvil, sanNode])] }).pem);
  add("extension-request", "duplicate-basic-constraints", csr({ subjectRdns: sub, attributes: [extensionRequest([basicConstraintsExt(false), basicConstraintsExt(true)])] }).pem);
  add("extension-request", "empty-value-set", csr({ subjectRdns: sub, attributes: [attribute(OIDS.extensionRequest, []), extensionRequest([sanEvil])] }).pem);
  add("extension-request", "value-not-sequence", csr({ subjectRdns: sub, attributes: [attribute(OIDS.extensionRequest, [der.int(1)])] }).pem);
  add("extension-request", "empty-extensions", csr({ subjectRdns: sub, attributes: [extensionRequest([])] }).pem);
  add("extension-request", "san-critical", csr({ subjectRdns: sub, attributes: [extensionRequest([sanExt([san.dns(evil)], true)])] }).pem);
  add("extension-request", "critical-false-explicit", csr({ subjectRdns: sub, attributes: [extensionRequest([ext(OIDS.subjectAltName, der.seq(san.dns(evil)), false)])] }).pem);
  add("extension-request", "critical-bool-0x01", csr({ subjectRdns: sub, attributes: [extensionRequest([ext(OIDS.subjectAltName, der.seq(san.dns(evil)), 0x01)])] }).pem);
  add(
    "extension-request",
    "malformed-attribute-before",
    csr({ subjectRdns: sub, attributes: [der.seq(der.oid(OIDS.extensionRequest)), extensionRequest([sanEvil])] }).pem,
  );
  add("extension-request", "challenge-password-integer", csr({ subjectRdns: sub, attributes: [attribute(OIDS.challengePassword, [der.int(7)]), extensionRequest([sanNode])] }).pem);
  add("extension-request", "omitted-attributes", csr({ subjectRdns: sub, omitAttributes: true }).pem);

  // --- 3. string types in the subject -------------------------------------------------------------------------
  for (const t of ["visible", "universal", "bmp", "t61", "ia5", "printable", "numeric"] as const) {
    add("string-types", `cn-${t}`, csr({ subjectRdns: [[[OIDS.organization, "system:nodes"]], [[OIDS.commonName, `system:node:${evil}`, t]]] }).pem);
    add("string-types", `o-${t}`, csr({ subjectRdns: [[[OIDS.organization, "system:masters", t]], [[OIDS.commonName, `system:node:${node}`]]] }).pem);
  }
  add("string-types", "cn-numeric-digits", csr({ subjectRdns: [[[OIDS.commonName, "12345", "numeric"]]] }).pem);
  add("string-types", "cn-bmp-trailing-nul", csr({ subjectRdns: [[[OIDS.organization, "system:nodes"]], [[OIDS.commonName, `system:node:${node}\u0000`, "bmp"]]] }).pem);
  add("string-types", "cn-bmp-odd-length", csr({ subjectRdns: [[[OIDS.commonName, tlv(TAG.BMP, Buffer.from([0, 0x61, 0]))]]] }).pem);
  add("string-types", "cn-bmp-surrogate", csr({ subjectRdns: [[[OIDS.commonName, tlv(TAG.BMP, Buffer.from([0xd8, 0x00, 0xdc, 0x00]))]]] }).pem);
  add("string-types", "cn-universal-above-10ffff", csr({ subjectRdns: [[[OIDS.commonName, tlv(TAG.UNIVERSAL, Buffer.from([0, 0x11, 0, 0]))]]] }).pem);
  add("string-types", "cn-utf8-invalid", csr({ subjectRdns: [[[OIDS.commonName, tlv(TAG.UTF8, Buffer.from([0x61, 0xff, 0x62]))]]] }).pem);
  add("string-types", "cn-t61-high-bytes", csr({ subjectRdns: [[[OIDS.commonName, tlv(TAG.T61, Buffer.from([0x61, 0xe9, 0xa0]))]]] }).pem);
  add("string-types", "cn-printable-invalid-char", csr({ subjectRdns: [[[OIDS.commonName, `system:node:${node}_x`, "printable"]]] }).pem);
  add("string-types", "cn-printable-asterisk", csr({ subjectRdns: [[[OIDS.commonName, "*.example", "printable"]]] }).pem);
  add("string-types", "cn-printable-ampersand", csr({ subjectRdns: [[[OIDS.commonName, "a&b", "printable"]]] }).pem);
  add("string-types", "cn-ia5-high-byte", csr({ subjectRdns: [[[OIDS.commonName, tlv(TAG.IA5, Buffer.from([0x61, 0x80]))]]] }).pem);
  add("string-types", "cn-integer", csr({ subjectRdns: [[[OIDS.organization, "system:nodes"]], [[OIDS.commonName, der.int(42)]]] }).pem);
  add("string-types", "o-integer", csr({ subjectRdns: [[[OIDS.organization, der.int(1)]], [[OIDS.commonName, `system:node:${node}`]]] }).pem);
  add("string-types", "cn-octet-string", csr({ subjectRdns: [[[OIDS.commonName, der.octets(Buffer.from(`system:node:${evil}`))]]] }).pem);
  add("string-types", "cn-null", csr({ subjectRdns: [[[OIDS.commonName, der.null()]]] }).pem);
  // encoding/asn1 decodes these universal types into a CSR subject's `any` value (not a string, so Go's fields skip
  // them) and refuses the request when the content is not valid for the type.
  const typed: [string, Buffer][] = [
    ["boolean-ff", der.bool(true)],
    ["boolean-01", tlv(TAG.BOOLEAN, Buffer.from([0x01]))],
    ["boolean-long", tlv(TAG.BOOLEAN, Buffer.from("system:nodes"))],
    ["integer-2-pow-63", der.int(2n ** 63n)],
    ["integer-minus-2-pow-63", der.int(-(2n ** 63n))],
    ["integer-non-minimal", tlv(TAG.INTEGER, Buffer.from([0, 1]))],
    ["integer-empty", tlv(TAG.INTEGER, Buffer.alloc(0))],
    ["bit-string", der.bits(Buffer.from([0x80]), 7)],
    ["bit-string-bad-padding", der.bits(Buffer.from([0x81]), 7)],
    ["bit-string-empty", tlv(TAG.BIT_STRING, Buffer.alloc(0))],
    ["oid", der.oid("1.2.3")],
    ["oid-empty", tlv(TAG.OID, Buffer.alloc(0))],
    ["oid-non-minimal", tlv(TAG.OID, Buffer.from([0x2a, 0x80, 0x01]))],
    ["utc-time", der.utcTime("250101000000Z")],
    ["utc-time-bad", der.utcTime("251301000000Z")],
    ["generalized-time", der.generalizedTime("20250101000000Z")],
    ["generalized-time-bad", der.generalizedTime("2025")],
    ["null-with-content", tlv(TAG.NULL, Buffer.from([0]))],
    ["enumerated", tlv(0x0a, Buffer.from([1]))],
    ["real", tlv(0x09, Buffer.from([0x40]))],
    ["sequence", der.seq(der.str("utf8", `system:node:${evil}`))],
    ["context-0", tlv(0x80, Buffer.from(`system:node:${evil}`))],
    ["utf8-constructed", tlv(0x2c, der.str("utf8", `system:node:${evil}`))],
  ];
  for (const [nm, v] of typed) {
    add("string-types", `o-value-${nm}`, csr({ subjectRdns: [[[OIDS.organization, v]], [[OIDS.commonName, `system:node:${node}`]]] }).pem);
  }
  add("string-types", "unknown-attr-visible", csr({ subjectRdns: [...nodeSubject(node), [["1.2.3.4", "x", "visible"]]] }).pem);
  add("string-types", "two-cn-rdns-evil-last", csr({ subjectRdns: [[[OIDS.organization, "system:nodes"]], [[OIDS.commonName, `system:node:${node}`]], [[OIDS.commonName, `system:node:${evil}`]]] }).pem);
  add("string-types", "multi-valued-rdn", csr({ subjectRdns: [[[OIDS.organization, "system:nodes"], [OIDS.commonName, `system:node:${node}`], [OIDS.commonName, `system:node:${evil}`]]] }).pem);
  add("string-types", "two-o-masters", csr({ subjectRdns: [[[OIDS.organization, "system:nodes"]], [[OIDS.organization, "system:masters"]], [[OIDS.commonName, `system:node:${node}`]]] }).pem);
  add("string-types", "empty-rdn", csr({ subjectDer: der.seq(der.set(), ...nodeSubject(node).map((r) => der.set(...r.map(atv)))) }).pem);
  add("string-types", "email-in-subject", csr({ subjectRdns: [...nodeSubject(node), [[OIDS.emailAddress, `${evil}@example`, "ia5"]]] }).pem);

  // --- SANs ---------------------------------------------------------------------------------------------------
  const sanCase = (nm: string, value: Buffer) => add("san", nm, csr({ subjectRdns: sub, attributes: [extensionRequest([ext(OIDS.subjectAltName, value)])] }).pem);
  sanCase("constructed-dns", der.seq(san.dns(node), san.constructedDns(evil)));
  sanCase("trailing-data", Buffer.concat([der.seq(san.dns(node)), der.seq(san.dns(evil))]));
  sanCase("ipv4-mapped-ipv6", der.seq(san.dns(node), san.ip("::ffff:" + evilIp)));
  sanCase("ipv4-compat-ipv6", der.seq(san.ip("::" + evilIp)));
  sanCase("ip-5-bytes", der.seq(san.ip(Buffer.from([10, 96, 0, 1, 0]))));
  sanCase("ip-empty", der.seq(san.ip(Buffer.alloc(0))));
  sanCase("dns-non-ascii", der.seq(san.raw(0x82, Buffer.from([0x61, 0xc3, 0xa9]))));
  sanCase("dns-empty", der.seq(san.dns("")));
  sanCase("dns-with-nul", der.seq(san.dns(`${node}\u0000.${evil}`)));
  sanCase("dns-uppercase", der.seq(san.dns(node.toUpperCase())));
  sanCase("dns-trailing-dot", der.seq(san.dns(`${node}.`)));
  sanCase("email", der.seq(san.email(`${evil}@example.com`)));
  sanCase("uri", der.seq(san.uri(`spiffe://cluster/${evil}`)));
  sanCase("uri-invalid", der.seq(san.uri("http://[::1")));
  sanCase("uri-with-nul", der.seq(san.uri("http://a\u0000b/")));
  sanCase("other-name", der.seq(san.dns(node), tlv(0xa0, Buffer.concat([der.oid("1.3.6.1.4.1.311.20.2.3"), der.explicit(0, der.str("utf8", evil))]))));
  sanCase("directory-name", der.seq(tlv(0xa4, name(nodeSubject(evil)))));
  sanCase("registered-id", der.seq(san.raw(0x88, oidContent("1.2.3"))));
  sanCase("empty-sequence", der.seq());
  sanCase("not-a-sequence", der.set(san.dns(evil)));
  sanCase("dns-primitive-long-form-length", der.seq(tlv(0x82, Buffer.from(evil), { kind: "padded", extra: 0 })));

  // --- 4. denial of service -----------------------------------------------------------------------------------
  for (const kb of [1, 60, 240]) {
    add("dos", `basic-constraints-pathlen-${kb}kb`, csr({ subjectRdns: sub, attributes: [extensionRequest([basicConstraintsExt(true, der.hugeInt(kb * 1000))])] }).pem);
  }
  add("dos", "version-huge-int-60kb", csr({ subjectRdns: sub, version: der.hugeInt(60_000) }).pem);
  add("dos", "huge-oid-arc-ext", csr({ subjectRdns: sub, attributes: [extensionRequest([ext(`1.2.${"9".repeat(20_000)}`, der.null())])] }).pem);
  add("dos", "huge-oid-arc-subject", csr({ subjectRdns: [...sub, [[`1.2.${"7".repeat(20_000)}`, "x"]]] }).pem);
  add("dos", "huge-oid-arc-attribute", csr({ subjectRdns: sub, attributes: [attribute(`2.5.${"3".repeat(30_000)}`, [der.null()])] }).pem);
  add("dos", "many-oid-arcs", csr({ subjectRdns: sub, attributes: [extensionRequest([ext("1.2." + Array(5000).fill("840").join("."), der.null())])] }).pem);
  add("dos", "oid-arc-2-pow-31", csr({ subjectRdns: [...sub, [["1.2.2147483648", "x"]]] }).pem);
  add("dos", "oid-arc-2-pow-31-minus-1", csr({ subjectRdns: [...sub, [["1.2.2147483647", "x"]]] }).pem);
  add("dos", "oid-arc-2-pow-63", csr({ subjectRdns: sub, attributes: [extensionRequest([ext("1.2.9223372036854775808", der.null())])] }).pem);
  add("dos", "many-rdns", csr({ subjectRdns: Array.from({ length: 2000 }, (_, i) => [[OIDS.organizationalUnit, `u${i}`] as Atv]) }).pem);
  // Deep nesting where Go never descends (unknown attribute and extension values, otherName, a subject value that is
  // a SEQUENCE): a recursive reader overflows the stack, which is not a PkiError.
  const nested = (depth: number, leaf: Buffer = der.null()) => {
    let v = leaf;
    for (let i = 0; i < depth; i++) v = der.seq(v);
    return v;
  };
  for (const depth of [1000, 15000]) {
    add("dos", `deep-unknown-attribute-${depth}`, csr({ subjectRdns: sub, attributes: [attribute("1.2.3.4", [nested(depth)])] }).pem);
    add("dos", `deep-unknown-extension-${depth}`, csr({ subjectRdns: sub, attributes: [extensionRequest([ext("1.2.3.4", nested(depth))])] }).pem);
    add("dos", `deep-subject-value-${depth}`, csr({ subjectRdns: [...sub, [[OIDS.organizationalUnit, nested(depth)]]] }).pem);
    add("dos", `deep-other-name-${depth}`, csr({ subjectRdns: sub, attributes: [extensionRequest([sanExt([tlv(0xa0, Buffer.concat([der.oid("1.2.3"), der.explicit(0, nested(depth))]))])])] }).pem);
  }
  add("dos", "many-extensions", csr({ subjectRdns: sub, attributes: [extensionRequest(Array.from({ length: 3000 }, (_, i) => ext(`1.2.3.${i}`, der.null())))] }).pem);
  add("dos", "many-attributes", csr({ subjectRdns: sub, attributes: Array.from({ length: 3000 }, (_, i) => attribute(`1.2.3.${i}`, [der.null()])) }).pem);
  add("dos", "many-san-ips", csr({ subjectRdns: sub, attributes: [extensionRequest([sanExt(Array.from({ length: 5000 }, (_, i) => san.ip(Buffer.from([10, 0, i >> 8, i & 255]))))])] }).pem);
  // Just under the 64 KB the time bound covers (the PEM text, not the DER).
  add("dos", "many-san-uris-63kb", csr({ subjectRdns: sub, attributes: [extensionRequest([sanExt(Array.from({ length: 1400 }, (_, i) => san.uri(`https://n${i}.example/p?q=${i}#f`)))])] }).pem);
  add("dos", "many-san-uris", csr({ subjectRdns: sub, attributes: [extensionRequest([sanExt(Array.from({ length: 2000 }, (_, i) => san.uri(`https://n${i}.example/p?q=${i}#f`)))])] }).pem);
  add("dos", "long-dns-name", csr({ subjectRdns: sub, attributes: [extensionRequest([sanExt([san.dns("a.".repeat(30_000) + "b")])])] }).pem);
  add("dos", "huge-key-usage", csr({ subjectRdns: sub, attributes: [extensionRequest([ext(OIDS.keyUsage, der.bits(Buffer.alloc(50_000, 0xff)))])] }).pem);

  // --- DER encoding -------------------------------------------------------------------------------------------
  const info = csrInfo({ key, subjectRdns: sub, attributes: [serving(node, [node], [nodeIp])] });
  const infoParts = splitSequence(info)!;
  const reSeq = (parts: Buffer[], form: LengthForm) => tlv(TAG.SEQUENCE, Buffer.concat(parts), form);
  const signInfo = (i: Buffer) => pem.encode(T, signCsrInfo(i, key));
  add("der", "info-length-non-minimal", signInfo(reSeq(infoParts, { kind: "padded", extra: 1 })));
  add("der", "info-length-indefinite", signInfo(reSeq(infoParts, { kind: "indefinite" })));
  add("der", "outer-length-non-minimal", pem.encode(T, (() => {
    const p = splitSequence(signCsrInfo(info, key))!;
    return reSeq(p, { kind: "padded", extra: 1 });
  })()));
  add("der", "version-1", csr({ subjectRdns: sub, version: 1 }).pem);
  add("der", "version-negative", csr({ subjectRdns: sub, version: -1 }).pem);
  add("der", "version-non-minimal-int", csr({ subjectRdns: sub, version: tlv(TAG.INTEGER, Buffer.from([0, 0])) }).pem);
  add("der", "trailing-bytes-after-request", pem.encode(T, Buffer.concat([goodClient.der, Buffer.from([0, 0])])));
  add("der", "trailing-bytes-in-info", signInfo(der.seq(...infoParts, der.null())));
  add("der", "subject-set-not-sorted", csr({ subjectRdns: [[[OIDS.organization, "z"], [OIDS.commonName, `system:node:${node}`]]] }).pem);
  add("der", "attributes-universal-set-tag", signInfo(der.seq(...infoParts.slice(0, 3), der.set(serving(node, [node], [nodeIp])))));
  add("der", "attributes-implicit-primitive", signInfo(der.seq(...infoParts.slice(0, 3), tlv(0x80, Buffer.alloc(0)))));
  add("der", "bitstring-unused-bits", pem.encode(T, (() => {
    const p = splitSequence(goodClient.der)!;
    const sig = p[2]!;
    const b = Buffer.from(sig);
    b[readTlv(sig, 0)!.contentStart] = 3;
    return der.seq(p[0]!, p[1]!, b);
  })()));

  // --- signature algorithms -----------------------------------------------------------------------------------
  const rsaKey = generateKey("rsa-2048");
  const sigCase = (nm: string, o: Partial<CsrOptions>) => add("signature", nm, buildCsr({ key, subjectRdns: sub, ...o }).pem);
  sigCase("rsa-oid-over-ecdsa", { sigAlg: SIG_ALGS["rsa-sha256"] });
  sigCase("ecdsa-sha384-oid-sha256-signature", { sigAlg: SIG_ALGS["ecdsa-sha384"], signWith: SIG_ALGS["ecdsa-sha256"] });
  sigCase("ecdsa-sha1", { sigAlg: SIG_ALGS["ecdsa-sha1"] });
  sigCase("ed25519-oid-over-ecdsa", { sigAlg: SIG_ALGS.ed25519 });
  sigCase("zero-signature", { signature: Buffer.alloc(70) });
  sigCase("rsa-pss-oid", { sigAlg: { oid: OIDS.rsaPss, hash: "sha256" } });
  sigCase("ecdsa-with-null-params", { sigAlg: { ...SIG_ALGS["ecdsa-sha256"], params: der.null() } });
  add("signature", "rsa-md5", buildCsr({ key: rsaKey, subjectRdns: sub, sigAlg: SIG_ALGS["rsa-md5"] }).pem);
  add("signature", "rsa-sha1", buildCsr({ key: rsaKey, subjectRdns: sub, sigAlg: SIG_ALGS["rsa-sha1"] }).pem);
  add("signature", "rsa-no-null-params", buildCsr({ key: rsaKey, subjectRdns: sub, sigAlg: { oid: OIDS.sha256WithRSA, hash: "sha256" } }).pem);
  add("signature", "rsa-pss-sha256", buildCsr({ key: rsaKey, subjectRdns: sub, sigAlg: SIG_ALGS["rsa-pss-sha256"] }).pem);
  add("signature", "rsa-pss-sha384", buildCsr({ key: rsaKey, subjectRdns: sub, sigAlg: SIG_ALGS["rsa-pss-sha384"] }).pem);
  add("signature", "rsa-pss-salt-20", buildCsr({ key: rsaKey, subjectRdns: sub, sigAlg: SIG_ALGS["rsa-pss-sha256-salt-20"] }).pem);
  add("signature", "ecdsa-oid-over-rsa", buildCsr({ key: rsaKey, subjectRdns: sub, sigAlg: SIG_ALGS["ecdsa-sha256"] }).pem);
  // Key sizes and exponents crypto/rsa refuses at verification (1024-bit minimum, small exponents) but parses.
  for (const [bits, e] of [[512, 65537], [1024, 65537], [1024, 3], [2048, 3], [2048, 17]] as const) {
    const k = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: e }).privateKey;
    add("signature", `rsa-${bits}-e${e}`, buildCsr({ key: k, subjectRdns: sub }).pem);
  }
  add("signature", "ecdsa-p521", buildCsr({ key: generateKeyPairSync("ec", { namedCurve: "P-521" }).privateKey, subjectRdns: sub }).pem);
  add("signature", "ecdsa-p224", buildCsr({ key: generateKeyPairSync("ec", { namedCurve: "P-224" }).privateKey, subjectRdns: sub, sigAlg: SIG_ALGS["ecdsa-sha256"] }).pem);
  add("signature", "ecdsa-secp256k1", buildCsr({ key: generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey, subjectRdns: sub, sigAlg: SIG_ALGS["ecdsa-sha256"] }).pem);
  add("signature", "spki-of-another-key", buildCsr({ key, subjectRdns: sub, spki: spkiOf(generateKey()) }).pem);

  // --- 5. policy shapes (well-formed; only the approver's rules should refuse them) ---------------------------
  add("policy", "client-for-evil-node", evilClient.pem);
  add("policy", "serving-for-evil-ip", csr({ subjectRdns: sub, attributes: [serving(node, [node], [evilIp])] }).pem);
  add("policy", "serving-1000-sans", csr({ subjectRdns: sub, attributes: [extensionRequest([sanExt(Array.from({ length: 1000 }, (_, i) => san.dns(`n${i}.${node}`)))])] }).pem);
  add("policy", "client-with-masters-group", csr({ subjectRdns: [[[OIDS.organization, "system:nodes"]], [[OIDS.organization, "system:masters"]], [[OIDS.commonName, `system:node:${node}`]]] }).pem);
  add("policy", "client-with-ca-true", csr({ subjectRdns: sub, attributes: [extensionRequest([basicConstraintsExt(true)])] }).pem);

  const seen = new Set<string>();
  for (const r of out) {
    if (seen.has(r.name)) throw new Error(`craftedRequests: duplicate name ${r.name}`);
    seen.add(r.name);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Certificates (for the parsers shared with certinfo, sign and certs check)
// ---------------------------------------------------------------------------------------------------------------

export interface CertOptions {
  key: KeyObject;
  /** [0] EXPLICIT version INTEGER: 2 means v3 (default); null leaves the field out (v1); a Buffer is written raw. */
  version?: number | bigint | null | Buffer;
  serial?: bigint | Buffer;
  issuerRdns?: Atv[][];
  subjectRdns?: Atv[][];
  /** Raw Time values (der.utcTime / der.generalizedTime); default 2020-01-01 to 2120-01-01. */
  notBefore?: Buffer;
  notAfter?: Buffer;
  spki?: Buffer;
  /** Extension SEQUENCEs inside [3]; null leaves [3] out; `extensionsField` replaces the whole [3]. */
  extensions?: Buffer[] | null;
  extensionsField?: Buffer;
  /** Fields inserted after the SPKI, before [3] (issuerUniqueID [1], subjectUniqueID [2]). */
  uniqueIds?: Buffer[];
  sigAlg?: SigAlg;
  /** The TBSCertificate's inner AlgorithmIdentifier when it should differ from the outer one. */
  innerSigAlg?: SigAlg;
  signWith?: SigAlg;
  signature?: Buffer;
}

export interface BuiltCert {
  der: Buffer;
  tbs: Buffer;
  pem: string;
}

/** A self-signed (unless issuer given) certificate, every field writable. */
export function buildCertificate(o: CertOptions): BuiltCert {
  const alg = o.sigAlg ?? defaultSigAlg(o.key);
  const subject = o.subjectRdns ?? [[[OIDS.commonName, "test"]]];
  const version =
    o.version === null ? [] : [der.explicit(0, Buffer.isBuffer(o.version) ? o.version : der.int(BigInt(o.version ?? 2)))];
  const serial = Buffer.isBuffer(o.serial) ? o.serial : der.int(o.serial ?? 1n);
  const exts = o.extensionsField ? [o.extensionsField] : o.extensions === null ? [] : [der.explicit(3, der.seq(...(o.extensions ?? [])))];
  const tbs = der.seq(
    ...version,
    serial,
    algorithmIdentifier(o.innerSigAlg ?? alg),
    name(o.issuerRdns ?? subject),
    der.seq(o.notBefore ?? der.utcTime("200101000000Z"), o.notAfter ?? der.generalizedTime("21200101000000Z")),
    name(subject),
    o.spki ?? spkiOf(o.key),
    ...(o.uniqueIds ?? []),
    ...exts,
  );
  const by = o.signWith ?? (keyFitsAlg(o.key, alg) ? alg : defaultSigAlg(o.key));
  const sig = o.signature ?? signBytes(o.key, tbs, by);
  const d = der.seq(tbs, algorithmIdentifier(alg), der.bits(sig));
  return { der: d, tbs, pem: pem.encode("CERTIFICATE", d) };
}
