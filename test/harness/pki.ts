// Every certificate and key the harness hands to a component comes from our
// own @k8s/pki, so starting a cluster is itself a test of the library: if
// etcd, kube-apiserver or the kubelet reject what it issues, nothing starts.
import { join } from "node:path";
import {
  createLocalSigner,
  encodePrivateKeyPem,
  generateKey,
  genCert,
  initCa,
  parseCsrJson,
  parseSigningConfig,
  type LocalSigner,
} from "@k8s/pki";
import { writePrivateFile, writePublicFile } from "./files.js";

export type Profile = "server" | "client";

export interface LeafRequest {
  cn: string;
  /** Subject O values; Kubernetes reads them as the user's groups. */
  organizations?: readonly string[];
  /** DNS names and IPs for the SAN extension. */
  hosts?: readonly string[];
  profile: Profile;
}

export interface KeyPair {
  cert: string;
  key: string;
}

export interface IssuedFiles extends KeyPair {
  certPath: string;
  keyPath: string;
}

export interface ServiceAccountKeys {
  privateKeyPath: string;
  publicKeyPath: string;
}

// Server certificates double as client certificates: etcd's peer listener
// presents its serving certificate when it dials out.
const SIGNING_CONFIG = JSON.stringify({
  signing: {
    default: { expiry: "24h" },
    profiles: {
      server: { usages: ["signing", "key encipherment", "server auth", "client auth"], expiry: "24h" },
      client: { usages: ["signing", "key encipherment", "client auth"], expiry: "24h" },
    },
  },
});

/** A CA on disk plus a signer for it. */
export class HarnessPki {
  private constructor(
    readonly dir: string,
    readonly caCert: string,
    readonly caKey: string,
    readonly caCertPath: string,
    readonly caKeyPath: string,
    private readonly signer: LocalSigner,
  ) {}

  /** A new self-signed CA (ECDSA P-256) written to `<dir>/ca.pem` and `<dir>/ca-key.pem`. */
  static async create(dir: string, cn = "harness-ca"): Promise<HarnessPki> {
    const ca = await initCa(parseCsrJson({ CN: cn, key: { algo: "ecdsa", size: 256 } }));
    const signer = createLocalSigner({ caCert: ca.cert, caKey: ca.key, config: parseSigningConfig(SIGNING_CONFIG) });
    const caCertPath = writePublicFile(join(dir, "ca.pem"), ca.cert);
    const caKeyPath = writePrivateFile(join(dir, "ca-key.pem"), ca.key);
    return new HarnessPki(dir, ca.cert, ca.key, caCertPath, caKeyPath, signer);
  }

  /** Issues a leaf certificate and a fresh key, in memory only. */
  async mint(req: LeafRequest): Promise<KeyPair> {
    const csr = parseCsrJson({
      CN: req.cn,
      hosts: [...(req.hosts ?? [])],
      names: (req.organizations ?? []).map((O) => ({ O })),
      key: { algo: "ecdsa", size: 256 },
    });
    const leaf = await genCert(csr, this.signer, { profile: req.profile });
    return { cert: leaf.cert, key: leaf.key };
  }

  /** Issues a leaf and writes `<dir>/<name>.pem` and `<dir>/<name>-key.pem` (0600). */
  async issue(name: string, req: LeafRequest): Promise<IssuedFiles> {
    const pair = await this.mint(req);
    return {
      ...pair,
      certPath: writePublicFile(join(this.dir, `${name}.pem`), pair.cert),
      keyPath: writePrivateFile(join(this.dir, `${name}-key.pem`), pair.key),
    };
  }

  /** A client certificate for `user` in `groups` (subject CN=user, O=group…). */
  mintClientCert(user: string, groups: readonly string[] = []): Promise<KeyPair> {
    return this.mint({ cn: user, organizations: groups, profile: "client" });
  }

  /** RSA 2048 key pair for signing and verifying service account tokens. */
  async serviceAccountKeys(name = "sa"): Promise<ServiceAccountKeys> {
    const key = await generateKey({ algo: "rsa", size: 2048 });
    return {
      privateKeyPath: writePrivateFile(join(this.dir, `${name}-key.pem`), encodePrivateKeyPem(key)),
      publicKeyPath: writePublicFile(join(this.dir, `${name}.pub`), key.publicKey.export({ type: "spki", format: "pem" }).toString()),
    };
  }
}

/**
 * A second CA that shares nothing with the harness CA but, by default, its
 * name: a certificate it issues looks the same by subject and issuer name
 * and must still be refused.
 */
export function createUnrelatedCa(dir: string, cn = "harness-ca"): Promise<HarnessPki> {
  return HarnessPki.create(dir, cn);
}
