// CA rotation of a deploy state: start (trust both), reissue (the new CA
// signs every leaf), finish (the old CA is trusted by nobody). Checked on the
// state and on what render puts on the nodes at each step.
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../harness/temp-dirs.js";
import {
  buildPlan,
  defaultInventory,
  finishCaRotation,
  loadOrCreateState,
  loadState,
  readRotation,
  reissueCaRotation,
  renderCluster,
  renewBootstrapTokens,
  startCaRotation,
  validateInventory,
  type Plan,
  type RenderedNode,
} from "@k8s/deploy";
import { certIds } from "../../packages/deploy/src/plan.js";
import { leavesOfRetiringCas, retiringCas } from "../../packages/deploy/src/ca-rotation.js";

const stateDir = tempDirs("k8s-pki-rotate-");

/** Every certificate of a PEM bundle, in order. */
const bundle = (pem: string): X509Certificate[] => (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b));
const fileOf = (node: RenderedNode, path: string): string => {
  const f = node.files.find((x) => x.path === path);
  if (!f || !Buffer.isBuffer(f.content)) throw new Error(`no rendered ${path} on ${node.name}`);
  return f.content.toString("utf8");
};
const kubeconfigCa = (text: string): X509Certificate[] => bundle(Buffer.from(/certificate-authority-data: (\S+)/.exec(text)![1]!, "base64").toString("utf8"));

async function render(plan: Plan, dir: string): Promise<{ nodes: RenderedNode[]; issued: string[] }> {
  const st = await loadOrCreateState(plan, dir);
  return { nodes: renderCluster(plan, { pki: st.pki, secrets: st.secrets }), issued: st.issued };
}

const leaves = (plan: Plan): string[] => plan.certs.filter((c) => c.kind === "cert").map((c) => c.id).sort();

describe("CA rotation", () => {
  it("start trusts both CAs with the old one signing; reissue signs every leaf with the new one; finish trusts only the new one", async () => {
    const dir = stateDir();
    const plan = buildPlan(defaultInventory());
    const ids = certIds(plan);
    const first = await render(plan, dir);
    const node1 = (nodes: RenderedNode[]): RenderedNode => nodes.find((n) => n.name === "node1")!;
    const caPath = plan.paths.certPath(ids.mainCa);
    const caKeyPath = plan.paths.keyPath(ids.mainCa);
    const apiserverPath = plan.paths.certPath(ids.apiserver);
    const oldCa = bundle(fileOf(node1(first.nodes), caPath));
    expect(oldCa).toHaveLength(1);
    const oldApiserver = fileOf(node1(first.nodes), apiserverPath);

    const started = await startCaRotation(plan, dir);
    expect(started.sort()).toEqual(plan.certs.filter((c) => c.kind === "ca").map((c) => c.id).sort());
    expect(await readRotation(dir)).toEqual({ cas: Object.fromEntries(started.sort().map((id) => [id, "trust-both"])) });

    // Step 1: trust files and kubeconfigs carry old then new; no leaf changes; the signing key is still the old one.
    const s1 = await render(plan, dir);
    expect(s1.issued).toEqual([]);
    const trust1 = bundle(fileOf(node1(s1.nodes), caPath));
    expect(trust1.map((c) => c.fingerprint256)).toHaveLength(2);
    expect(trust1[0]!.fingerprint256).toBe(oldCa[0]!.fingerprint256);
    const newCa = trust1[1]!;
    expect(newCa.subject).toBe(oldCa[0]!.subject);
    expect(fileOf(node1(s1.nodes), apiserverPath)).toBe(oldApiserver);
    const admin1 = kubeconfigCa(fileOf(node1(s1.nodes), plan.paths.kubeconfig.admin));
    expect(admin1.map((c) => c.fingerprint256)).toEqual(trust1.map((c) => c.fingerprint256));
    // kube-controller-manager's signing certificate file must hold exactly one certificate (its signer refuses
    // a bundle: "expected 1 certificate, found 2"), the one of its key, the first of the trust bundle.
    const signingPath = plan.paths.signingCertPath(ids.mainCa);
    const keyMatches = (nodes: RenderedNode[]): boolean => {
      const signing = bundle(fileOf(node1(nodes), signingPath));
      expect(signing).toHaveLength(1);
      expect(signing[0]!.fingerprint256).toBe(bundle(fileOf(node1(nodes), caPath))[0]!.fingerprint256);
      return createPublicKey(createPrivateKey(fileOf(node1(nodes), caKeyPath))).export({ type: "spki", format: "der" }).equals(signing[0]!.publicKey.export({ type: "spki", format: "der" }));
    };
    expect(keyMatches(first.nodes)).toBe(true);
    expect(keyMatches(s1.nodes)).toBe(true);
    expect(bundle(fileOf(node1(s1.nodes), plan.paths.certPath(ids.etcdCa)))).toHaveLength(2);
    // Workers get the bundle too, never a CA key.
    await expect(startCaRotation(plan, dir)).rejects.toMatchObject({ code: "inventory-invalid", message: expect.stringContaining("already under way") });
    await expect(finishCaRotation(dir)).rejects.toMatchObject({ message: expect.stringContaining("rotate-ca reissue") });

    // Step 2: every leaf re-issued by the new CA, new CA first in the trust files and signing.
    expect(await reissueCaRotation(dir)).toEqual(started);
    const s2 = await render(plan, dir);
    expect(s2.issued).toEqual(leaves(plan));
    const trust2 = bundle(fileOf(node1(s2.nodes), caPath));
    expect(trust2.map((c) => c.fingerprint256)).toEqual([newCa.fingerprint256, oldCa[0]!.fingerprint256]);
    expect(keyMatches(s2.nodes)).toBe(true);
    const apiserver2 = new X509Certificate(fileOf(node1(s2.nodes), apiserverPath));
    expect(apiserver2.verify(newCa.publicKey)).toBe(true);
    expect(apiserver2.verify(oldCa[0]!.publicKey)).toBe(false);
    expect(apiserver2.subjectAltName).toBe(new X509Certificate(oldApiserver).subjectAltName);
    // A second render in the same step changes nothing.
    const s2b = await render(plan, dir);
    expect(s2b.issued).toEqual([]);
    expect(fileOf(node1(s2b.nodes), apiserverPath)).toBe(apiserver2.toString());
    // verify and the CLI read the same state.
    const loaded = await loadState(plan, dir);
    expect(loaded.pki.trust?.get(ids.mainCa)).toBe(fileOf(node1(s2.nodes), caPath));

    // Step 3: only the new CA; leaves stay; the old CA's certificate is kept for the record, its key is gone.
    expect(await finishCaRotation(dir)).toEqual(started);
    const s3 = await render(plan, dir);
    expect(s3.issued).toEqual([]);
    expect(bundle(fileOf(node1(s3.nodes), caPath)).map((c) => c.fingerprint256)).toEqual([newCa.fingerprint256]);
    expect(kubeconfigCa(fileOf(node1(s3.nodes), plan.paths.kubeconfig.admin)).map((c) => c.fingerprint256)).toEqual([newCa.fingerprint256]);
    expect(fileOf(node1(s3.nodes), apiserverPath)).toBe(apiserver2.toString());
    expect(keyMatches(s3.nodes)).toBe(true);
    const files = readdirSync(join(dir, "pki"));
    expect(files.filter((f) => f.includes(".next"))).toEqual([]);
    expect(files).toContain("kubernetes-ca.previous.pem");
    expect(files.filter((f) => f.includes(".previous-key"))).toEqual([]);
    expect(new X509Certificate(readFileSync(join(dir, "pki", "kubernetes-ca.previous.pem"))).fingerprint256).toBe(oldCa[0]!.fingerprint256);
    expect(existsSync(join(dir, "rotation.json"))).toBe(false);
    await expect(reissueCaRotation(dir)).rejects.toMatchObject({ message: expect.stringContaining("no CA rotation") });
  });

  it("rotates only the CAs asked for; the others' leaves stay", async () => {
    const dir = stateDir();
    const plan = buildPlan(defaultInventory());
    await render(plan, dir);
    await startCaRotation(plan, dir, { cas: ["front-proxy-ca"] });
    await reissueCaRotation(dir);
    const s = await render(plan, dir);
    expect(s.issued).toEqual(plan.certs.filter((c) => c.ca === "front-proxy-ca").map((c) => c.id).sort());
    await expect(startCaRotation(plan, stateDir(), { cas: ["nope"] })).rejects.toMatchObject({ message: expect.stringContaining('no CA "nope"') });
  });

  it("refuses to start on a state that was never applied", async () => {
    await expect(startCaRotation(buildPlan(defaultInventory()), stateDir())).rejects.toMatchObject({ code: "inventory-invalid", message: expect.stringContaining("apply once first") });
  });

  it("a finish interrupted after replacing the CA files can run again and keeps the old CA's record", async () => {
    const dir = stateDir();
    const plan = buildPlan(defaultInventory());
    await render(plan, dir);
    const oldFp = new X509Certificate(readFileSync(join(dir, "pki", "kubernetes-ca.pem"))).fingerprint256;
    await startCaRotation(plan, dir, { cas: ["kubernetes-ca"] });
    await reissueCaRotation(dir);
    await render(plan, dir);
    await finishCaRotation(dir);
    // Simulate the crash: rotation.json and the .next files back as they were before the final removals.
    const cur = readFileSync(join(dir, "pki", "kubernetes-ca.pem"), "utf8");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "pki", "kubernetes-ca.next.pem"), cur);
    writeFileSync(join(dir, "pki", "kubernetes-ca.next-key.pem"), readFileSync(join(dir, "pki", "kubernetes-ca-key.pem")));
    writeFileSync(join(dir, "rotation.json"), JSON.stringify({ cas: { "kubernetes-ca": "reissued" } }));
    await finishCaRotation(dir);
    expect(new X509Certificate(readFileSync(join(dir, "pki", "kubernetes-ca.previous.pem"))).fingerprint256).toBe(oldFp);
    expect((await render(plan, dir)).issued).toEqual([]);
  });

  it("leavesOfRetiringCas names the leaves only the retiring CA signed, never a CA certificate", async () => {
    const dir = stateDir();
    const plan = buildPlan(defaultInventory());
    const before = await render(plan, dir);
    const oldApiserver = fileOf(before.nodes[0]!, plan.paths.certPath("apiserver"));
    await startCaRotation(plan, dir, { cas: ["kubernetes-ca"] });
    await reissueCaRotation(dir);
    const after = await render(plan, dir);
    const retiring = await retiringCas(dir);
    expect([...retiring.keys()]).toEqual(["kubernetes-ca"]);
    const der = (pem: string): Uint8Array => new X509Certificate(pem).raw;
    const trust = bundle(fileOf(after.nodes[0]!, plan.paths.certPath("kubernetes-ca")));
    const certs = [
      { name: "old apiserver", der: der(oldApiserver) },
      { name: "new apiserver", der: der(fileOf(after.nodes[0]!, plan.paths.certPath("apiserver"))) },
      { name: "old CA in the bundle", der: trust[1]!.raw },
      { name: "new CA in the bundle", der: trust[0]!.raw },
      { name: "etcd leaf (another CA)", der: der(fileOf(after.nodes[0]!, plan.paths.certPath(certIds(plan).apiserverEtcdClient))) },
    ];
    expect(leavesOfRetiringCas(certs, [...retiring.values()])).toEqual(["old apiserver"]);
    // Before reissue nothing is retiring yet.
    expect(await retiringCas(stateDir())).toEqual(new Map());
  });

  it("renewBootstrapTokens gives every worker a new token from now on", async () => {
    const dir = stateDir();
    const plan = buildPlan(validateInventory({ ...defaultInventory() }));
    const before = await loadOrCreateState(plan, dir, { now: () => new Date("2026-01-01T00:00:00Z") });
    const names = await renewBootstrapTokens(plan, dir, { now: () => new Date("2026-06-01T00:00:00Z") });
    expect(names.sort()).toEqual([...before.secrets.tokens.keys()].sort());
    const after = await loadState(plan, dir);
    expect(after.secrets.now.toISOString()).toBe("2026-06-01T00:00:00.000Z");
    for (const n of names) expect(after.secrets.tokens.get(n)!.value).not.toBe(before.secrets.tokens.get(n)!.value);
    expect(after.secrets.encryptionKey).toBe(before.secrets.encryptionKey);
  });
});
