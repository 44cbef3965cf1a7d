// Writes output files safely: each through a temp file and a rename, keys
// 0600, and never over the private key of an existing CA unless asked.
import { randomBytes } from "node:crypto";
import { chmod, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join, basename } from "node:path";
import { PkiError } from "../errors.js";
import { parsePrivateKeyPem } from "../keys/private-key.js";
import { parseCertificatePem } from "../x509/certificate.js";
import type { OutputFile } from "./output-files.js";

export interface WriteOptions {
  /** Folder the names are relative to; defaults to the current folder. */
  dir?: string;
  /** Allow replacing the key of an existing CA (`-replace-ca-key`). */
  replaceCaKey?: boolean;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes one file atomically: a sibling temp file, fsync, rename. An existing
 * file keeps its mode unless `secret`. `durable: false` skips the fsync, for
 * staging folders that can be made again: readers still never see half a file.
 */
export async function writeFileAtomic(path: string, contents: Uint8Array, mode: number, secret = false, opts: { durable?: boolean } = {}): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let finalMode = mode;
  if (!secret) {
    try {
      finalMode = (await stat(path)).mode & 0o777;
    } catch {
      finalMode = mode & ~process.umask();
    }
  }
  const wanted = secret ? 0o600 : finalMode;
  const fh = await open(tmp, "wx", wanted);
  try {
    await fh.writeFile(contents);
    if (opts.durable !== false) await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw new PkiError("io-failed", `write ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  await fh.close();
  try {
    // The umask may have cleared bits we want (a 0664 file kept as 0664); chmod only then.
    if ((wanted & ~process.umask()) !== wanted) await chmod(tmp, wanted);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new PkiError("io-failed", `write ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * Refuses (before anything is written) to replace `<base>-key.pem` when
 * `<base>.pem` is currently a CA certificate and the new key differs: a
 * regenerated CA silently breaks every node that trusts the old one.
 */
export async function checkCaKeyReplacement(files: OutputFile[], opts: WriteOptions = {}): Promise<void> {
  if (opts.replaceCaKey) return;
  const dir = opts.dir ?? ".";
  for (const f of files) {
    if (!f.secret || !f.name.endsWith("-key.pem")) continue;
    const base = f.name.slice(0, -"-key.pem".length);
    const certPath = join(dir, `${base}.pem`);
    const keyPath = join(dir, f.name);
    if (!(await exists(certPath)) || !(await exists(keyPath))) continue;
    let isCa = false;
    try {
      isCa = parseCertificatePem(await readFile(certPath)).basicConstraints?.isCa === true;
    } catch {
      continue; // not a certificate we can read: nothing to protect
    }
    if (!isCa) continue;
    let same = false;
    try {
      same = parsePrivateKeyPem(await readFile(keyPath)).spki.equals(parsePrivateKeyPem(f.contents).spki);
    } catch {
      same = false;
    }
    if (!same) {
      throw new PkiError(
        "file-exists",
        `refusing to replace ${keyPath}: ${certPath} is a CA certificate and the new key differs (pass -replace-ca-key to replace it)`,
        { field: f.name },
      );
    }
  }
}

/** Writes every file (after the CA-key check), each atomically. Returns the paths written. */
export async function writeOutputFiles(files: OutputFile[], opts: WriteOptions = {}): Promise<string[]> {
  await checkCaKeyReplacement(files, opts);
  const written: string[] = [];
  for (const f of files) {
    const p = join(opts.dir ?? ".", f.name);
    await writeFileAtomic(p, f.contents, f.mode, f.secret);
    written.push(p);
  }
  return written;
}
