import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../harness/temp-dirs.js";
import { run } from "@k8s/cli";
import { parseCertificatePem, parsePrivateKeyPem, verifySignature } from "@k8s/pki";

const demoDir = tempDirs("k8s-pki-demo-");

async function demo(cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await run(["demo", "-out", "pki"], {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    readStdin: async () => Buffer.alloc(0),
    env: {},
    cwd,
    now: () => new Date(),
  });
  return { code, out, err };
}

describe("k8s-pki demo (the Quick start's main job)", () => {
  it("makes a CA and an API server certificate it signed, keys 0600, and reuses the CA on a second run", async () => {
    const cwd = demoDir();
    const first = await demo(cwd);
    expect(first.code, first.err).toBe(0);
    const dir = join(cwd, "pki");
    const ca = parseCertificatePem(readFileSync(join(dir, "ca.pem")));
    const leafPem = readFileSync(join(dir, "kubernetes.pem"), "utf8");
    const leaf = parseCertificatePem(leafPem);
    expect(ca.basicConstraints?.isCa).toBe(true);
    expect(leaf.issuer.raw.equals(ca.subject.raw)).toBe(true);
    expect(verifySignature(leaf.signatureAlgorithm, ca.spki, leaf.tbs, leaf.signature)).toBe(true);
    expect(leaf.sans.dns).toContain("kubernetes.default.svc.cluster.local");
    expect(parsePrivateKeyPem(readFileSync(join(dir, "kubernetes-key.pem"))).spki.equals(leaf.spki)).toBe(true);
    for (const k of ["ca-key.pem", "kubernetes-key.pem"]) expect(statSync(join(dir, k)).mode & 0o777).toBe(0o600);

    const caKey = readFileSync(join(dir, "ca-key.pem"), "utf8");
    const second = await demo(cwd);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toContain("reusing the CA");
    expect(readFileSync(join(dir, "ca-key.pem"), "utf8")).toBe(caKey);
    const leaf2 = parseCertificatePem(readFileSync(join(dir, "kubernetes.pem")));
    expect(leaf2.serialNumber).not.toBe(leaf.serialNumber);
    expect(verifySignature(leaf2.signatureAlgorithm, ca.spki, leaf2.tbs, leaf2.signature)).toBe(true);
  });

  it("renders the built-in three-node cluster from a kept PKI, and the same CA on a second run", async () => {
    const cwd = demoDir();
    const first = await demo(cwd);
    expect(first.code, first.err).toBe(0);
    const dir = join(cwd, "pki");
    expect(first.out).toContain(`made the cluster's PKI in ${join(dir, "cluster-state")}`);
    const plan = readFileSync(join(dir, "cluster-plan.txt"), "utf8");
    expect(plan).toMatch(/^# k8s-pki deploy plan: cluster kubernetes, 3 nodes/);
    const caPath = (node: string): string => join(dir, "cluster", node, "etc/kubernetes/pki/ca.pem");
    const clusterCa = readFileSync(caPath("node1"), "utf8");
    expect(readFileSync(join(dir, "cluster-state/pki/kubernetes-ca.pem"), "utf8")).toBe(clusterCa);
    for (const node of ["node2", "node3"]) expect(readFileSync(caPath(node), "utf8")).toBe(clusterCa);
    const apiserver = parseCertificatePem(readFileSync(join(dir, "cluster/node2/etc/kubernetes/pki/apiserver.pem")));
    const caCert = parseCertificatePem(clusterCa);
    expect(verifySignature(apiserver.signatureAlgorithm, caCert.spki, apiserver.tbs, apiserver.signature)).toBe(true);
    expect(statSync(join(dir, "cluster/node1/etc/kubernetes/pki/ca-key.pem")).mode & 0o777).toBe(0o600);

    const second = await demo(cwd);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toContain("reused the cluster's PKI");
    expect(readFileSync(caPath("node1"), "utf8")).toBe(clusterCa);
  });
});
