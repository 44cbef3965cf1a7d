// The deploy state folder: made once, reused for good; a changed inventory
// re-issues only what changed, from the kept CAs; a CA is never replaced.
import { existsSync, readFileSync, unlinkSync, readdirSync, writeFileSync } from "node:fs";
import jsYaml from "js-yaml";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../harness/temp-dirs.js";
import { buildPlan, defaultInventory, loadOrCreateState, renderCluster, validateInventory, type Inventory } from "@k8s/deploy";
import { parseCertificatePem, verifySignature } from "@k8s/pki";

const stateDir = tempDirs("k8s-pki-state-");
const withVip = (inv: Inventory): Inventory => validateInventory({ ...inv, apiserver: { ...inv.apiserver, vip: "192.168.95.100" } });
const read = (dir: string, id: string): string => readFileSync(join(dir, "pki", `${id}.pem`), "utf8");

describe("loadOrCreateState", () => {
  it("makes everything once, then reuses it byte for byte", async () => {
    const dir = stateDir();
    const plan = buildPlan(defaultInventory());
    const first = await loadOrCreateState(plan, dir);
    expect(first.created).toBe(true);
    const second = await loadOrCreateState(plan, dir);
    expect(second.created).toBe(false);
    expect(second.issued).toEqual([]);
    for (const [id, m] of first.pki.items) expect(second.pki.items.get(id)).toEqual(m);
    expect([...second.secrets.tokens].map(([n, t]) => [n, t.value])).toEqual([...first.secrets.tokens].map(([n, t]) => [n, t.value]));
    expect(second.secrets.encryptionKey).toBe(first.secrets.encryptionKey);
  });

  it("a new API server address re-issues only the API server certificate, from the kept CA", async () => {
    const dir = stateDir();
    const first = await loadOrCreateState(buildPlan(defaultInventory()), dir);
    const caBefore = read(dir, "kubernetes-ca");
    const r = await loadOrCreateState(buildPlan(withVip(defaultInventory())), dir);
    expect(r.created).toBe(false);
    expect(r.issued).toEqual(["apiserver"]);
    expect(read(dir, "kubernetes-ca")).toBe(caBefore);
    const cert = parseCertificatePem(read(dir, "apiserver"));
    expect(cert.sans.ip.map((b) => [...b].join("."))).toContain("192.168.95.100");
    const ca = parseCertificatePem(caBefore);
    expect(verifySignature(cert.signatureAlgorithm, ca.spki, cert.tbs, cert.signature)).toBe(true);
    // Everything else is untouched.
    for (const [id, m] of first.pki.items) if (id !== "apiserver") expect(r.pki.items.get(id)).toEqual(m);
  });

  it("a new worker gets its certificates and token; existing nodes keep theirs", async () => {
    const dir = stateDir();
    const base = defaultInventory();
    const first = await loadOrCreateState(buildPlan(base), dir);
    const grown = validateInventory({ ...base, nodes: [...base.nodes, { name: "node4", address: "192.168.95.14", roles: ["worker"] }] });
    const r = await loadOrCreateState(buildPlan(grown), dir);
    expect(r.created).toBe(false);
    // Nothing that existed was re-issued: only what the new node needs can be new.
    for (const id of r.issued) expect(first.pki.items.has(id) ? `${id} changed` : id).toBe(id);
    for (const [id, m] of first.pki.items) expect(r.pki.items.get(id)).toEqual(m);
    for (const [n, t] of first.secrets.tokens) expect(r.secrets.tokens.get(n)?.value).toBe(t.value);
    expect(r.secrets.tokens.has("node4")).toBe(true);
  });

  it("a worker added days after the state was made gets a token valid from now; the others keep their own expiry", async () => {
    const dir = stateDir();
    const base = defaultInventory();
    const t0 = new Date("2026-11-28T08:00:00Z");
    const later = new Date("2026-12-02T08:00:00Z"); // four days on: a token counted from t0 expired three days ago
    await loadOrCreateState(buildPlan(base), dir, { now: () => t0 });
    const grown = validateInventory({ ...base, nodes: [...base.nodes, { name: "node4", address: "192.168.95.14", roles: ["worker"] }] });
    const plan = buildPlan(grown);
    const r = await loadOrCreateState(plan, dir, { now: () => later });
    const objects = renderCluster(plan, { pki: r.pki, secrets: r.secrets })
      .flatMap((n) => n.files)
      .find((f) => f.path.endsWith("/bootstrap-tokens.yaml"))!;
    const expiry = Object.fromEntries(
      jsYaml.loadAll((objects.content as Buffer).toString()).map((o) => {
        const d = (o as { stringData: { description: string; expiration: string } }).stringData;
        return [d.description.replace("kubelet bootstrap token of ", ""), d.expiration];
      }),
    );
    expect(expiry).toEqual({
      node1: "2026-11-29T08:00:00Z",
      node2: "2026-11-29T08:00:00Z",
      node3: "2026-11-29T08:00:00Z",
      node4: "2026-12-03T08:00:00Z",
    });
    // Kept so, and read back the same by the strict reader.
    const saved = JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8")) as { now: string; issued: Record<string, string> };
    expect(saved.now).toBe(t0.toISOString());
    expect(saved.issued).toEqual({ node1: t0.toISOString(), node2: t0.toISOString(), node3: t0.toISOString(), node4: later.toISOString() });
    const again = await loadOrCreateState(plan, dir, { now: () => new Date("2026-12-09T08:00:00Z") });
    expect(again.secrets.issued.get("node4")).toEqual(later);
  });

  it("a secrets.json from before per-token times still loads: every kept token counts from the state's time", async () => {
    const dir = stateDir();
    const plan = buildPlan(defaultInventory());
    const t0 = new Date("2026-11-28T08:00:00Z");
    await loadOrCreateState(plan, dir, { now: () => t0 });
    const path = join(dir, "secrets.json");
    const { issued: _dropped, ...old } = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify(old));
    const r = await loadOrCreateState(plan, dir, { now: () => new Date("2026-12-02T08:00:00Z") });
    expect([...r.secrets.issued.values()].map((d) => d.toISOString())).toEqual([t0.toISOString(), t0.toISOString(), t0.toISOString()]);
  });

  it("refuses to create a new CA in a state folder that lost one, and writes nothing", async () => {
    const dir = stateDir();
    await loadOrCreateState(buildPlan(defaultInventory()), dir);
    unlinkSync(join(dir, "pki", "etcd-ca.pem"));
    const before = readdirSync(join(dir, "pki")).sort();
    await expect(loadOrCreateState(buildPlan(defaultInventory()), dir)).rejects.toThrow(/refusing to create a new CA in an existing state/);
    expect(readdirSync(join(dir, "pki")).sort()).toEqual(before);
  });

  it("dryRun writes nothing: no folder for a new state, not a byte of a kept one, and says what it would write", async () => {
    const parent = stateDir();
    const dir = join(parent, "new-state");
    const plan = buildPlan(defaultInventory());
    const dry = await loadOrCreateState(plan, dir, { dryRun: true });
    expect(existsSync(dir)).toBe(false);
    expect(dry.created).toBe(true);
    expect(dry.wouldWrite).toContain(join(dir, "pki", "kubernetes-ca-key.pem"));
    expect(dry.wouldWrite).toContain(join(dir, "secrets.json"));
    expect(dry.wouldWrite).toHaveLength(plan.certs.length * 2 + 1);

    await loadOrCreateState(plan, dir);
    const snapshot = (): Record<string, string> => Object.fromEntries(readdirSync(dir, { recursive: true }).map(String).filter((f) => f.includes(".")).map((f) => [f, readFileSync(join(dir, f), "latin1")]));
    const before = snapshot();
    // A new API server address: a real run would re-issue the API server certificate.
    const vip = await loadOrCreateState(buildPlan(withVip(defaultInventory())), dir, { dryRun: true });
    expect(vip.issued).toContain("apiserver");
    expect(vip.wouldWrite).toEqual(expect.arrayContaining([join(dir, "pki", "apiserver.pem")]));
    expect(snapshot()).toEqual(before);
    const same = await loadOrCreateState(plan, dir, { dryRun: true });
    expect(same.wouldWrite).toEqual([]);
  });
});
