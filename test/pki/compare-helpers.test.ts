// The differential tests are only as good as their comparison: these check
// that test/helpers/compare.ts notices the differences it is meant to catch
// (a usage, a DER string type, extension order, criticality, validity span),
// on certificates made by the real cfssl and then altered byte by byte.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePemBlocks, encodePem } from "@k8s/pki";
import { certShape, expectSameCertificate } from "../helpers/compare.js";
import { child, walk } from "../helpers/der-walk.js";
import { cfssl, outputJson } from "../helpers/exec.js";
import { Workspace } from "../helpers/workspace.js";

let ws: Workspace;
let base: string;
let other: string;
let longer: string;

beforeAll(async () => {
  ws = new Workspace();
  await ws.cfsslCa("ca", { CN: "Helper Root", names: [{ C: "US", O: "Example" }] });
  ws.write("cfg.json", {
    signing: {
      default: { expiry: "10h", usages: ["signing", "server auth"] },
      profiles: { other: { expiry: "10h", usages: ["signing", "client auth"] }, longer: { expiry: "11h", usages: ["signing", "server auth"] } },
    },
  });
  ws.write("leaf.json", { CN: "leaf", hosts: ["leaf.example.com"], names: [{ C: "US", O: "Example" }] });
  const gen = async (profile: string): Promise<string> =>
    outputJson(await cfssl(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "cfg.json", "-profile", profile, "leaf.json"], { cwd: ws.dir })).cert!;
  [base, other, longer] = await Promise.all([gen("default"), gen("other"), gen("longer")]);
});
afterAll(() => ws.cleanup());

const der = (pem: string): Buffer => decodePemBlocks(pem)[0]!.bytes;

async function rejects(a: string, b: string): Promise<void> {
  await expect(expectSameCertificate(a, b, { cwd: ws.dir })).rejects.toThrow();
}

describe("expectSameCertificate", () => {
  it("accepts two issuances of the same request and profile", async () => {
    const again = outputJson(await cfssl(["gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "cfg.json", "leaf.json"], { cwd: ws.dir })).cert!;
    await expectSameCertificate(again, base, { cwd: ws.dir, sameIssuer: true });
  });

  it("rejects a different extended key usage", async () => {
    await rejects(other, base);
  });

  it("rejects a different validity span", async () => {
    await rejects(longer, base);
  });

  it("rejects a subject attribute re-tagged from PrintableString to UTF8String", async () => {
    const d = Buffer.from(der(base));
    const cn = d.indexOf(Buffer.from([0x13, 0x04, ...Buffer.from("leaf", "latin1")])); // CN=leaf, the first "leaf" in the DER
    expect(cn).toBeGreaterThan(0);
    d[cn] = 0x0c;
    const mutated = encodePem("CERTIFICATE", d);
    expect(certShape(mutated).subjectAll).toEqual(certShape(base).subjectAll); // same text...
    await rejects(mutated, base); // ...but not the same encoding
  });

  it("rejects swapped extensions and a flipped critical flag", async () => {
    const d = Buffer.from(der(base));
    const tbs = child(walk(d), 0);
    const extList = child(tbs.children.find((c) => c.tag === 0xa3)!, 0);
    const [first, second] = extList.children;
    const start = d.indexOf(first!.raw);
    const swapped = Buffer.concat([d.subarray(0, start), second!.raw, first!.raw, d.subarray(start + first!.raw.length + second!.raw.length)]);
    expect(swapped.length).toBe(d.length);
    await rejects(encodePem("CERTIFICATE", swapped), base);

    // keyUsage is first and critical: BOOLEAN TRUE (01 01 ff) becomes FALSE.
    const crit = Buffer.from(d);
    const at = crit.indexOf(Buffer.from([0x01, 0x01, 0xff]), start);
    crit[at + 2] = 0x00;
    await rejects(encodePem("CERTIFICATE", crit), base);
  });
});
