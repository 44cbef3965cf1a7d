// Finds every certificate in a PKI folder: PEM files (each certificate in
// them) and the certificates embedded in or referenced by kubeconfigs.
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { PkiError } from "../errors.js";
import { decodePemBlocks } from "../pem.js";
import { parseCertificateDer, type Certificate } from "../x509/certificate.js";

/** Where a certificate was found. */
export interface FoundCertificate {
  /** Path relative to the scanned folder, plus `#n` for the n-th certificate of a bundle and `[user]`/`[cluster]` inside a kubeconfig. */
  name: string;
  /** The file it was read from. */
  path: string;
  kind: "file" | "kubeconfig-client" | "kubeconfig-ca";
  certificate: Certificate;
}

export interface ScanProblem {
  path: string;
  error: string;
}

/** The file names read as kubeconfigs (kubeconfig, *.kubeconfig, *.conf); certs renew rewrites the same set. */
export const KUBECONFIG_NAME = /(^|\/)(kubeconfig|[^/]*\.(kubeconfig|conf))$/;
const PEMISH = /\.(pem|crt|cert)$/;

async function walk(dir: string, out: string[], recursive: boolean): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && recursive) await walk(p, out, recursive);
    else if (e.isFile()) out.push(p);
  }
}

function certsInPem(text: string | Buffer): Certificate[] {
  return decodePemBlocks(text)
    .filter((b) => b.type === "CERTIFICATE")
    .map((b) => parseCertificateDer(b.bytes));
}

/**
 * The certificate entries of a kubeconfig, each with the name of the list
 * item (cluster or user) it belongs to. A small line reader, not a YAML
 * parser: kubeconfigs written by kubectl, kubeadm and k8s-pki put each
 * cluster/user in a `- ` list item whose `name:` may come before or after
 * the data.
 */
function kubeconfigEntries(text: string): { key: string; value: string; owner: string }[] {
  const out: { key: string; value: string; owner: string }[] = [];
  let pending: { key: string; value: string }[] = [];
  let owner = "";
  const flush = (): void => {
    for (const p of pending) out.push({ ...p, owner });
    pending = [];
    owner = "";
  };
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*- /.test(line) || /^\S/.test(line)) flush();
    const name = /^\s*-?\s*name:\s*"?([^"\s]+)"?\s*$/.exec(line);
    if (name) owner = name[1]!;
    const m = /^\s*-?\s*(client-certificate-data|certificate-authority-data|client-certificate|certificate-authority):\s*"?([^"\s]+)"?\s*$/.exec(line);
    if (m) pending.push({ key: m[1]!, value: m[2]! });
  }
  flush();
  return out;
}

const exists = (p: string): Promise<boolean> => stat(p).then(
  (s) => s.isFile(),
  () => false,
);

/**
 * Where a kubeconfig's absolute reference points. A folder that holds node
 * roots (`deploy render`'s DIR/<node>/etc/kubernetes/...) refers to
 * `/etc/kubernetes/pki/ca.pem` meaning the node's own file, so the ancestors
 * of the kubeconfig inside the scanned folder are tried as roots first,
 * nearest first; then the path on this machine.
 */
async function resolveReference(ref: string, kubeconfig: string, dir: string): Promise<string> {
  if (!isAbsolute(ref)) return resolve(dirname(kubeconfig), ref);
  const top = resolve(dir);
  for (let root = resolve(dirname(kubeconfig)); ; root = dirname(root)) {
    const inTree = join(root, ref);
    if (await exists(inTree)) return inTree;
    if (root === top || relative(top, root).startsWith("..") || dirname(root) === root) break;
  }
  return ref;
}

export interface FindCertificatesOptions {
  /** Also scan subfolders (default true). */
  recursive?: boolean;
}

/**
 * Scans a folder (and, unless `recursive: false`, its subfolders) for
 * certificates: every CERTIFICATE block of `*.pem`, `*.crt`, `*.cert` files,
 * and the client and CA certificates of kubeconfigs (`*.kubeconfig`, `*.conf`,
 * `kubeconfig`), embedded or referenced by path. Files that do not parse are
 * reported, not fatal.
 */
export async function findCertificates(dir: string, opts: FindCertificatesOptions = {}): Promise<{ found: FoundCertificate[]; problems: ScanProblem[] }> {
  let info;
  try {
    info = await stat(dir);
  } catch (e) {
    throw new PkiError("io-failed", `${dir}: no such folder`, { field: "dir", cause: e });
  }
  if (!info.isDirectory()) throw new PkiError("io-failed", `${dir} is not a folder`, { field: "dir" });
  const files: string[] = [];
  await walk(dir, files, opts.recursive !== false);
  files.sort();
  const found: FoundCertificate[] = [];
  const problems: ScanProblem[] = [];
  const rel = (p: string): string => relative(dir, p);
  for (const path of files) {
    try {
      if (KUBECONFIG_NAME.test(path)) {
        const text = await readFile(path, "utf8");
        for (const e of kubeconfigEntries(text)) {
          const kind = e.key.startsWith("client") ? "kubeconfig-client" : "kubeconfig-ca";
          const pem = e.key.endsWith("-data")
            ? Buffer.from(e.value, "base64")
            : await readFile(await resolveReference(e.value, path, dir));
          for (const certificate of certsInPem(pem).slice(0, 1)) {
            found.push({ name: `${rel(path)}[${kind === "kubeconfig-client" ? "user" : "cluster"} ${e.owner}]`, path, kind, certificate });
          }
        }
      } else if (PEMISH.test(path)) {
        const certs = certsInPem(await readFile(path));
        certs.forEach((certificate, i) => found.push({ name: certs.length > 1 ? `${rel(path)}#${i + 1}` : rel(path), path, kind: "file", certificate }));
      }
    } catch (e) {
      problems.push({ path: rel(path), error: e instanceof Error ? e.message : String(e) });
    }
  }
  return { found, problems };
}
