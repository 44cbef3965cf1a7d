// StateStore: the one owner of a deploy state folder. Round trips of every
// kind of file, the `format` field (old files read and upgraded, newer ones
// refused), modes on every write, the foreign-PKI and CA-key refusals, and
// no temp file left behind by a failed write.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDirs } from "../../harness/temp-dirs.js";
import { buildPlan, defaultInventory, loadKeptPki, loadOrCreateState, loadState, readRotation, renewBootstrapTokens, type PkiMaterial } from "@k8s/deploy";
import { buildPki } from "../../../packages/deploy/src/pki-build.js";
import { STATE_FORMAT, StateStore, stateFileName, type RotationState, type SecretsRecord, type StateFileKind } from "../../../packages/deploy/src/state/store.js";

const stateDir = tempDirs("k8s-pki-store-");
const plan = buildPlan(defaultInventory());
let items: Map<string, PkiMaterial>;
let otherCa: PkiMaterial;
beforeAll(async () => {
  items = (await buildPki(plan)).items;
  // A second PKI of the same plan: another kubernetes-ca, same subject, another key.
  otherCa = (await buildPki(plan)).items.get("kubernetes-ca")!;
});
const item = (id: string): PkiMaterial => items.get(id)!;
const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);
const secrets: SecretsRecord = { encryptionKey: "a2V5", tokens: { node1: "abcdef.0123456789abcdef" }, now: "2026-01-01T00:00:00.000Z" };
const rotation: RotationState = { cas: { "kubernetes-ca": "trust-both", "etcd-ca": "reissued" } };
/** Files of a folder, recursively, with no temp file of writeFileAtomic among them. */
const tempFiles = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".tmp"));

describe("stateFileName", () => {
  it.each<{ id: string; kind: StateFileKind; name: string }>([
    { id: "kubernetes-ca", kind: "cert", name: "kubernetes-ca.pem" },
    { id: "kubernetes-ca", kind: "key", name: "kubernetes-ca-key.pem" },
    { id: "kubernetes-ca", kind: "next-cert", name: "kubernetes-ca.next.pem" },
    { id: "kubernetes-ca", kind: "next-key", name: "kubernetes-ca.next-key.pem" },
    { id: "kubernetes-ca", kind: "previous", name: "kubernetes-ca.previous.pem" },
    { id: "system:node:n1/x y", kind: "cert", name: "system_node_n1_x_y.pem" },
    { id: "kubelet-node1.v2", kind: "key", name: "kubelet-node1.v2-key.pem" },
  ])("names $kind of $id $name", ({ id, kind, name }) => {
    expect(stateFileName(id, kind)).toBe(name);
  });
});

describe("StateStore round trips", () => {
  it.each<{ name: string; write: (s: StateStore) => Promise<void>; read: (s: StateStore) => Promise<unknown>; expected: () => unknown; files: string[] }>([
    {
      name: "a certificate and its key",
      write: (s) => s.writeItems([["apiserver", item("apiserver")]]),
      read: (s) => s.readKept(["apiserver", "admin"], "apply"),
      expected: () => new Map([["apiserver", item("apiserver")]]),
      files: ["pki/apiserver.pem", "pki/apiserver-key.pem"],
    },
    {
      name: "every item of a plan, read strictly",
      write: (s) => s.writeItems([...items]),
      read: (s) => s.readAll(plan.certs.map((c) => c.id)),
      expected: () => items,
      files: ["pki/sa.pem", "pki/sa-key.pem", "pki/kubernetes-ca-key.pem"],
    },
    {
      name: "a rotation's next CA",
      write: (s) => s.writeNext("kubernetes-ca", otherCa),
      read: (s) => s.readNext("kubernetes-ca"),
      expected: () => otherCa,
      files: ["pki/kubernetes-ca.next.pem", "pki/kubernetes-ca.next-key.pem"],
    },
    {
      name: "a retired CA's certificate",
      write: (s) => s.writePrevious("kubernetes-ca", item("kubernetes-ca").cert),
      read: async (s) => [await s.hasPrevious("kubernetes-ca"), readFileSync(s.pathOf("kubernetes-ca", "previous"), "utf8")],
      expected: () => [true, item("kubernetes-ca").cert],
      files: ["pki/kubernetes-ca.previous.pem"],
    },
    { name: "the secrets", write: (s) => s.writeSecrets(secrets), read: (s) => s.readSecrets(), expected: () => ({ format: STATE_FORMAT, ...secrets }), files: ["secrets.json"] },
    { name: "the rotation record", write: (s) => s.writeRotation(rotation), read: (s) => s.readRotation(), expected: () => rotation, files: ["rotation.json"] },
  ])("$name", async ({ write, read, expected, files }) => {
    const s = new StateStore(join(stateDir(), "state"));
    await write(s);
    expect(await read(s)).toEqual(expected());
    for (const f of files) expect(existsSync(join(s.dir, f)), f).toBe(true);
  });

  it("writes the JSON files with the format first, sorted CA ids, and a final newline", async () => {
    const s = new StateStore(stateDir());
    await s.writeSecrets(secrets);
    await s.writeRotation(rotation);
    expect(readFileSync(s.secretsPath, "utf8")).toBe(
      `{\n  "format": 1,\n  "encryptionKey": "a2V5",\n  "tokens": {\n    "node1": "abcdef.0123456789abcdef"\n  },\n  "now": "2026-01-01T00:00:00.000Z"\n}\n`,
    );
    expect(readFileSync(s.rotationPath, "utf8")).toBe(`{\n  "format": 1,\n  "cas": {\n    "etcd-ca": "reissued",\n    "kubernetes-ca": "trust-both"\n  }\n}\n`);
  });

  it("an empty rotation removes rotation.json; a missing one reads as no rotation, a missing folder as an empty state", async () => {
    const s = new StateStore(stateDir());
    await s.writeRotation(rotation);
    await s.writeRotation({ cas: {} });
    expect(existsSync(s.rotationPath)).toBe(false);
    expect(await s.readRotation()).toEqual({ cas: {} });
    expect(await s.readSecrets()).toBeUndefined();
    expect((await s.readKept(["apiserver"], "inspect")).size).toBe(0);
  });
});

describe("format versions", () => {
  // What k8s-pki wrote before the field existed.
  const oldFiles = [
    { name: "secrets.json", text: JSON.stringify({ encryptionKey: "a2V5", tokens: { node1: "abcdef.0123456789abcdef" }, now: "2026-01-01T00:00:00.000Z" }, null, 2) + "\n" },
    { name: "rotation.json", text: JSON.stringify({ cas: { "etcd-ca": "reissued", "kubernetes-ca": "trust-both" } }, null, 2) + "\n" },
  ];

  it.each(oldFiles)("reads an old $name without format and writes it back in the current format", async ({ name, text }) => {
    const s = new StateStore(stateDir());
    writeFileSync(join(s.dir, name), text);
    if (name === "secrets.json") {
      expect(await s.readSecrets()).toMatchObject(secrets);
      await s.writeSecrets((await s.readSecrets())!);
    } else {
      expect(await s.readRotation()).toEqual(rotation);
      await s.writeRotation(await s.readRotation());
    }
    const upgraded = JSON.parse(readFileSync(join(s.dir, name), "utf8")) as Record<string, unknown>;
    expect(upgraded.format).toBe(STATE_FORMAT);
    expect({ ...upgraded, format: undefined }).toEqual({ ...(JSON.parse(text) as object), format: undefined });
  });

  it("apply upgrades an old secrets.json with the same values (a dry run says it would)", async () => {
    const dir = stateDir();
    const first = await loadOrCreateState(plan, dir);
    const f = JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8")) as Record<string, unknown>;
    delete f.format;
    writeFileSync(join(dir, "secrets.json"), JSON.stringify(f, null, 2) + "\n");
    expect((await loadOrCreateState(plan, dir, { dryRun: true })).wouldWrite).toEqual([join(dir, "secrets.json")]);
    const again = await loadOrCreateState(plan, dir);
    expect(again.secrets.encryptionKey).toBe(first.secrets.encryptionKey);
    expect(JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8"))).toEqual({ format: 1, ...f });
    expect((await loadOrCreateState(plan, dir, { dryRun: true })).wouldWrite).toEqual([]);
  });

  it.each([
    { name: "secrets.json", read: (s: StateStore) => s.readSecrets() },
    { name: "secrets.json", read: (s: StateStore) => s.requireSecrets() },
    { name: "secrets.json", read: (s: StateStore) => loadOrCreateState(plan, s.dir) },
    { name: "secrets.json", read: (s: StateStore) => renewBootstrapTokens(plan, s.dir) },
    { name: "rotation.json", read: (s: StateStore) => s.readRotation() },
    { name: "rotation.json", read: (s: StateStore) => readRotation(s.dir) },
    { name: "rotation.json", read: (s: StateStore) => loadKeptPki(plan, s.dir) },
  ])("refuses a $name of a newer format, naming the file and both versions", async ({ name, read }) => {
    const dir = stateDir();
    await loadOrCreateState(plan, dir);
    const path = join(dir, name);
    const body = name === "secrets.json" ? JSON.parse(readFileSync(path, "utf8")) : { cas: { "kubernetes-ca": "trust-both" } };
    writeFileSync(path, JSON.stringify({ ...body, format: STATE_FORMAT + 2 }));
    const before = readFileSync(path, "utf8");
    await expect(read(new StateStore(dir))).rejects.toMatchObject({
      name: "DeployError",
      code: "inventory-invalid",
      message: `${path} has format ${STATE_FORMAT + 2}; this k8s-pki reads up to ${STATE_FORMAT}: upgrade k8s-pki`,
    });
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  it.each([{ format: 0 }, { format: "1" }, { format: 1.5 }, { format: null }])("refuses a format that is not a positive integer: $format", async ({ format }) => {
    const s = new StateStore(stateDir());
    writeFileSync(s.secretsPath, JSON.stringify({ ...secrets, format }));
    await expect(s.readSecrets()).rejects.toMatchObject({ code: "inventory-invalid", message: expect.stringContaining(`${s.secretsPath}: format must be a positive integer`) });
  });
});

describe("modes", () => {
  const writes: { name: string; file: string; write: (s: StateStore) => Promise<void> }[] = [
    { name: "a leaf", file: "pki/apiserver.pem", write: (s) => s.writeItems([["apiserver", item("apiserver")]]) },
    { name: "a leaf's key", file: "pki/apiserver-key.pem", write: (s) => s.writeItems([["apiserver", item("apiserver")]]) },
    { name: "a next CA", file: "pki/kubernetes-ca.next.pem", write: (s) => s.writeNext("kubernetes-ca", otherCa) },
    { name: "a next CA's key", file: "pki/kubernetes-ca.next-key.pem", write: (s) => s.writeNext("kubernetes-ca", otherCa) },
    { name: "a previous CA", file: "pki/kubernetes-ca.previous.pem", write: (s) => s.writePrevious("kubernetes-ca", otherCa.cert) },
    { name: "the secrets", file: "secrets.json", write: (s) => s.writeSecrets(secrets) },
    { name: "the rotation record", file: "rotation.json", write: (s) => s.writeRotation(rotation) },
  ];

  it.each(writes)("writes $name 0600 in 0700 folders it makes", async ({ file, write }) => {
    const s = new StateStore(join(stateDir(), "a", "state"));
    await write(s);
    expect(mode(join(s.dir, file))).toBe("600");
    expect(mode(s.dir)).toBe("700");
    if (file.startsWith("pki/")) expect(mode(s.pkiDir)).toBe("700");
  });

  it.each(writes)("tightens $name and its folders when they existed with looser modes", async ({ file, write }) => {
    const s = new StateStore(stateDir());
    mkdirSync(s.pkiDir, { recursive: true });
    chmodSync(s.dir, 0o755);
    chmodSync(s.pkiDir, 0o777);
    writeFileSync(join(s.dir, file), "old", { mode: 0o644 });
    chmodSync(join(s.dir, file), 0o666);
    await write(s);
    expect(mode(join(s.dir, file))).toBe("600");
    expect(mode(s.dir)).toBe("700");
    if (file.startsWith("pki/")) expect(mode(s.pkiDir)).toBe("700");
  });

  it("loadOrCreateState leaves every file of a new state 0600 and its folders 0700", async () => {
    const dir = join(stateDir(), "state");
    await loadOrCreateState(plan, dir);
    expect(mode(dir)).toBe("700");
    expect(mode(join(dir, "pki"))).toBe("700");
    const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.includes("."));
    expect(files.length).toBe(plan.certs.length * 2 + 1);
    for (const f of files) expect([f, mode(join(dir, f))]).toEqual([f, "600"]);
  });
});

describe("foreign PKI", () => {
  it.each([
    { name: "the store, for apply", read: (dir: string) => new StateStore(dir).readKept(["kubernetes-ca"], "apply"), tail: "refusing to create new CAs there (use an empty state folder)" },
    { name: "the store, for inspection", read: (dir: string) => new StateStore(dir).readKept(["kubernetes-ca"], "inspect"), tail: "apply would refuse to create new CAs there" },
    { name: "loadOrCreateState", read: (dir: string) => loadOrCreateState(plan, dir), tail: "refusing to create new CAs there (use an empty state folder)" },
    { name: "loadKeptPki", read: (dir: string) => loadKeptPki(plan, dir), tail: "apply would refuse to create new CAs there" },
  ])("$name refuses a pki folder holding none of the plan's files, and nothing is written", async ({ read, tail }) => {
    const dir = stateDir();
    mkdirSync(join(dir, "pki"));
    writeFileSync(join(dir, "pki", "ca.pem"), "x");
    writeFileSync(join(dir, "pki", "ca-key.pem"), "y");
    await expect(read(dir)).rejects.toMatchObject({ code: "inventory-invalid", message: `${join(dir, "pki")} holds a PKI that does not match this inventory; ${tail}` });
    expect(readdirSync(dir, { recursive: true }).map(String).sort()).toEqual(["pki", "pki/ca-key.pem", "pki/ca.pem"]);
  });

  it("counts an id only when both its certificate and key are there", async () => {
    const s = new StateStore(stateDir());
    await s.writeItems([["apiserver", item("apiserver")], ["admin", item("admin")]]);
    rmSync(s.pathOf("admin", "key"));
    expect([...(await s.readKept(["apiserver", "admin"], "apply")).keys()]).toEqual(["apiserver"]);
    await expect(s.readAll(["apiserver", "admin"])).rejects.toMatchObject({ message: `${s.pkiDir}: no admin (the inventory changed?)` });
    await expect(loadState(plan, s.dir)).rejects.toMatchObject({ code: "inventory-invalid" });
  });

  it("a state that was never made is a DeployError naming the folder, not a bare ENOENT", async () => {
    const dir = join(stateDir(), "never-made");
    await expect(loadState(plan, dir)).rejects.toMatchObject({ name: "DeployError", code: "inventory-invalid", field: "state", message: `no deploy state in ${dir} (${join(dir, "pki")} is missing; deploy apply makes it)` });
    expect(existsSync(dir)).toBe(false);
  });
});

describe("CA keys", () => {
  it.each<{ name: string; id: string; next: () => PkiMaterial; replaceCaKey?: boolean; refused: boolean }>([
    { name: "a CA's key by another key", id: "kubernetes-ca", next: () => otherCa, refused: true },
    { name: "a CA's key by another key, asked for (a rotation's finish)", id: "kubernetes-ca", next: () => otherCa, replaceCaKey: true, refused: false },
    { name: "a CA's key by the same key in other bytes", id: "kubernetes-ca", next: () => ({ ...item("kubernetes-ca"), key: item("kubernetes-ca").key.replace(/\n$/, "\n\n") }), refused: false },
    { name: "a leaf's key", id: "apiserver", next: () => ({ cert: item("admin").cert, key: item("admin").key }), refused: false },
    { name: "a key pair", id: "sa", next: () => item("admin"), refused: false },
  ])("replacing $name: refused $refused", async ({ id, next, replaceCaKey, refused }) => {
    const s = new StateStore(stateDir());
    await s.writeItems([[id, item(id)]]);
    const write = s.writeItems([[id, next()]], replaceCaKey === undefined ? {} : { replaceCaKey });
    if (refused) {
      await expect(write).rejects.toMatchObject({ code: "inventory-invalid", message: expect.stringContaining(`refusing to replace ${s.pathOf(id, "key")}`) });
      expect(await s.readKept([id], "apply")).toEqual(new Map([[id, item(id)]]));
    } else {
      await write;
      expect(await s.readKept([id], "apply")).toEqual(new Map([[id, next()]]));
    }
  });
});

describe("failed writes", () => {
  // The target is a folder: the rename at the end of the atomic write fails.
  it.each<{ name: string; target: string; write: (s: StateStore) => Promise<void> }>([
    { name: "a certificate", target: "pki/apiserver.pem", write: (s) => s.writeItems([["apiserver", item("apiserver")]]) },
    { name: "a key", target: "pki/apiserver-key.pem", write: (s) => s.writeItems([["apiserver", item("apiserver")]]) },
    { name: "a next CA", target: "pki/kubernetes-ca.next.pem", write: (s) => s.writeNext("kubernetes-ca", otherCa) },
    { name: "a previous CA", target: "pki/kubernetes-ca.previous.pem", write: (s) => s.writePrevious("kubernetes-ca", otherCa.cert) },
    { name: "the secrets", target: "secrets.json", write: (s) => s.writeSecrets(secrets) },
    { name: "the rotation record", target: "rotation.json", write: (s) => s.writeRotation(rotation) },
  ])("leave no temp file behind: $name", async ({ target, write }) => {
    const s = new StateStore(stateDir());
    mkdirSync(join(s.dir, target, "in-the-way"), { recursive: true });
    await expect(write(s)).rejects.toThrow();
    expect(tempFiles(s.dir)).toEqual([]);
  });
});
