// A reader with the exact acceptance rules of golang.org/x/crypto/cryptobyte's
// String, which crypto/x509 uses to parse certificates. Go is lenient and
// strict in specific places (data after a value is often ignored, but every
// length, INTEGER and BOOLEAN must be DER), so the certificate parser follows
// Go call for call on this reader instead of on a generic DER tree.
// Every method returns undefined on failure: callers throw Go's message.
import { goOidFromContent } from "./der.js";
import { parseGoGeneralizedTime, parseGoUtcTime } from "./go-time.js";

/** One ASN.1 element read by {@link Cbs.readAny}. */
export interface Asn1Element {
  tag: number;
  /** The content octets. */
  content: Cbs;
  /** The whole TLV. */
  element: Buffer;
}

export class Cbs {
  constructor(
    readonly buf: Buffer,
    public off = 0,
    readonly end = buf.length,
  ) {}

  static of(input: Uint8Array): Cbs {
    return new Cbs(Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  }

  get empty(): boolean {
    return this.off >= this.end;
  }
  get length(): number {
    return this.end - this.off;
  }
  /** The unread bytes (shared memory). */
  bytes(): Buffer {
    return this.buf.subarray(this.off, this.end);
  }

  peek(tag: number): boolean {
    return this.off < this.end && this.buf[this.off] === tag;
  }

  /** cryptobyte readASN1: low tag numbers only, DER lengths of at most 4 octets. */
  readAny(): Asn1Element | undefined {
    const b = this.buf;
    const start = this.off;
    if (this.end - start < 2) return undefined;
    const tag = b[start]!;
    const lenByte = b[start + 1]!;
    if ((tag & 0x1f) === 0x1f) return undefined;
    let header: number;
    let len: number;
    if ((lenByte & 0x80) === 0) {
      header = 2;
      len = lenByte;
    } else {
      const n = lenByte & 0x7f;
      if (n === 0 || n > 4 || this.end - start < 2 + n) return undefined;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[start + 2 + i]!;
      if (len < 128) return undefined;
      if (b[start + 2] === 0) return undefined;
      header = 2 + n;
    }
    if (this.end - start < header + len) return undefined;
    this.off = start + header + len;
    return { tag, content: new Cbs(b, start + header, start + header + len), element: b.subarray(start, start + header + len) };
  }

  /** ReadASN1: the content of an element that must have `tag` (the element is consumed either way). */
  read(tag: number): Cbs | undefined {
    const e = this.readAny();
    return e && e.tag === tag ? e.content : undefined;
  }

  /** ReadASN1Element: the whole TLV of an element that must have `tag`. */
  readElement(tag: number): Buffer | undefined {
    const e = this.readAny();
    return e && e.tag === tag ? e.element : undefined;
  }

  /** ReadOptionalASN1: null when absent, undefined when present but malformed. */
  readOptional(tag: number): Cbs | null | undefined {
    if (!this.peek(tag)) return null;
    return this.read(tag);
  }

  /** SkipOptionalASN1. */
  skipOptional(tag: number): boolean {
    if (!this.peek(tag)) return true;
    return this.read(tag) !== undefined;
  }

  /** ReadASN1Boolean: one octet, 0x00 or 0xff. */
  readBoolean(): boolean | undefined {
    const c = this.read(0x01);
    if (!c || c.length !== 1) return undefined;
    const v = c.buf[c.off];
    return v === 0xff ? true : v === 0 ? false : undefined;
  }

  /** The content of a minimally encoded INTEGER with `tag` (checkASN1Integer). */
  readIntegerContent(tag = 0x02): Buffer | undefined {
    const c = this.read(tag);
    if (!c) return undefined;
    const v = c.bytes();
    if (v.length === 0) return undefined;
    if (v.length > 1 && ((v[0] === 0 && (v[1]! & 0x80) === 0) || (v[0] === 0xff && (v[1]! & 0x80) === 0x80))) return undefined;
    return v;
  }

  /** ReadASN1Integer into a *big.Int: any size, converted through hex so huge values cost linear time. */
  readBigInt(): bigint | undefined {
    const v = this.readIntegerContent();
    return v === undefined ? undefined : twosComplement(v);
  }

  /** ReadASN1Integer into an int64 (or ReadASN1Int64WithTag). */
  readInt64(tag = 0x02): bigint | undefined {
    const v = this.readIntegerContent(tag);
    if (v === undefined || v.length > 8) return undefined;
    return twosComplement(v);
  }

  /** ReadASN1Integer into a uint64: non-negative, at most 8 value octets. */
  readUint64(): bigint | undefined {
    const v = this.readIntegerContent();
    if (v === undefined || v.length > 9 || (v.length === 9 && v[0] !== 0) || (v[0]! & 0x80) !== 0) return undefined;
    return twosComplement(v);
  }

  /**
   * ReadASN1ObjectIdentifier: at most 5 octets per arc and every arc below
   * 2^31, so a huge OID is refused after a few octets, as Go refuses it.
   */
  readOid(): string | undefined {
    const c = this.read(0x06);
    if (!c || c.empty) return undefined;
    return goOidString(c.bytes());
  }

  /** ReadASN1BitString: padding of 0..7 bits, all zero. */
  readBitString(): { bytes: Buffer; bitLength: number } | undefined {
    const c = this.read(0x03);
    if (!c || c.empty) return undefined;
    const v = c.bytes();
    const pad = v[0]!;
    const bytes = v.subarray(1);
    if (pad > 7 || (bytes.length === 0 && pad !== 0) || (bytes.length > 0 && (bytes[bytes.length - 1]! & ((1 << pad) - 1)) !== 0)) return undefined;
    return { bytes, bitLength: bytes.length * 8 - pad };
  }

  readUtcTime(): Date | undefined {
    const c = this.read(0x17);
    return c && parseGoUtcTime(c.bytes().toString("latin1"));
  }

  readGeneralizedTime(): Date | undefined {
    const c = this.read(0x18);
    return c && parseGoGeneralizedTime(c.bytes().toString("latin1"), { fraction: false });
  }
}

/** A two's-complement big-endian value, through hex: linear in the length. */
export function twosComplement(v: Uint8Array): bigint {
  if (v.length === 0) return 0n;
  const n = BigInt("0x" + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex"));
  return (v[0]! & 0x80) !== 0 ? n - (1n << BigInt(v.length * 8)) : n;
}

/** asn1.BitString.RightAlign: the bits shifted so that the padding is at the front. */
export function rightAlign(bs: { bytes: Buffer; bitLength: number }): Buffer {
  const shift = 8 - (bs.bitLength % 8);
  if (shift === 8 || bs.bytes.length === 0) return bs.bytes;
  const a = Buffer.alloc(bs.bytes.length);
  a[0] = bs.bytes[0]! >> shift;
  for (let i = 1; i < a.length; i++) a[i] = ((bs.bytes[i - 1]! << (8 - shift)) | (bs.bytes[i]! >> shift)) & 0xff;
  return a;
}

/** Dotted form of OID content octets under Go's limits; undefined where Go refuses. */
export const goOidString = goOidFromContent;
