// buildPki: every certificate and key of a plan, made with @k8s/pki.
// Key generation runs on libuv's thread pool (generateKeyPair is async), so
// starting all of them at once keeps both cores busy for RSA.
import { createPublicKey, X509Certificate } from "node:crypto";
import {
  createLocalSigner,
  generateKey,
  genCert,
  initCa,
  parseCsrJson,
  parseSigningConfig,
  encodePrivateKeyPem,
  parseCertificatePem,
  parsePrivateKeyPem,
  formatIp,
  type LocalSigner,
} from "@k8s/pki";
import { DeployError } from "./errors.js";
import type { Plan, PlannedCert } from "./plan.js";

export interface PkiMaterial {
  /** PEM certificate (for key pairs: the PEM public key). */
  cert: string;
  /** PEM private key. */
  key: string;
}

export interface Pki {
  /** By certificate id. */
  items: Map<string, PkiMaterial>;
  /** With `existing`: the certificates issued anew (missing, or no longer matching the plan). */
  issued?: string[];
  /**
   * During a CA rotation: what nodes trust for a CA id (a PEM bundle of the
   * old and new CA, the signing one first); otherwise the CA's own certificate.
   */
  trust?: Map<string, string>;
}

/** The PEM a node trusts for a CA: the rotation's bundle, else the CA certificate. */
export const trustPem = (pki: Pki, caId: string): string => pki.trust?.get(caId) ?? pkiItem(pki, caId).cert;

export interface BuildPkiOptions {
  now?: () => Date;
  randomBytes?: (n: number) => Uint8Array;
  /**
   * Material kept from an earlier build. Its CAs and key pairs are reused,
   * never replaced; its leaves are reused while they still match the plan
   * (subject, SANs, issuing CA) and are re-issued from the kept CA otherwise.
   */
  existing?: Map<string, PkiMaterial>;
}

/**
 * Why a kept leaf can no longer be used for the plan (undefined: it still
 * can): its subject or SANs changed, another CA signed it (checked by
 * signature, since a rotated CA keeps its subject), it expired, or its key is
 * not its certificate's.
 */
export function keptLeafMismatch(c: PlannedCert, m: PkiMaterial, ca: PkiMaterial | undefined, now: Date): string | undefined {
  if (!ca) return `its CA ${c.ca ?? "(none)"} is not kept`;
  try {
    const cert = parseCertificatePem(m.cert);
    const sans = [...cert.sans.dns, ...cert.sans.ip.map(formatIp), ...cert.sans.email, ...cert.sans.uri];
    const added = c.sans.filter((s) => !sans.includes(s));
    const removed = sans.filter((s) => !c.sans.includes(s));
    if (cert.subject.commonName !== c.cn) return `CN ${JSON.stringify(cert.subject.commonName)} -> ${JSON.stringify(c.cn)}`;
    if (JSON.stringify([...cert.subject.organization].sort()) !== JSON.stringify([...c.o].sort())) return `O ${cert.subject.organization.join(",") || "-"} -> ${c.o.join(",") || "-"}`;
    if (added.length > 0 || removed.length > 0) return `SANs ${[...added.map((s) => `+${s}`), ...removed.map((s) => `-${s}`)].join(" ")}`;
    if (!new X509Certificate(m.cert).verify(new X509Certificate(ca.cert).publicKey)) return `not signed by the current ${c.ca ?? "CA"}`;
    if (cert.notAfter.getTime() <= now.getTime()) return `expired ${cert.notAfter.toISOString()}`;
    if (!parsePrivateKeyPem(m.key).spki.equals(cert.spki)) return "key does not match the certificate";
    return undefined;
  } catch (e) {
    return `unreadable: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function csrJson(plan: Plan, c: PlannedCert): object {
  const { keyAlgo, keySize } = plan.inventory.pki;
  return {
    CN: c.cn,
    names: c.o.map((O) => ({ O })),
    hosts: c.sans,
    key: { algo: keyAlgo, size: keySize },
    ...(c.kind === "ca" ? { ca: { expiry: c.lifetime } } : {}),
  };
}

/** The cfssl ca-config.json the leaves are signed under (also what the cfssl comparison script uses). */
export function signingConfigJson(plan: Plan): string {
  const expiry = plan.inventory.lifetimes.leaf;
  const profiles: Record<string, { usages: string[]; expiry: string }> = {};
  for (const c of plan.certs) if (c.kind === "cert") profiles[c.profile] = { usages: c.usages, expiry };
  return JSON.stringify({ signing: { default: { expiry }, profiles } }, null, 2) + "\n";
}

/** The cfssl CSR JSON of one certificate of the plan. */
export const certCsrJson = (plan: Plan, c: PlannedCert): string => JSON.stringify(csrJson(plan, c), null, 2) + "\n";

export async function buildPki(plan: Plan, opts: BuildPkiOptions = {}): Promise<Pki> {
  const entropy = { ...(opts.now ? { now: opts.now } : {}), ...(opts.randomBytes ? { randomBytes: opts.randomBytes } : {}) };
  const items = new Map<string, PkiMaterial>();
  const config = parseSigningConfig(signingConfigJson(plan));
  const fail = (c: PlannedCert, e: unknown): never => {
    throw new DeployError("render-failed", `certificate ${c.id}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, field: c.id });
  };
  const cas = plan.certs.filter((c) => c.kind === "ca");
  const keypairs = plan.certs.filter((c) => c.kind === "keypair");
  const leaves = plan.certs.filter((c) => c.kind === "cert");
  const { keyAlgo, keySize } = plan.inventory.pki;

  // Key pairs start now, in parallel with the CAs; leaves start once their CA exists.
  const existing = opts.existing;
  const issued: string[] = [];
  const now = (opts.now ?? (() => new Date()))();
  const pairs = Promise.all(
    keypairs.map(async (c) => {
      const kept = existing?.get(c.id);
      if (kept) {
        items.set(c.id, kept);
        return;
      }
      if (existing) issued.push(c.id);
      try {
        const key = await generateKey({ algo: keyAlgo, size: keySize });
        const keyPem = encodePrivateKeyPem(key);
        const pub = createPublicKey(keyPem).export({ type: "spki", format: "pem" }).toString();
        items.set(c.id, { cert: pub, key: keyPem });
      } catch (e) {
        fail(c, e);
      }
    }),
  );
  const signers = new Map<string, Promise<LocalSigner>>();
  for (const c of cas) {
    signers.set(
      c.id,
      (async () => {
        const kept = existing?.get(c.id);
        if (kept) {
          items.set(c.id, kept);
          return createLocalSigner({ caKey: kept.key, caCert: kept.cert, config, ...entropy });
        }
        // A kept state never gets a new CA behind its back: every node trusts the old one.
        if (existing) return fail(c, new Error(`the kept PKI has no ${c.id}; refusing to create a new CA in an existing state (restore it, or start from an empty state folder)`));
        try {
          const out = await initCa(parseCsrJson(csrJson(plan, c)), entropy);
          items.set(c.id, { cert: out.cert, key: out.key });
          return createLocalSigner({ caKey: out.key, caCert: out.cert, config, ...entropy });
        } catch (e) {
          return fail(c, e);
        }
      })(),
    );
  }
  await Promise.all([
    pairs,
    ...leaves.map(async (c) => {
      const signer = signers.get(c.ca ?? "");
      if (!signer) return fail(c, new Error(`unknown CA ${c.ca ?? "(none)"}`));
      const kept = existing?.get(c.id);
      if (kept && keptLeafMismatch(c, kept, existing?.get(c.ca ?? ""), now) === undefined) {
        items.set(c.id, kept);
        return;
      }
      if (existing) issued.push(c.id);
      try {
        const out = await genCert(parseCsrJson(csrJson(plan, c)), await signer, { profile: c.profile });
        items.set(c.id, { cert: out.cert, key: out.key });
      } catch (e) {
        fail(c, e);
      }
    }),
  ]);
  return existing ? { items, issued: issued.sort() } : { items };
}

export function pkiItem(pki: Pki, id: string): PkiMaterial {
  const m = pki.items.get(id);
  if (!m) throw new DeployError("render-failed", `no certificate or key ${id} in the PKI`, { field: id });
  return m;
}
