// What every cfssl-style command receives, and the helpers they share.
import { parseCertificateDer, parsePrivateKeyPem, decodePemBlocks, goJsonStringify, PkiError, type Certificate, type PrivateKey, type SigningConfig } from "@k8s/pki";
import type { FlagValues } from "./go-flags.js";
import { PlainError, readBytes, type CliIo } from "./io.js";

export interface CfsslContext {
  io: CliIo;
  flags: FlagValues;
  /** Positional arguments left after the flags. */
  args: string[];
  /** Loaded from `-config` before the command runs, as cfssl does. */
  config?: SigningConfig;
}

export const str = (ctx: CfsslContext, name: string): string => String(ctx.flags[name] ?? "");
export const bool = (ctx: CfsslContext, name: string): boolean => ctx.flags[name] === true;

/** cfssl's cli.PopFirstArgument. */
export function popArg(ctx: CfsslContext): string {
  const a = ctx.args.shift();
  if (a === undefined) throw new PlainError("not enough arguments are supplied --- please refer to the usage");
  return a;
}

/** cfssl's cli.PrintCert: compact JSON with sorted keys, absent values left out. */
export function printCert(io: CliIo, out: { cert?: string | Buffer; csr?: string | Buffer; key?: string | Buffer }): void {
  const o: Record<string, string> = {};
  if (out.cert !== undefined) o.cert = out.cert.toString();
  if (out.csr !== undefined) o.csr = out.csr.toString();
  if (out.key !== undefined) o.key = out.key.toString();
  io.stdout(goJsonStringify(o) + "\n");
}

/** cfssl's helpers.ParseCertificatePEM: exactly one certificate, surrounding whitespace allowed. */
export function parseSingleCertificate(pem: Buffer | string, field: string): Certificate {
  const text = pem.toString().trim();
  const blocks = decodePemBlocks(text);
  const first = blocks[0];
  if (!first) throw new PkiError("certificate-decode-failed", undefined, { field });
  let cert: Certificate;
  try {
    cert = parseCertificateDer(first.bytes);
  } catch (e) {
    throw new PkiError("certificate-parse-failed", undefined, { field, cause: e });
  }
  const end = text.indexOf("-----END", text.indexOf("-----BEGIN"));
  const rest = text.slice(text.indexOf("-----", end + 8) + 5).trim();
  if (rest.length > 0) throw new PkiError("certificate-parse-failed", "the PEM file should contain only one object", { field });
  return cert;
}

export async function loadCaCert(ctx: CfsslContext): Promise<Certificate> {
  return parseSingleCertificate(await readBytes(ctx.io, str(ctx, "ca")), "ca");
}

/** The CA key from `-ca-key`; cfssl's codes: 2000 when not given, 1001 when unreadable. */
export async function loadCaKey(ctx: CfsslContext): Promise<PrivateKey> {
  const spec = str(ctx, "ca-key");
  if (spec === "") throw new PkiError("key-unknown", undefined, { field: "ca-key" });
  let data: Buffer;
  try {
    data = await readBytes(ctx.io, spec);
  } catch (e) {
    throw new PkiError("certificate-read-failed", e instanceof Error ? e.message : String(e), { field: "ca-key", cause: e });
  }
  return parsePrivateKeyPem(data, "ca-key");
}

/**
 * The CA certificate and key, read and parsed in cfssl's order
 * (local.NewSignerFromFile): `-ca` read, `-ca-key` read (1001), `-ca` parsed,
 * `-ca-key` parsed; 2000 first when `-ca-key` is not given at all.
 */
export async function loadCaPair(ctx: CfsslContext): Promise<{ caCert: Certificate; caKey: PrivateKey }> {
  const spec = str(ctx, "ca-key");
  if (spec === "") throw new PkiError("key-unknown", undefined, { field: "ca-key" });
  const caBytes = await readBytes(ctx.io, str(ctx, "ca"));
  let keyBytes: Buffer;
  try {
    keyBytes = await readBytes(ctx.io, spec);
  } catch (e) {
    throw new PkiError("certificate-read-failed", e instanceof Error ? e.message : String(e), { field: "ca-key", cause: e });
  }
  const caCert = parseSingleCertificate(caBytes, "ca");
  return { caCert, caKey: parsePrivateKeyPem(keyBytes, "ca-key") };
}

export function needRemoteUnsupported(ctx: CfsslContext): void {
  if (str(ctx, "remote") !== "") throw new PlainError("k8s-pki does not implement remote signing (-remote); sign locally with -ca and -ca-key");
}
