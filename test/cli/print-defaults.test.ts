// Sample files from the tool itself (issue #14): an annotated inventory that
// deploy plan accepts unchanged, and a ca-config.json with the classic
// `kubernetes` profile that the real cfssl signs with; cfssl's own
// print-defaults stay byte-identical to cfssl's.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import jsYaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { run, type CliIo } from "@k8s/cli";
import { ANNOTATED_INVENTORY_YAML, defaultInventory, parseInventory } from "@k8s/deploy";
import { both, cfssl, cfssljson, k8sPki, outputJson } from "../helpers/exec.js";
import { tempDirs } from "../harness/temp-dirs.js";

const dirs = tempDirs("k8s-pki-samples-");

async function cli(argv: string[], cwd = process.cwd()): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), readStdin: async () => Buffer.alloc(0), env: {}, cwd, now: () => new Date() };
  const code = await run(argv, io);
  return { code, out, err };
}

/** The extended key usages openssl reads from a certificate. */
const ekus = (pem: string): string => execFileSync("openssl", ["x509", "-noout", "-ext", "extendedKeyUsage"], { input: pem, encoding: "utf8" });

describe("k8s-pki deploy print-defaults inventory", () => {
  it("is an inventory deploy plan accepts unchanged, planning exactly the built-in cluster", async () => {
    const dir = dirs();
    const sample = await cli(["deploy", "print-defaults", "inventory"]);
    expect(sample.code, sample.err).toBe(0);
    expect(sample.out).toBe(ANNOTATED_INVENTORY_YAML);
    writeFileSync(join(dir, "cluster.yaml"), sample.out);
    for (const extra of [[], ["-o", "json"]]) {
      const fromSample = await cli(["deploy", "plan", "--inventory", "cluster.yaml", ...extra], dir);
      const builtIn = await cli(["deploy", "plan", ...extra], dir);
      expect(fromSample.code, fromSample.err).toBe(0);
      expect(fromSample.out).toBe(builtIn.out);
    }
  });

  it("spells out every field with its default and a comment, rather than relying on defaults", () => {
    expect(parseInventory(ANNOTATED_INVENTORY_YAML)).toEqual(defaultInventory());
    const raw = jsYaml.load(ANNOTATED_INVENTORY_YAML) as Record<string, unknown>;
    const inv = defaultInventory();
    expect(Object.keys(raw).sort()).toEqual(Object.keys(inv).sort());
    for (const [k, v] of Object.entries(inv)) {
      if (typeof v === "object" && !Array.isArray(v)) expect(Object.keys(raw[k] as object).sort(), k).toEqual(Object.keys(v).sort());
      // Each top-level field is in a paragraph that starts with a comment saying what it is.
      const paragraph = ANNOTATED_INVENTORY_YAML.split("\n\n").find((para) => new RegExp(`^${k}:`, "m").test(para));
      expect(paragraph, k).toMatch(/^# \S/);
    }
    // The optional API server fields are shown, commented out.
    for (const k of ["vip", "lbName", "extraSans"]) expect(ANNOTATED_INVENTORY_YAML).toMatch(new RegExp(`^  # ${k}: `, "m"));
  });
});

describe("k8s-pki deploy print-defaults ca-config", () => {
  it("is a ca-config.json whose kubernetes profile the real cfssl and k8s-pki sign with (server and client auth)", async () => {
    const dir = dirs();
    const sample = await cli(["deploy", "print-defaults", "ca-config"]);
    expect(sample.code, sample.err).toBe(0);
    const config = JSON.parse(sample.out) as { signing: { default: { expiry: string }; profiles: Record<string, { usages: string[]; expiry: string }> } };
    expect(config.signing.profiles.kubernetes).toEqual({ usages: ["signing", "key encipherment", "server auth", "client auth"], expiry: "8760h" });
    writeFileSync(join(dir, "ca-config.json"), sample.out);
    writeFileSync(join(dir, "ca-csr.json"), JSON.stringify({ CN: "kubernetes", key: { algo: "ecdsa", size: 256 } }));
    writeFileSync(join(dir, "kubernetes-csr.json"), JSON.stringify({ CN: "kubernetes", hosts: ["127.0.0.1", "kubernetes.default"], key: { algo: "ecdsa", size: 256 } }));
    const ca = await cfssl(["gencert", "-initca", "ca-csr.json"], { cwd: dir });
    expect((await cfssljson(["-bare", "ca"], { cwd: dir, input: ca.stdout })).code).toBe(0);
    const args = ["gencert", "-ca=ca.pem", "-ca-key=ca-key.pem", "-config=ca-config.json", "-profile=kubernetes", "kubernetes-csr.json"];
    const r = await both(args, { cwd: dir });
    for (const [who, res] of Object.entries(r)) {
      expect(res.stderr, who).not.toMatch(/"code":/);
      expect(ekus(outputJson(res).cert!), who).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    }
  });

  it("leaves cfssl's own print-defaults byte-identical to cfssl's", async () => {
    const dir = dirs();
    for (const what of ["list", "config", "csr"]) {
      const theirs = await cfssl(["print-defaults", what], { cwd: dir });
      const ours = await k8sPki(["print-defaults", what], { cwd: dir });
      // cfssl lists the types in Go's random map order.
      const lines = (t: string): string[] => (what === "list" ? t.split("\n").sort() : [t]);
      expect(lines(ours.stdout), what).toEqual(lines(theirs.stdout));
      expect(ours.code, what).toBe(theirs.code);
    }
  });
});
