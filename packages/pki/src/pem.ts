// PEM: RFC 7468 text encoding, written the way Go's pem.EncodeToMemory does
// (64-column base64, "\n" line ends, trailing newline) so files match cfssl's.
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

const BEGIN = /-----BEGIN ([^-\r\n]*)-----\r?\n/g;

/** Decodes every PEM block in the text, in order; text outside blocks is ignored, as Go's pem.Decode does. */
export function decodePemBlocks(input: string | Uint8Array): PemBlock[] {
  const text = typeof input === "string" ? input : Buffer.from(input).toString("latin1");
  const blocks: PemBlock[] = [];
  BEGIN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BEGIN.exec(text))) {
    const type = m[1]!;
    const endMarker = `-----END ${type}-----`;
    const endAt = text.indexOf(endMarker, BEGIN.lastIndex);
    if (endAt < 0) break;
    const inner = text.slice(BEGIN.lastIndex, endAt);
    const headers: Record<string, string> = {};
    let body = inner;
    // RFC 1421 headers (Proc-Type, DEK-Info) end at the first blank line.
    if (/^[A-Za-z-]+:/.test(inner)) {
      const split = inner.search(/\r?\n\r?\n/);
      const head = split >= 0 ? inner.slice(0, split) : inner;
      for (const line of head.split(/\r?\n/)) {
        const i = line.indexOf(":");
        if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      body = split >= 0 ? inner.slice(split) : "";
    }
    const clean = body.replace(/[\s]/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
      BEGIN.lastIndex = endAt + endMarker.length;
      continue; // Go skips malformed blocks and keeps looking.
    }
    blocks.push({ type, headers, bytes: Buffer.from(clean, "base64") });
    BEGIN.lastIndex = endAt + endMarker.length;
  }
  return blocks;
}

/** The first PEM block, or a PkiError with the given code. */
export function decodeFirstPem(input: string | Uint8Array, code: PkiErrorCode, message?: string): PemBlock {
  const block = decodePemBlocks(input)[0];
  if (!block) throw new PkiError(code, message);
  return block;
}
