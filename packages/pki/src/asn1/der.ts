// DER: a small, allocation-light encoder and decoder for the ASN.1 subset
// X.509 needs. Hand-rolled because issuing is hot-path code: a general ASN.1
// object model (asn1js/@peculiar/asn1-schema) costs more than the signature.
import { PkiError, type PkiErrorCode } from "../errors.js";

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  UNIVERSAL_STRING: 0x1c,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

// ---------------------------------------------------------------- encoding

/** Encodes one TLV; `tag` is the full identifier octet (class, constructed bit, number < 31). */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  let len = 0;
  for (const c of content) len += c.length;
  const lenOctets = len < 0x80 ? 0 : len < 0x100 ? 1 : len < 0x10000 ? 2 : len < 0x1000000 ? 3 : 4;
  const out = Buffer.allocUnsafe(2 + lenOctets + len);
  out[0] = tag;
  if (lenOctets === 0) out[1] = len;
  else {
    out[1] = 0x80 | lenOctets;
    for (let i = 0; i < lenOctets; i++) out[2 + i] = (len >>> (8 * (lenOctets - 1 - i))) & 0xff;
  }
  let off = 2 + lenOctets;
  for (const c of content) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

export const seq = (...parts: Uint8Array[]): Buffer => tlv(TAG.SEQUENCE, ...parts);
export const set = (...parts: Uint8Array[]): Buffer => tlv(TAG.SET, ...parts);

/** SET OF in DER: members sorted by their encodings (X.690 11.6). */
export function setOf(parts: Uint8Array[]): Buffer {
  const sorted = [...parts].sort((a, b) => Buffer.compare(a, b));
  return tlv(TAG.SET, ...sorted);
}

/** Context-specific constructed tag `[n]` around already encoded content (EXPLICIT, or IMPLICIT of a constructed type). */
export const ctx = (n: number, ...parts: Uint8Array[]): Buffer => tlv(0xa0 | n, ...parts);
/** Context-specific primitive tag `[n]` (IMPLICIT of a primitive type). */
export const ctxPrim = (n: number, content: Uint8Array): Buffer => tlv(0x80 | n, content);

export const NULL = Buffer.from([0x05, 0x00]);
export const bool = (v: boolean): Buffer => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);
export const octetString = (b: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, b);
export const bitString = (b: Uint8Array, unusedBits = 0): Buffer => tlv(TAG.BIT_STRING, Uint8Array.of(unusedBits), b);
export const utf8String = (s: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(s, "utf8"));
export const printableString = (s: string): Buffer => tlv(TAG.PRINTABLE_STRING, Buffer.from(s, "latin1"));
export const ia5String = (s: string): Buffer => tlv(TAG.IA5_STRING, Buffer.from(s, "latin1"));

/** INTEGER from a bigint or number (two's complement, minimal). */
export function integer(v: bigint | number): Buffer {
  let n = BigInt(v);
  if (n === 0n) return Buffer.from([0x02, 0x01, 0x00]);
  const bytes: number[] = [];
  if (n > 0n) {
    while (n > 0n) {
      bytes.unshift(Number(n & 0xffn));
      n >>= 8n;
    }
    if (bytes[0]! & 0x80) bytes.unshift(0);
  } else {
    while (n < -1n || bytes.length === 0 || !(bytes[0]! & 0x80)) {
      bytes.unshift(Number(n & 0xffn));
      n >>= 8n;
      if (n === -1n && bytes[0]! & 0x80) break;
    }
  }
  return tlv(TAG.INTEGER, Uint8Array.from(bytes));
}

/** INTEGER from an unsigned big-endian magnitude (e.g. a random serial). */
export function unsignedInteger(mag: Uint8Array): Buffer {
  let i = 0;
  while (i < mag.length - 1 && mag[i] === 0) i++;
  const body = mag.subarray(i);
  if (body.length === 0) return Buffer.from([0x02, 0x01, 0x00]);
  return body[0]! & 0x80 ? tlv(TAG.INTEGER, Uint8Array.of(0), body) : tlv(TAG.INTEGER, body);
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER from dotted form; throws PkiError on a malformed OID. */
export function oid(dotted: string): Buffer {
  const hit = oidCache.get(dotted);
  if (hit) return hit;
  const parts = dotted.split(".");
  if (parts.some((p) => !/^\d+$/.test(p))) throw new PkiError("input-invalid", `invalid OID ${JSON.stringify(dotted)}`);
  if (parts.length < 2) throw new PkiError("input-invalid", "asn1: structure error: invalid object identifier");
  const nums = parts.map((p) => BigInt(p));
  const first = nums[0]!;
  const second = nums[1]!;
  // encoding/asn1's makeObjectIdentifier text, which cfssl passes on (e.g. for a subject OID "1.50").
  if (first > 2n || (first < 2n && second > 39n)) throw new PkiError("input-invalid", "asn1: structure error: invalid object identifier");
  const arcs = [first * 40n + second, ...nums.slice(2)];
  const out: number[] = [];
  for (const arc of arcs) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  const enc = tlv(TAG.OID, Uint8Array.from(out));
  if (oidCache.size < 1024 && dotted.length <= 64) oidCache.set(dotted, enc);
  return enc;
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** X.509 Time as Go encodes it: UTCTime for 1950..2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5). */
export function time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  const rest = `${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(TAG.UTC_TIME, Buffer.from(pad2(y % 100) + rest, "latin1"));
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(String(y).padStart(4, "0") + rest, "latin1"));
}

// ---------------------------------------------------------------- decoding
//
// The reader follows Go's two DER readers: encoding/asn1 (which the CSR parser
// and pkix use) and cryptobyte (the certificate parser). Both refuse
// indefinite and non-minimal lengths; only encoding/asn1 reads high tag numbers,
// so that is an option. Every loop is bounded by the input size and no value is
// turned into a number byte by byte, so hostile sizes cost linear time.

/** Tag classes, as the top two bits of the identifier octet. */
export const CLASS = { UNIVERSAL: 0, APPLICATION: 1, CONTEXT: 2, PRIVATE: 3 } as const;

// Go's ints and lengths: encoding/asn1 refuses a length that needs more than 31 bits.
const MAX_INT32 = 0x7fffffff;

/** One decoded TLV. Offsets point into `buf`; nothing is copied until asked. */
export class Der {
  constructor(
    readonly buf: Buffer,
    /** identifier octet (for a high tag number, the first identifier octet) */
    readonly tag: number,
    /** offset of the identifier octet */
    readonly start: number,
    /** offset of the first content octet */
    readonly contentStart: number,
    /** offset just past the content */
    readonly end: number,
    private readonly errorCode: PkiErrorCode,
    /** the tag number (above 30 for a high tag number) */
    readonly num: number = tag & 0x1f,
  ) {}

  get cls(): number {
    return this.tag >> 6;
  }
  get constructed(): boolean {
    return (this.tag & 0x20) !== 0;
  }
  /** The whole TLV encoding. */
  get raw(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }
  get content(): Buffer {
    return this.buf.subarray(this.contentStart, this.end);
  }
  /** Context-specific tag number, or -1 if not context-specific. */
  get contextTag(): number {
    return (this.tag & 0xc0) === 0x80 ? this.num : -1;
  }
  /** True for a universal tag with this number and form (high-tag forms never match a low tag). */
  is(tag: number): boolean {
    return this.tag === tag && this.num === (tag & 0x1f);
  }

  /** The error code this node's parse reports. */
  errorCodeOf(): PkiErrorCode {
    return this.errorCode;
  }

  /** The error to throw for malformed content, with the parse's error code. */
  error(what: string): PkiError {
    return new PkiError(this.errorCode, `asn1: ${what}`);
  }

  fail(what: string): never {
    throw this.error(what);
  }

  /** Decodes the children of a constructed value (every byte must be a well-formed TLV). */
  children(highTags = false): Der[] {
    if (!this.constructed) throw this.error(`expected a constructed value, got tag 0x${this.tag.toString(16)}`);
    const out: Der[] = [];
    let off = this.contentStart;
    while (off < this.end) {
      const child = readTlv(this.buf, off, this.end, this.errorCode, highTags);
      out.push(child);
      off = child.end;
    }
    return out;
  }

  expect(tag: number, what: string): this {
    if (!this.is(tag)) throw this.error(`${what}: expected tag 0x${tag.toString(16)}, got 0x${this.tag.toString(16)}`);
    return this;
  }

  /** INTEGER content, checked minimal as both Go readers require. */
  integerContent(): Buffer {
    this.expect(TAG.INTEGER, "integer");
    const c = this.content;
    if (c.length === 0) throw this.error("empty integer");
    if (c.length > 1 && ((c[0] === 0 && !(c[1]! & 0x80)) || (c[0] === 0xff && c[1]! & 0x80))) throw this.error("integer not minimally-encoded");
    return c;
  }

  /** The INTEGER as a bigint; linear in its size (hex conversion, no per-byte BigInt arithmetic). */
  toBigInt(): bigint {
    const c = this.integerContent();
    const n = BigInt("0x" + c.toString("hex"));
    return c[0]! & 0x80 ? n - (1n << BigInt(c.length * 8)) : n;
  }

  /** An INTEGER that fits Go's int64 (encoding/asn1's parseInt64, cryptobyte's ReadASN1Integer into an int). */
  toInt64(): bigint {
    const c = this.integerContent();
    if (c.length > 8) throw this.error("integer too large");
    return this.toBigInt();
  }

  toNumber(): number {
    const c = this.integerContent();
    if (c.length > 7) throw this.error("integer too large");
    const n = this.toBigInt();
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw this.error("integer too large");
    return Number(n);
  }

  /** BOOLEAN: DER allows only 0x00 and 0xff, as Go checks. */
  toBoolean(): boolean {
    this.expect(TAG.BOOLEAN, "boolean");
    const c = this.content;
    if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) throw this.error("invalid boolean");
    return c[0] === 0xff;
  }

  toOid(): string {
    this.expect(TAG.OID, "object identifier");
    return decodeOid(this.content, this);
  }

  /** BIT STRING with Go's checks (at most 7 unused bits, and those zero); returns the bytes, unused bits included. */
  toBitString(): { bytes: Buffer; unusedBits: number } {
    this.expect(TAG.BIT_STRING, "bit string");
    const c = this.content;
    if (c.length === 0) throw this.error("zero length BIT STRING");
    const pad = c[0]!;
    if (pad > 7 || (c.length === 1 && pad > 0) || (c[c.length - 1]! & ((1 << pad) - 1)) !== 0) throw this.error("invalid padding bits in BIT STRING");
    return { bytes: c.subarray(1), unusedBits: pad };
  }

  /** BIT STRING content without the unused-bits octet. */
  toBitStringBytes(): Buffer {
    return this.toBitString().bytes;
  }

  /** Go's BitString.RightAlign: the bits shifted right over the unused ones, as signatures and keys are read. */
  toRightAlignedBits(): Buffer {
    const { bytes, unusedBits } = this.toBitString();
    if (unusedBits === 0) return bytes;
    const out = Buffer.alloc(bytes.length);
    out[0] = bytes[0]! >> unusedBits;
    for (let i = 1; i < bytes.length; i++) out[i] = ((bytes[i - 1]! << (8 - unusedBits)) | (bytes[i]! >> unusedBits)) & 0xff;
    return out;
  }
}

// OIDs repeat in every certificate (attribute types, extensions): decode each
// distinct short encoding once. Only short keys are cached, so the cache is
// bounded in bytes as well as in entries.
const oidDecodeCache = new Map<string, string>();
const OID_CACHE_MAX_ENTRIES = 4096;
const OID_CACHE_MAX_KEY = 32;

/**
 * OBJECT IDENTIFIER content octets in dotted form, as both Go readers take
 * them (encoding/asn1's parseObjectIdentifier and cryptobyte's
 * ReadASN1ObjectIdentifier accept the same set): at least one arc, each of at
 * most five octets, no leading 0x80, no value above 2^31-1. Undefined where
 * Go refuses.
 */
export function goOidFromContent(c: Uint8Array): string | undefined {
  if (c.length === 0) return undefined;
  const cacheable = c.length <= OID_CACHE_MAX_KEY;
  const key = cacheable ? Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString("latin1") : "";
  if (cacheable) {
    const hit = oidDecodeCache.get(key);
    if (hit !== undefined) return hit;
  }
  const arcs: number[] = [];
  let off = 0;
  while (off < c.length) {
    let v = 0;
    let complete = false;
    for (let shifted = 0; off < c.length; shifted++) {
      if (shifted === 5) return undefined;
      const b = c[off++]!;
      if (shifted === 0 && b === 0x80) return undefined;
      v = v * 128 + (b & 0x7f);
      if (!(b & 0x80)) {
        if (v > MAX_INT32) return undefined;
        complete = true;
        break;
      }
    }
    if (!complete) return undefined;
    arcs.push(v);
  }
  const f = arcs[0]!;
  const dotted = [...(f < 80 ? [Math.floor(f / 40), f % 40] : [2, f - 80]), ...arcs.slice(1)].join(".");
  if (cacheable && oidDecodeCache.size < OID_CACHE_MAX_ENTRIES) oidDecodeCache.set(key, dotted);
  return dotted;
}

function decodeOid(c: Buffer, node: Der): string {
  const dotted = goOidFromContent(c);
  if (dotted === undefined) node.fail(c.length === 0 ? "zero length OBJECT IDENTIFIER" : "invalid object identifier (an arc of more than 5 octets or above 2^31-1, a leading 0x80, or truncated)");
  return dotted!;
}

/**
 * Reads one TLV at `off`, which must end at or before `limit`. With
 * `highTags`, tag numbers above 30 are read as encoding/asn1 reads them
 * (base 128, minimal, int32); without, they are refused as cryptobyte does.
 */
export function readTlv(buf: Buffer, off: number, limit: number, errorCode: PkiErrorCode, highTags = false): Der {
  if (off >= limit) throw tlvError(errorCode, "truncated tag or length");
  const tag = buf[off]!;
  let p = off + 1;
  let num = tag & 0x1f;
  if (num === 0x1f) {
    if (!highTags) throw tlvError(errorCode, "high tag numbers are not supported");
    num = 0;
    for (let shifted = 0; ; shifted++) {
      if (p >= limit) throw tlvError(errorCode, "truncated base 128 integer");
      if (shifted === 5) throw tlvError(errorCode, "base 128 integer too large");
      const b = buf[p++]!;
      if (shifted === 0 && b === 0x80) throw tlvError(errorCode, "integer is not minimally encoded");
      num = num * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    if (num > MAX_INT32) throw tlvError(errorCode, "base 128 integer too large");
    if (num < 0x1f) throw tlvError(errorCode, "non-minimal tag");
  }
  if (p >= limit) throw tlvError(errorCode, "truncated tag or length");
  const first = buf[p++]!;
  let len: number;
  if (first < 0x80) len = first;
  else if (first === 0x80) throw tlvError(errorCode, "indefinite length found (not DER)");
  else {
    const n = first & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) {
      if (p >= limit) throw tlvError(errorCode, "truncated tag or length");
      if (len >= 1 << 23) throw tlvError(errorCode, "length too large");
      len = len * 256 + buf[p++]!;
      if (len === 0) throw tlvError(errorCode, "superfluous leading zeros in length");
    }
    if (len < 0x80) throw tlvError(errorCode, "non-minimal length");
  }
  if (len > limit - p) throw tlvError(errorCode, "data truncated");
  return new Der(buf, tag, off, p, p + len, errorCode, num);
}

function tlvError(errorCode: PkiErrorCode, what: string): PkiError {
  return new PkiError(errorCode, `asn1: ${what}`);
}

/** Decodes exactly one TLV spanning the whole input (trailing data is an error). */
export function decodeDer(input: Uint8Array, errorCode: PkiErrorCode = "input-invalid", highTags = false): Der {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const node = readTlv(buf, 0, buf.length, errorCode, highTags);
  if (node.end !== buf.length) throw new PkiError(errorCode, "asn1: trailing data");
  return node;
}
