// The randomized differential test against cfssl 1.6.5 (issue 13): a fixed
// seed's scenarios (CSR JSON, ca-config profiles and commands from
// test/helpers/cfssl-scenarios.ts) run through the real cfssl (+ cfssljson) and
// the built k8s-pki in the same run, compared by exit status, error code and
// message, and structurally on success (certificates, CSRs, keys, the files
// `json -bare` writes). Any other seed: CFSSL_RANDOM_SEED=n (and
// CFSSL_RANDOM_COUNT=m), or scripts/cfssl-differential.sh SEED COUNT for a long
// run; a reported scenario is replayed with `scripts/cfssl-differential.sh show SEED INDEX`.
import { describe, expect, it } from "vitest";
import { countLine, reportDifference, runScenarios, scenario } from "../helpers/cfssl-scenarios.js";

const SEED = Number(process.env.CFSSL_RANDOM_SEED ?? 13);
const COUNT = Number(process.env.CFSSL_RANDOM_COUNT ?? 300);

describe("randomized comparison with cfssl 1.6.5", () => {
  it("the generator is a pure function of (seed, index), and covers every command", () => {
    expect(scenario(SEED, 7)).toEqual(scenario(SEED, 7));
    expect(scenario(SEED, 7)).not.toEqual(scenario(SEED + 1, 7));
    const all = Array.from({ length: COUNT }, (_, i) => scenario(SEED, i));
    const commands = new Set(all.map((s) => (s.args[0] === "gencert" ? s.args.find((a) => a === "-initca" || a === "-renewca" || a === "-ca") : s.args[0])));
    expect([...commands].sort()).toEqual(["-ca", "-initca", "-renewca", "certinfo", "gencsr", "genkey", "selfsign", "sign"]);
    expect(all.filter((s) => s.bare).length).toBeGreaterThan(COUNT / 3);
    expect(all.filter((s) => s.files["ca-config.json"]).length).toBeGreaterThan(COUNT / 4);
  });

  it(
    `seed ${SEED}: ${COUNT} scenarios, no difference`,
    async () => {
      const t = await runScenarios({ seed: SEED, count: COUNT, concurrency: 4 });
      console.log(countLine(t));
      // Each difference with its scenario (seed, index, files, command) and both outputs.
      expect(t.differences.map(reportDifference)).toEqual([]);
      expect(t.scenarios).toBe(COUNT);
      // Both paths are exercised, and few scenarios are lost to a preparation cfssl refuses.
      expect(t.bothSucceed).toBeGreaterThan(COUNT / 2);
      expect(t.bothFailSameCode).toBeGreaterThan(COUNT / 10);
      expect(t.prepFailed, t.prepFailures.join("\n")).toBeLessThan(COUNT / 20);
    },
    180_000,
  );
});
