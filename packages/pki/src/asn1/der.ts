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
  if (parts.length < 2 || parts.some((p) => !/^\d+$/.test(p))) {
    throw new PkiError("input-invalid", `invalid OID ${JSON.stringify(dotted)}`);
  }
  const nums = parts.map((p) => BigInt(p));
  const first = nums[0]!;
  const second = nums[1]!;
  if (first > 2n || (first < 2n && second > 39n)) throw new PkiError("input-invalid", `invalid OID ${JSON.stringify(dotted)}`);
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
  if (oidCache.size < 1024) oidCache.set(dotted, enc);
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

/** One decoded TLV. Offsets point into `buf`; nothing is copied until asked. */
export class Der {
  constructor(
    readonly buf: Buffer,
    /** identifier octet */
    readonly tag: number,
    /** offset of the identifier octet */
    readonly start: number,
    /** offset of the first content octet */
    readonly contentStart: number,
    /** offset just past the content */
    readonly end: number,
    private readonly errorCode: PkiErrorCode,
  ) {}

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
    return (this.tag & 0xc0) === 0x80 ? this.tag & 0x1f : -1;
  }

  /** The error to throw for malformed content, with the parse's error code. */
  error(what: string): PkiError {
    return new PkiError(this.errorCode, `asn1: ${what}`);
  }

  fail(what: string): never {
    throw this.error(what);
  }

  /** Decodes the children of a constructed value. */
  children(): Der[] {
    if (!this.constructed) throw this.error(`expected a constructed value, got tag 0x${this.tag.toString(16)}`);
    const out: Der[] = [];
    let off = this.contentStart;
    while (off < this.end) {
      const child = readTlv(this.buf, off, this.end, this.errorCode);
      out.push(child);
      off = child.end;
    }
    return out;
  }

  expect(tag: number, what: string): this {
    if (this.tag !== tag) throw this.error(`${what}: expected tag 0x${tag.toString(16)}, got 0x${this.tag.toString(16)}`);
    return this;
  }

  toBigInt(): bigint {
    this.expect(TAG.INTEGER, "integer");
    const c = this.content;
    if (c.length === 0) throw this.error("empty integer");
    let n = 0n;
    for (const b of c) n = (n << 8n) | BigInt(b);
    if (c[0]! & 0x80) n -= 1n << BigInt(c.length * 8);
    return n;
  }

  toNumber(): number {
    const n = this.toBigInt();
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw this.error("integer too large");
    return Number(n);
  }

  toBoolean(): boolean {
    this.expect(TAG.BOOLEAN, "boolean");
    if (this.content.length !== 1) throw this.error("invalid boolean");
    return this.content[0] !== 0;
  }

  toOid(): string {
    this.expect(TAG.OID, "object identifier");
    return decodeOid(this.content, this);
  }

  /** BIT STRING content without the unused-bits octet. */
  toBitStringBytes(): Buffer {
    this.expect(TAG.BIT_STRING, "bit string");
    if (this.content.length === 0) throw this.error("empty bit string");
    return this.content.subarray(1);
  }

  /** Any of the string types, decoded to a JS string. */
  toText(): string {
    const c = this.content;
    switch (this.tag) {
      case TAG.UTF8_STRING:
        return c.toString("utf8");
      case TAG.PRINTABLE_STRING:
      case TAG.IA5_STRING:
      case TAG.T61_STRING:
      case 0x12: // NumericString
      case 0x1a: // VisibleString
        return c.toString("latin1");
      case TAG.BMP_STRING: {
        let s = "";
        for (let i = 0; i + 1 < c.length; i += 2) s += String.fromCharCode((c[i]! << 8) | c[i + 1]!);
        return s;
      }
      case TAG.UNIVERSAL_STRING: {
        let s = "";
        for (let i = 0; i + 3 < c.length; i += 4) s += String.fromCodePoint(c.readUInt32BE(i));
        return s;
      }
      default:
        return this.fail(`unsupported string tag 0x${this.tag.toString(16)}`);
    }
  }

  toDate(): Date {
    const s = this.content.toString("latin1");
    let m: RegExpMatchArray | null;
    if (this.tag === TAG.UTC_TIME && (m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(s))) {
      const yy = Number(m[1]);
      const year = yy < 50 ? 2000 + yy : 1900 + yy;
      return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
    }
    if (this.tag === TAG.GENERALIZED_TIME && (m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d+))?Z$/.exec(s))) {
      const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
      return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
    }
    return this.fail(`invalid time ${JSON.stringify(s)}`);
  }
}

// OIDs repeat in every certificate (attribute types, extensions): decode each distinct encoding once.
const oidDecodeCache = new Map<string, string>();

function decodeOid(c: Buffer, node: Der): string {
  if (c.length === 0) node.fail("empty object identifier");
  const key = c.toString("latin1");
  const hit = oidDecodeCache.get(key);
  if (hit !== undefined) return hit;
  const arcs: bigint[] = [];
  let v = 0n;
  let inArc = false;
  for (const b of c) {
    if (!inArc && b === 0x80) node.fail("non-minimal object identifier");
    v = (v << 7n) | BigInt(b & 0x7f);
    inArc = (b & 0x80) !== 0;
    if (!inArc) {
      arcs.push(v);
      v = 0n;
    }
  }
  if (inArc) node.fail("truncated object identifier");
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  const dotted = [...head, ...arcs.slice(1)].join(".");
  if (oidDecodeCache.size < 4096) oidDecodeCache.set(key, dotted);
  return dotted;
}

/** Reads one TLV at `off`, which must end at or before `limit`. */
export function readTlv(buf: Buffer, off: number, limit: number, errorCode: PkiErrorCode): Der {
  const fail = (what: string): never => {
    throw new PkiError(errorCode, `asn1: ${what}`);
  };
  if (off + 2 > limit) fail("truncated tag or length");
  const tag = buf[off]!;
  if ((tag & 0x1f) === 0x1f) fail("high tag numbers are not supported");
  let p = off + 1;
  const first = buf[p++]!;
  let len: number;
  if (first < 0x80) len = first;
  else if (first === 0x80) return fail("indefinite length found (not DER)");
  else {
    const n = first & 0x7f;
    if (n > 4) fail("length too large");
    if (p + n > limit) fail("truncated length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
    if (len < 0x80 || (n > 1 && buf[p - n] === 0)) fail("non-minimal length");
  }
  if (p + len > limit) fail("data truncated");
  return new Der(buf, tag, off, p, p + len, errorCode);
}

/** Decodes exactly one TLV spanning the whole input (trailing data is an error). */
export function decodeDer(input: Uint8Array, errorCode: PkiErrorCode = "input-invalid"): Der {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const node = readTlv(buf, 0, buf.length, errorCode);
  if (node.end !== buf.length) throw new PkiError(errorCode, "asn1: trailing data");
  return node;
}
