// cfssljson: which files a cfssl JSON response becomes (names, contents,
// modes), decided as a pure function; writing them is in write-files.ts.
import { PkiError } from "../errors.js";
import { parseGoJson } from "../go/json/value.js";
import { goBase64ErrorOffset } from "../go/base64.js";

export interface OutputFile {
  /** Path relative to the output folder, e.g. `ca-key.pem`. */
  name: string;
  contents: Buffer;
  /** Mode for a new file (the umask applies, as with cfssljson). */
  mode: number;
  /** True for private keys: always written 0600, whatever the umask or an older file's mode. */
  secret: boolean;
  /** cfssljson -stdout prints binary contents base64-encoded. */
  binary: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function str(input: Obj, keys: string[]): string {
  for (const k of keys) {
    if (!Object.hasOwn(input, k)) continue;
    const v = input[k];
    // cfssljson panics on a non-string here; we refuse with a message instead.
    if (typeof v !== "string") throw new PkiError("input-invalid", `Failed to parse input: field "${k}" is not a string`, { field: k });
    return v;
  }
  return "";
}

/**
 * Decides cfssljson's output for a response: `<base>.pem`, `<base>-key.pem`,
 * `<base>-key.enc`, `<base>.csr`, bundle and OCSP files. `bare` means the
 * input is not wrapped in cfssl's API envelope.
 */
export function cfssljsonOutputFiles(data: string | Uint8Array, base: string, bare: boolean): OutputFile[] {
  let parsed: unknown;
  try {
    parsed = parseGoJson(data);
  } catch (e) {
    throw new PkiError("input-invalid", `Failed to parse input: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  let input: Obj;
  if (bare) {
    if (parsed !== null && !isObj(parsed)) {
      const t = Array.isArray(parsed) ? "array" : typeof parsed === "boolean" ? "bool" : typeof parsed;
      throw new PkiError("input-invalid", `Failed to parse input: json: cannot unmarshal ${t} into Go value of type map[string]interface {}`);
    }
    input = parsed ?? {};
  } else {
    const env = isObj(parsed) ? parsed : {};
    if (env.success !== true) {
      const errs = Array.isArray(env.errors) ? env.errors : [];
      const lines = errs.map((e) => `\t${isObj(e) && typeof e.message === "string" ? e.message : ""}`);
      throw new PkiError("input-invalid", ["Request failed:", ...lines].join("\n"));
    }
    input = isObj(env.result) ? env.result : {};
  }
  const out: OutputFile[] = [];
  const add = (name: string, contents: Buffer, mode: number, secret = false, binary = false): void => {
    out.push({ name, contents, mode, secret, binary });
  };
  const cert = str(input, ["cert", "certificate"]);
  if (cert) add(`${base}.pem`, Buffer.from(cert), 0o664);
  const key = str(input, ["key", "private_key"]);
  if (key) add(`${base}-key.pem`, Buffer.from(key), 0o600, true);
  if (Object.hasOwn(input, "encrypted_key")) add(`${base}-key.enc`, Buffer.from(str(input, ["encrypted_key"])), 0o600, true, true);
  const csr = str(input, ["csr", "certificate_request"]);
  if (csr) add(`${base}.csr`, Buffer.from(csr), 0o644);
  const result = input.result;
  if (isObj(result) && isObj(result.bundle)) {
    const b = result.bundle;
    if (typeof b.bundle !== "string") throw new PkiError("input-invalid", "inner bundle parsing failed!");
    if (typeof b.root !== "string") throw new PkiError("input-invalid", "root parsing failed!");
    add(`${base}-bundle.pem`, Buffer.from(`${b.bundle}\n${b.root}`), 0o644);
    add(`${base}-root.pem`, Buffer.from(b.root), 0o644);
  }
  if (Object.hasOwn(input, "ocspResponse")) {
    const b64 = str(input, ["ocspResponse"]);
    const bad = goBase64ErrorOffset(b64);
    if (bad !== undefined) throw new PkiError("input-invalid", `Failed to parse ocspResponse: illegal base64 data at input byte ${bad}`);
    add(`${base}-response.der`, Buffer.from(b64.replace(/[\r\n]/g, ""), "base64"), 0o644, false, true);
  }
  return out;
}

/** cfssljson -stdout: each content plus a newline, binary ones base64-encoded. */
export function formatStdout(files: OutputFile[]): string {
  return files.map((f) => (f.binary ? f.contents.toString("base64") : f.contents.toString()) + "\n").join("");
}
