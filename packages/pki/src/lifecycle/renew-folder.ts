// renewInFolder: `certs renew NAME --dir DIR` as one call. A cfssljson
// folder (x.pem beside x-key.pem, the CAs among them) is its own small CA
// store: each target certificate is re-issued by the CA in the folder whose
// key verifies its signature, written back in place (key before
// certificate), and every kubeconfig that embeds the old certificate gets
// the new one. It prints nothing: each file written is reported to `onEvent`.
import { readFile, readdir } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { writeFileAtomic } from "../cfssljson/write-files.js";
import { PkiError } from "../errors.js";
import { parsePrivateKeyPem } from "../keys/private-key.js";
import type { Entropy } from "../signer/clock.js";
import { findCertificates, KUBECONFIG_NAME } from "./inventory-certs.js";
import { findIssuer } from "./issuer.js";
import { renewCertificate, replaceEmbeddedCertificate } from "./renew.js";


export interface RenewInFolderOptions extends Entropy {
  /** The PKI folder as the user named it (messages use it as given); relative to `cwd` unless absolute. */
  dir: string;
  /** A certificate file of the folder (`etcd.pem` or `etcd`), or `all` (every non-CA certificate). */
  name: string;
  /** Also the subfolders: their certificates, CAs and kubeconfigs; by default only the folder itself. */
  recursive?: boolean;
  /** A new ECDSA P-256 key instead of the old one (refused for a certificate a kubeconfig embeds). */
  rotateKey?: boolean;
  /** What a relative `dir` is relative to; default the process's. */
  cwd?: string;
  /** Each file written, in order: a certificate renewed, then the kubeconfigs rewritten with it. */
  onEvent?(e: RenewFolderEvent): void;
}

export type RenewFolderEvent =
  /** `name` renewed in place (with a new key when `newKey`). */
  | { kind: "renewed"; name: string; newKey: boolean }
  /** The kubeconfig `name` (relative to the folder) now embeds the renewed certificate. */
  | { kind: "kubeconfig-rewritten"; name: string; certificate: string };

export interface RenewedInFolder {
  /** The certificate's name in the folder. */
  name: string;
  newKey: boolean;
  /** Kubeconfigs rewritten, relative to the folder. */
  kubeconfigs: string[];
}

const keyPathOf = (certPath: string): string => certPath.replace(/\.pem$/, "-key.pem");

/**
 * Renews `name` (or all) in the folder. Refusals are PkiErrors naming the
 * field: no such certificate (`name`), no signing CA or CA key in the folder
 * (`ca`), the certificate's own key missing (`key`), a kubeconfig embedding
 * a certificate whose key would rotate (`rotateKey`). A refusal about one
 * certificate comes after the ones before it were renewed; `--rotate-key`'s
 * is checked before anything of that certificate is written.
 */
export async function renewInFolder(o: RenewInFolderOptions): Promise<RenewedInFolder[]> {
  const dir = isAbsolute(o.dir) ? o.dir : resolve(o.cwd ?? process.cwd(), o.dir);
  // Only the folder given: a rendered cluster or a deploy state below it has its own lifecycle (deploy apply).
  const recursive = o.recursive === true;
  const { found } = await findCertificates(dir, { recursive });
  const files = found.filter((f) => f.kind === "file" && !f.name.includes("#"));
  const cas = files.filter((f) => f.certificate.basicConstraints?.isCa);
  const targets = o.name === "all" ? files.filter((f) => !f.certificate.basicConstraints?.isCa) : files.filter((f) => f.name === o.name || f.name === `${o.name}.pem`);
  if (targets.length === 0) {
    throw new PkiError("input-invalid", `no certificate ${JSON.stringify(o.name)} in ${o.dir}${recursive ? "" : " (subfolders are searched only with --recursive)"}`, { field: "name" });
  }
  const kubeconfigs = (await readdir(dir, { recursive })).map(String).filter((f) => KUBECONFIG_NAME.test(f));
  const out: RenewedInFolder[] = [];
  for (const t of targets) {
    // The CA whose key verifies the signature: a leaf may have its CA's very name (cfssl's kubernetes.pem).
    const ca = findIssuer(t.certificate, cas, (c) => c.certificate);
    if (!ca) throw new PkiError("input-invalid", `${t.name}: its signing CA is not in ${o.dir} (no CA certificate there verifies its signature)`, { field: "ca" });
    const caKey = await readFile(keyPathOf(ca.path), "utf8").catch((e: unknown) => {
      throw new PkiError("io-failed", `${t.name}: the CA key ${keyPathOf(ca.name)} is not in ${o.dir}`, { field: "ca", cause: e });
    });
    const key = o.rotateKey
      ? undefined
      : parsePrivateKeyPem(
          await readFile(keyPathOf(t.path)).catch((e: unknown) => {
            throw new PkiError("io-failed", `${t.name}: its key ${keyPathOf(t.name)} is not in ${o.dir} (or pass --rotate-key)`, { field: "key", cause: e });
          }),
          "key",
        );
    const oldPem = await readFile(t.path, "utf8");
    const embedding: { path: string; name: string; text: string }[] = [];
    for (const k of kubeconfigs) {
      const text = await readFile(join(dir, k), "utf8");
      if (replaceEmbeddedCertificate(text, oldPem, oldPem).replaced > 0) embedding.push({ path: join(dir, k), name: k, text });
    }
    // Refuse before writing anything: a rotated key would also need client-key-data replaced.
    if (o.rotateKey && embedding.length > 0) {
      throw new PkiError(
        "input-invalid",
        `${embedding.map((e) => e.name).join(", ")} embeds ${t.name}; renewing it with --rotate-key would need client-key-data rewritten too, which certs renew does not do yet`,
        { field: "rotateKey" },
      );
    }
    const renewed = await renewCertificate(t.certificate, {
      caCert: await readFile(ca.path, "utf8"),
      caKey,
      key,
      rotateKey: o.rotateKey ? { algo: "ecdsa", size: 256 } : undefined,
      ...(o.now ? { now: o.now } : {}),
      ...(o.randomBytes ? { randomBytes: o.randomBytes } : {}),
    });
    // Key before certificate: an interrupted rotation leaves an unused key, never a certificate without its key.
    if (renewed.key) await writeFileAtomic(keyPathOf(t.path), Buffer.from(renewed.key), 0o600, true);
    await writeFileAtomic(t.path, Buffer.from(renewed.cert), 0o644);
    o.onEvent?.({ kind: "renewed", name: t.name, newKey: renewed.key !== undefined });
    for (const e of embedding) {
      await writeFileAtomic(e.path, Buffer.from(replaceEmbeddedCertificate(e.text, oldPem, renewed.cert).text), 0o600, true);
      o.onEvent?.({ kind: "kubeconfig-rewritten", name: e.name, certificate: t.name });
    }
    out.push({ name: t.name, newKey: renewed.key !== undefined, kubeconfigs: embedding.map((e) => e.name) });
  }
  return out;
}
