// StateStore: the one owner of a deploy state folder (`--state DIR`), the
// only format k8s-pki keeps between runs and the thing an operator must never
// lose. Every read and write of the folder goes through here, so the file
// names, the modes (0700 folders, 0600 files), the `format` version of the
// JSON files and the refusals (a foreign PKI, a replaced CA key) exist once.
//
//   <dir>/secrets.json            encryption key, bootstrap tokens, their time base
//   <dir>/rotation.json           the step of each CA under rotation (absent: none)
//   <dir>/pki/<id>.pem            certificate (a key pair's public key)
//   <dir>/pki/<id>-key.pem        private key
//   <dir>/pki/<id>.next.pem       during a CA rotation: the new CA ...
//   <dir>/pki/<id>.next-key.pem   ... and its key
//   <dir>/pki/<id>.previous.pem   after a rotation: the retired CA, for the record
import { chmod, mkdir, readFile, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { isCaCertificate, parseCertificatePem, parsePrivateKeyPem, writeFileAtomic } from "@k8s/pki";
import { DeployError } from "../errors.js";
import type { PkiMaterial } from "../pki-build.js";

/** The newest `format` of the JSON files this k8s-pki writes and reads. */
export const STATE_FORMAT = 1;

/** The files kept per certificate id in `<dir>/pki`. */
export type StateFileKind = "cert" | "key" | "next-cert" | "next-key" | "previous";

const SUFFIX: Record<StateFileKind, string> = {
  cert: ".pem",
  key: "-key.pem",
  "next-cert": ".next.pem",
  "next-key": ".next-key.pem",
  previous: ".previous.pem",
};

/** A certificate id as a file-name stem: anything but word characters, dots and dashes becomes `_`. */
export const stateFileId = (id: string): string => id.replace(/[^\w.-]/g, "_");

/** The one naming rule of `<dir>/pki`: certificate id and kind -> file name. */
export const stateFileName = (id: string, kind: StateFileKind): string => `${stateFileId(id)}${SUFFIX[kind]}`;

/** secrets.json as stored (strings; state/secrets.ts turns it into ClusterSecrets). */
export interface SecretsRecord {
  /** 32 random bytes, base64. */
  encryptionKey: string;
  /** Bootstrap token by worker name. */
  tokens: Record<string, string>;
  /** When the state was made, ISO 8601: the time base of tokens without their own time. */
  now: string;
  /** When each worker's token was made, ISO 8601 (absent in states written before per-token times). */
  issued?: Record<string, string>;
}

export type RotationStep = "trust-both" | "reissued";

/** rotation.json: the step of each CA under rotation, by CA id. */
export interface RotationState {
  cas: Record<string, RotationStep>;
}

/** How a caller reading the kept PKI words the refusal of a folder that holds another PKI. */
export type KeptReader = "apply" | "inspect";

const FOREIGN_CONSEQUENCE: Record<KeptReader, string> = {
  apply: "refusing to create new CAs there (use an empty state folder)",
  inspect: "apply would refuse to create new CAs there",
};

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === "ENOENT";

/**
 * The format of a stored JSON object: none (what k8s-pki wrote before the
 * field existed) is the current one, a newer one is refused so an old binary
 * never rewrites a file it does not understand.
 */
function checkFormat(path: string, o: unknown): void {
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw new Error("not a JSON object");
  const f = (o as { format?: unknown }).format;
  if (f === undefined) return;
  if (typeof f !== "number" || !Number.isInteger(f) || f < 1) throw new Error(`format must be a positive integer, not ${JSON.stringify(f)}`);
  if (f > STATE_FORMAT) {
    throw new DeployError("inventory-invalid", `${path} has format ${f}; this k8s-pki reads up to ${STATE_FORMAT}: upgrade k8s-pki`, { field: "format" });
  }
}

/** The text of a JSON file of the folder: the current `format` first, two-space indent, a final newline. */
const jsonText = (body: object): string => JSON.stringify({ format: STATE_FORMAT, ...body }, null, 2) + "\n";

export class StateStore {
  readonly dir: string;
  readonly pkiDir: string;
  readonly secretsPath: string;
  readonly rotationPath: string;

  constructor(dir: string) {
    this.dir = dir;
    this.pkiDir = join(dir, "pki");
    this.secretsPath = join(dir, "secrets.json");
    this.rotationPath = join(dir, "rotation.json");
  }

  /** Where one file of a certificate id lives. */
  pathOf(id: string, kind: StateFileKind): string {
    return join(this.pkiDir, stateFileName(id, kind));
  }

  // --- PKI ---

  /**
   * What the folder keeps of `ids` (an id counts when both its certificate and
   * key are there). A missing folder is an empty state. A folder holding files
   * but none of these ids is another PKI: refused, never overlaid with new CAs.
   */
  async readKept(ids: readonly string[], reader: KeptReader): Promise<Map<string, PkiMaterial>> {
    const present = new Set(
      await readdir(this.pkiDir).catch((e: NodeJS.ErrnoException) => {
        if (isMissing(e)) return [] as string[];
        throw new DeployError("inventory-invalid", `cannot read ${this.pkiDir}: ${e.message}`, { cause: e, field: "state" });
      }),
    );
    const kept = new Map<string, PkiMaterial>();
    for (const id of ids) {
      if (present.has(stateFileName(id, "cert")) && present.has(stateFileName(id, "key"))) kept.set(id, await this.readItem(id));
    }
    if (kept.size === 0 && present.size > 0) {
      throw new DeployError("inventory-invalid", `${this.pkiDir} holds a PKI that does not match this inventory; ${FOREIGN_CONSEQUENCE[reader]}`, { field: "state" });
    }
    return kept;
  }

  /** Every one of `ids`; a missing one is an error (the state was made for another inventory). */
  async readAll(ids: readonly string[]): Promise<Map<string, PkiMaterial>> {
    const present = new Set(
      await readdir(this.pkiDir).catch((e: NodeJS.ErrnoException) => {
        throw new DeployError("inventory-invalid", isMissing(e) ? `no deploy state in ${this.dir} (${this.pkiDir} is missing; deploy apply makes it)` : `cannot read ${this.pkiDir}: ${e.message}`, { cause: e, field: "state" });
      }),
    );
    const items = new Map<string, PkiMaterial>();
    for (const id of ids) {
      if (!present.has(stateFileName(id, "cert")) || !present.has(stateFileName(id, "key"))) {
        throw new DeployError("inventory-invalid", `${this.pkiDir}: no ${id} (the inventory changed?)`, { field: id });
      }
      items.set(id, await this.readItem(id));
    }
    return items;
  }

  private async readItem(id: string): Promise<PkiMaterial> {
    return { cert: await readFile(this.pathOf(id, "cert"), "utf8"), key: await readFile(this.pathOf(id, "key"), "utf8") };
  }

  /** The certificate kept for `id`, or undefined when there is none. */
  async readCert(id: string): Promise<string | undefined> {
    return readFile(this.pathOf(id, "cert"), "utf8").catch(() => undefined);
  }

  /** The certificate kept for `id`; its absence is an error (the raw read error). */
  async requireCert(id: string): Promise<string> {
    return readFile(this.pathOf(id, "cert"), "utf8");
  }

  /**
   * Saves key pairs and certificates, key first (a crash leaves a key without
   * its certificate, which the next run does not count as kept). The key of a
   * kept CA is never replaced unless `replaceCaKey` says so (the end of a CA
   * rotation): every node trusts that CA.
   */
  async writeItems(items: Iterable<readonly [string, PkiMaterial]>, opts: { replaceCaKey?: boolean } = {}): Promise<void> {
    await this.ensureFolders();
    for (const [id, m] of items) {
      if (opts.replaceCaKey !== true) await this.refuseCaKeyReplacement(id, m.key);
      await this.writeSecretFile(this.pathOf(id, "key"), m.key);
      await this.writeSecretFile(this.pathOf(id, "cert"), m.cert);
    }
  }

  private async refuseCaKeyReplacement(id: string, newKey: string): Promise<void> {
    const [cert, key] = await Promise.all([this.readCert(id), readFile(this.pathOf(id, "key"), "utf8").catch(() => undefined)]);
    if (cert === undefined || key === undefined || key === newKey) return;
    let isCa = false;
    try {
      isCa = isCaCertificate(parseCertificatePem(cert));
    } catch {
      return; // a key pair's public key, or no certificate we can read: no CA to protect
    }
    if (!isCa) return;
    let same = false;
    try {
      same = parsePrivateKeyPem(key).spki.equals(parsePrivateKeyPem(newKey).spki);
    } catch {
      same = false;
    }
    if (!same) {
      throw new DeployError("inventory-invalid", `refusing to replace ${this.pathOf(id, "key")}: ${this.pathOf(id, "cert")} is a CA certificate that nodes trust, and the new key differs`, { field: id });
    }
  }

  /** A CA rotation's new CA; its absence means the rotation record and the folder disagree. */
  async readNext(id: string): Promise<PkiMaterial> {
    try {
      return { cert: await readFile(this.pathOf(id, "next-cert"), "utf8"), key: await readFile(this.pathOf(id, "next-key"), "utf8") };
    } catch (e) {
      throw new DeployError("inventory-invalid", `${this.pkiDir}: the new ${id} of the rotation is missing (${(e as Error).message}); run \`deploy rotate-ca start\` again`, { field: id, cause: e });
    }
  }

  /** Saves a rotation's new CA next to the current one, key first. */
  async writeNext(id: string, m: PkiMaterial): Promise<void> {
    await this.ensureFolders();
    await this.writeSecretFile(this.pathOf(id, "next-key"), m.key);
    await this.writeSecretFile(this.pathOf(id, "next-cert"), m.cert);
  }

  async removeNext(id: string): Promise<void> {
    await rm(this.pathOf(id, "next-cert"), { force: true });
    await rm(this.pathOf(id, "next-key"), { force: true });
  }

  async hasPrevious(id: string): Promise<boolean> {
    return readFile(this.pathOf(id, "previous")).then(
      () => true,
      () => false,
    );
  }

  /** Keeps a retired CA's certificate for the record (never its key). */
  async writePrevious(id: string, cert: string): Promise<void> {
    await this.ensureFolders();
    await this.writeSecretFile(this.pathOf(id, "previous"), cert);
  }

  // --- secrets.json ---

  /** secrets.json, or undefined when the folder has none yet. */
  async readSecrets(): Promise<SecretsRecord | undefined> {
    const o = await this.readJson(this.secretsPath, "secrets");
    return o === undefined ? undefined : (o as SecretsRecord);
  }

  /** secrets.json; its absence is an error (the raw read error). */
  async requireSecrets(): Promise<SecretsRecord> {
    const text = await readFile(this.secretsPath, "utf8");
    return this.parseJson(this.secretsPath, text, "secrets") as SecretsRecord;
  }

  /** The exact bytes `writeSecrets` would write. */
  secretsText(s: SecretsRecord): string {
    return jsonText({ encryptionKey: s.encryptionKey, tokens: s.tokens, now: s.now, ...(s.issued === undefined ? {} : { issued: s.issued }) });
  }

  /** True when secrets.json already holds exactly `s` in the current format (a write would change nothing). */
  async secretsUpToDate(s: SecretsRecord): Promise<boolean> {
    return (await readFile(this.secretsPath, "utf8").catch(() => "")) === this.secretsText(s);
  }

  async writeSecrets(s: SecretsRecord): Promise<void> {
    await this.ensureFolders(false);
    await this.writeSecretFile(this.secretsPath, this.secretsText(s));
  }

  // --- rotation.json ---

  /** The CA rotation under way; none when the file is absent. */
  async readRotation(): Promise<RotationState> {
    const o = await this.readJson(this.rotationPath, "rotation");
    if (o === undefined) return { cas: {} };
    try {
      const cas = (o as { cas: Record<string, unknown> }).cas;
      for (const [id, step] of Object.entries(cas)) if (step !== "trust-both" && step !== "reissued") throw new Error(`${id}: unknown step ${String(step)}`);
      return { cas: cas as Record<string, RotationStep> };
    } catch (e) {
      throw new DeployError("inventory-invalid", `${this.rotationPath}: ${(e as Error).message}`, { field: "rotation", cause: e });
    }
  }

  /** Records the rotation's steps (CA ids sorted); no CA under rotation removes the file. */
  async writeRotation(r: RotationState): Promise<void> {
    if (Object.keys(r.cas).length === 0) {
      await rm(this.rotationPath, { force: true });
      return;
    }
    const sorted = Object.fromEntries(Object.entries(r.cas).sort(([a], [b]) => a.localeCompare(b)));
    await this.ensureFolders(false);
    await this.writeSecretFile(this.rotationPath, jsonText({ cas: sorted }));
  }

  // --- the edges ---

  /** A JSON file of the folder, its format checked; undefined when it does not exist. */
  private async readJson(path: string, field: string): Promise<object | undefined> {
    const text = await readFile(path, "utf8").catch((e: unknown) => {
      if (isMissing(e)) return undefined;
      throw e;
    });
    return text === undefined ? undefined : this.parseJson(path, text, field);
  }

  private parseJson(path: string, text: string, field: string): object {
    try {
      const o = JSON.parse(text) as unknown;
      checkFormat(path, o);
      return o as object;
    } catch (e) {
      if (e instanceof DeployError) throw e;
      throw new DeployError("inventory-invalid", `${path}: ${(e as Error).message}`, { field, cause: e });
    }
  }

  /** The folder (and `pki/` in it) exist and are 0700, however they were made before. */
  private async ensureFolders(withPki = true): Promise<void> {
    for (const d of withPki ? [this.dir, this.pkiDir] : [this.dir]) {
      await mkdir(d, { recursive: true, mode: 0o700 });
      if (((await stat(d)).mode & 0o777) !== 0o700) await chmod(d, 0o700);
    }
  }

  /** Temp file + rename, 0600 whatever the file's mode was. */
  private async writeSecretFile(path: string, text: string): Promise<void> {
    await writeFileAtomic(path, Buffer.from(text), 0o600, true);
  }
}
