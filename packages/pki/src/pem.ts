// PEM: RFC 7468 text encoding. Written the way Go's pem.EncodeToMemory does
// (64-column base64, "\n" line ends, trailing newline) so files match cfssl's,
// and read exactly as Go 1.26's pem.Decode reads it, because the approver and
// kube-apiserver must see the same block in the same bytes: a reader that is
// merely close to Go's picks another block in crafted text.
import { isUtf8 } from "node:buffer";
import { goBase64ErrorOffset } from "./go/base64.js";
import { PkiError, type PkiErrorCode } from "./errors.js";

export interface PemBlock {
  type: string;
  headers: Record<string, string>;
  bytes: Buffer;
}

/** Encodes DER as a PEM block. */
export function encodePem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  let body = "";
  for (let i = 0; i < b64.length; i += 64) body += b64.slice(i, i + 64) + "\n";
  return `-----BEGIN ${type}-----\n${body}-----END ${type}-----\n`;
}

/** Go's pem.EncodeToMemory, headers included (sorted, Proc-Type first), for canonical-form checks. */
export function encodePemBlock(block: PemBlock): Buffer {
  const keys = Object.keys(block.headers);
  let head = "";
  if (keys.length > 0) {
    const procType = "Proc-Type";
    const sorted = keys.filter((k) => k !== procType).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    if (procType in block.headers) sorted.unshift(procType);
    for (const k of sorted) head += `${k}: ${block.headers[k]}\n`;
    head += "\n";
  }
  const b64 = block.bytes.toString("base64");
  let body = "";
  for (let i = 0; i < b64.length; i += 64) body += b64.slice(i, i + 64) + "\n";
  return Buffer.from(`-----BEGIN ${block.type}-----\n${head}${body}-----END ${block.type}-----\n`, "utf8");
}

const toBytes = (input: string | Uint8Array): Buffer =>
  typeof input === "string" ? Buffer.from(input, "utf8") : Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);

const NL = 0x0a;
const PEM_START = Buffer.from("\n-----BEGIN ", "latin1");
const PEM_END = Buffer.from("\n-----END ", "latin1");
const DASHES = Buffer.from("-----", "latin1");

/** Go's getLine: up to "\n" (a "\r" before it dropped), trailing spaces and tabs trimmed. */
function getLine(data: Buffer): { line: Buffer; rest: Buffer; consumed: number } {
  let i = data.indexOf(NL);
  let j: number;
  if (i < 0) {
    i = data.length;
    j = i;
  } else {
    j = i + 1;
    if (i > 0 && data[i - 1] === 0x0d) i--;
  }
  let end = i;
  while (end > 0 && (data[end - 1] === 0x20 || data[end - 1] === 0x09)) end--;
  return { line: data.subarray(0, end), rest: data.subarray(j), consumed: j };
}

const isAsciiSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
// unicode.IsSpace above ASCII: U+0085, U+00A0 and the White_Space code points.
const isUnicodeSpace = (r: number): boolean =>
  r === 0x85 || r === 0xa0 || r === 0x1680 || (r >= 0x2000 && r <= 0x200a) || r === 0x2028 || r === 0x2029 || r === 0x202f || r === 0x205f || r === 0x3000;

/** One rune as utf8.DecodeRune reads it: an invalid sequence is one byte that is not a space. */
function decodeRune(b: Buffer, i: number): { r: number; n: number } {
  const c = b[i]!;
  const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0 || i + n > b.length) return { r: -1, n: 1 };
  const s = b.subarray(i, i + n);
  if (!isUtf8(s)) return { r: -1, n: 1 };
  return { r: s.toString("utf8").codePointAt(0)!, n };
}

/** bytes.TrimSpace, on bytes. */
function trimSpace(b: Buffer): Buffer {
  let start = 0;
  let end = b.length;
  while (start < end && b[start]! < 0x80 && isAsciiSpace(b[start]!)) start++;
  while (end > start && b[end - 1]! < 0x80 && isAsciiSpace(b[end - 1]!)) end--;
  if (start === end || (b[start]! < 0x80 && b[end - 1]! < 0x80)) return b.subarray(start, end);
  // TrimFunc(unicode.IsSpace) over the rest, rune by rune from each end.
  for (;;) {
    if (start >= end) break;
    const { r, n } = decodeRune(b, start);
    if (!(r < 0x80 ? isAsciiSpace(r) && r >= 0 : isUnicodeSpace(r))) break;
    start += n;
  }
  while (end > start) {
    // utf8.DecodeLastRune: back up over at most three continuation bytes.
    let k = end - 1;
    while (k > start && k > end - 4 && (b[k]! & 0xc0) === 0x80) k--;
    const { r, n } = decodeRune(b, k);
    // A sequence that does not end exactly at `end` is utf8.RuneError: not a space.
    if (k + n !== end) break;
    if (!(r >= 0 && (r < 0x80 ? isAsciiSpace(r) : isUnicodeSpace(r)))) break;
    end = k;
  }
  return b.subarray(start, end);
}

/** A Go string made of arbitrary bytes, for JavaScript: UTF-8 when it is valid, else one character per byte. */
export function goBytesToString(b: Uint8Array): string {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return isUtf8(buf) ? buf.toString("utf8") : buf.toString("latin1");
}

/** The decoded block and the bytes after it, or undefined where Go's pem.Decode returns nil. */
export interface PemDecodeResult {
  block: PemBlock;
  rest: Buffer;
}

/**
 * Go 1.26's pem.Decode, step for step: the first "\n-----END " is found, then
 * the last "-----BEGIN " before it that starts a line; a candidate that is not
 * well formed is skipped and the search goes on after that END marker.
 */
export function decodePem(input: string | Uint8Array): PemDecodeResult | undefined {
  const data = toBytes(input);
  let rest = data;
  let endTrailerIndex = 0;
  for (;;) {
    if (endTrailerIndex < 0 || endTrailerIndex > rest.length) return undefined;
    rest = rest.subarray(endTrailerIndex);
    let endIndex = rest.indexOf(PEM_END);
    if (endIndex < 0) return undefined;
    endTrailerIndex = endIndex + PEM_END.length;
    const beginIndex = rest.subarray(0, endIndex).lastIndexOf(PEM_START.subarray(1));
    if (beginIndex < 0 || (beginIndex > 0 && rest[beginIndex - 1] !== NL)) continue;
    const skip = beginIndex + PEM_START.length - 1;
    rest = rest.subarray(skip);
    endIndex -= skip;
    endTrailerIndex -= skip;

    const typeLineRead = getLine(rest);
    let typeLine = typeLineRead.line;
    rest = typeLineRead.rest;
    endIndex -= typeLineRead.consumed;
    endTrailerIndex -= typeLineRead.consumed;
    if (typeLine.length < DASHES.length || !typeLine.subarray(typeLine.length - DASHES.length).equals(DASHES)) continue;
    typeLine = typeLine.subarray(0, typeLine.length - DASHES.length);

    const headers = new Map<string, string>();
    for (;;) {
      if (rest.length === 0) return undefined;
      const { line, rest: next, consumed } = getLine(rest);
      const colon = line.indexOf(0x3a);
      if (colon < 0) break;
      const key = goBytesToString(trimSpace(line.subarray(0, colon)));
      headers.set(key, goBytesToString(trimSpace(line.subarray(colon + 1))));
      rest = next;
      endIndex -= consumed;
      endTrailerIndex -= consumed;
    }
    if (headers.size > 0 && endIndex < 0) continue;

    if (endTrailerIndex < 0) continue;
    let endTrailer = rest.subarray(endTrailerIndex);
    const endTrailerLen = typeLine.length + DASHES.length;
    if (endTrailer.length < endTrailerLen) continue;
    const restOfEndLine = endTrailer.subarray(endTrailerLen);
    endTrailer = endTrailer.subarray(0, endTrailerLen);
    if (!endTrailer.subarray(0, typeLine.length).equals(typeLine) || !endTrailer.subarray(endTrailerLen - DASHES.length).equals(DASHES)) continue;
    if (getLine(restOfEndLine).line.length !== 0) continue;

    let bytes = Buffer.alloc(0);
    if (endIndex > 0) {
      const b64 = removeSpacesAndTabs(rest.subarray(0, endIndex)).toString("latin1");
      if (goBase64ErrorOffset(b64) !== undefined) continue;
      bytes = Buffer.from(b64.replace(/[\r\n]/g, ""), "base64");
    }
    const after = getLine(rest.subarray(endIndex + PEM_END.length - 1)).rest;
    return { block: { type: goBytesToString(typeLine), headers: Object.fromEntries(headers), bytes }, rest: after };
  }
}

function removeSpacesAndTabs(data: Buffer): Buffer {
  if (!data.includes(0x20) && !data.includes(0x09)) return data;
  const out = Buffer.allocUnsafe(data.length);
  let n = 0;
  for (const b of data) if (b !== 0x20 && b !== 0x09) out[n++] = b;
  return out.subarray(0, n);
}

/** Every block pem.Decode finds when called again on each rest, in order; text between blocks is skipped, as in Go. */
export function decodePemBlocks(input: string | Uint8Array): PemBlock[] {
  const blocks: PemBlock[] = [];
  let rest = toBytes(input);
  for (;;) {
    const r = decodePem(rest);
    if (!r) return blocks;
    blocks.push(r.block);
    rest = r.rest;
  }
}

/** The first PEM block, or a PkiError with the given code. */
export function decodeFirstPem(input: string | Uint8Array, code: PkiErrorCode, message?: string): PemBlock {
  const r = decodePem(input);
  if (!r) throw new PkiError(code, message);
  return r.block;
}
