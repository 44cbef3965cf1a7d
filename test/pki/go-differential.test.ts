// The differential test of issue 12: @k8s/pki reads every request and certificate exactly as Go's pem/x509 do.
//
// kube-apiserver stores, and kube-controller-manager's signer signs, what Go reads; the approver decides on what
// @k8s/pki reads. Any input the two read differently is a request the approver judges while another is signed.
// Go's own reading comes from scripts/go/x509read (built by scripts/fixtures.sh; a missing binary fails the test).
// The inputs: the crafted requests of every defect class (test/helpers/crafted-requests.ts) and at least 20,000
// mutants from a fixed seed (test/helpers/x509-mutants.ts). GO_DIFF_SEED and GO_DIFF_MUTANTS change them locally.
import { beforeAll, describe, expect, it } from "vitest";
import { binaryPath } from "../harness/binaries.js";
import { classReport, describeExample, runDifferential, summary, type Tally } from "../helpers/go-differential-run.js";

const SEED = Number(process.env.GO_DIFF_SEED ?? 12);
const MUTANTS = Math.max(20_000, Number(process.env.GO_DIFF_MUTANTS ?? 20_000));
const SHOW = 8;

describe("@k8s/pki reads like Go's encoding/pem and crypto/x509", () => {
  let t: Tally;

  beforeAll(async () => {
    const bin = binaryPath("x509read");
    const t0 = Date.now();
    t = await runDifferential({ bin, seed: SEED, mutants: MUTANTS });
    console.log(`go-differential (seed ${SEED}, ${((Date.now() - t0) / 1000).toFixed(1)} s): ${summary(t)}`);
    if (t.classes.size) console.log(`go-differential disagreement classes:\n${classReport(t, false)}`);
  }, 600_000);

  it("ran the crafted inputs and at least 20,000 mutants, with both outcomes present", () => {
    expect(t.inputs).toBeGreaterThanOrEqual(MUTANTS);
    // A generator that only produced garbage (or only valid inputs) would prove nothing.
    expect(t.bothAccept).toBeGreaterThan(t.inputs / 10);
    expect(t.bothReject).toBeGreaterThan(t.inputs / 10);
  });

  it("accepts exactly the inputs Go accepts", () => {
    const cls = [...t.classes.entries()].filter(([k]) => k.startsWith("accept:"));
    const report = cls.slice(0, SHOW).map(([k, v]) => `${v.count}× ${k}\n${describeExample(v.example)}`).join("\n\n");
    expect({ goOnly: t.goOnly, oursOnly: t.oursOnly }, report).toEqual({ goOnly: 0, oursOnly: 0 });
  });

  it("reads every input both accept exactly as Go does (PEM block, subject, SANs, extensions, key, signature)", () => {
    const cls = [...t.classes.entries()].filter(([k]) => k.startsWith("read:") || k.startsWith("pem:"));
    const report = cls.slice(0, SHOW).map(([k, v]) => `${v.count}× ${k}\n${describeExample(v.example)}`).join("\n\n");
    expect({ readDifferently: t.readDifferently, pemDiffers: t.pemDiffers }, report).toEqual({ readDifferently: 0, pemDiffers: 0 });
  });

  it("throws nothing but PkiError", () => {
    const report = t.exceptions.slice(0, SHOW).map((e) => `${e.name}: ${e.message}\n  input (base64): ${e.inputBase64.slice(0, 2000)}`).join("\n");
    expect(t.exceptions.length, report).toBe(0);
  });

  it("parses every input up to 64 KB in under 10 ms", () => {
    const report = t.slow
      .sort((a, b) => b.ms - a.ms)
      .slice(0, SHOW)
      .map((s) => `${s.ms.toFixed(1)} ms, ${s.bytes} bytes: ${s.name}`)
      .join("\n");
    expect(t.slow.length, report).toBe(0);
  });
});
