// The long randomized comparison with cfssl 1.6.5 (issue 13): `scripts/cfssl-differential.sh [SEED] [COUNT]`.
// `scripts/cfssl-differential.sh show SEED INDEX` runs one scenario and prints it with both programs' full outputs.
import { countLine, describeScenario, reportDifference, runScenarios, scenario } from "../test/helpers/cfssl-scenarios.js";

if (process.argv[2] === "show") {
  const seed = Number(process.argv[3] ?? 1);
  const index = Number(process.argv[4] ?? 0);
  const s = scenario(seed, index);
  console.log(describeScenario(s));
  const t = await runScenarios({ seed, count: 1, start: index, concurrency: 1 });
  console.log(countLine(t));
  for (const d of t.differences) {
    console.log(reportDifference(d));
    console.log(`--- cfssl stdout\n${d.cfssl.stdout}\n--- cfssl stderr\n${d.cfssl.stderr}\n--- k8s-pki stdout\n${d.ours.stdout}\n--- k8s-pki stderr\n${d.ours.stderr}`);
  }
  process.exit(t.differences.length ? 1 : 0);
}

const seed = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? 2000);
const concurrency = Number(process.env.CONCURRENCY ?? 4);
const t0 = Date.now();
const t = await runScenarios({
  seed,
  count,
  concurrency,
  onDifference: (d) => console.log(`\n${reportDifference(d)}`),
  onProgress: (x) => process.stderr.write(`[cfssl-differential] ${x.scenarios}/${count}, ${((Date.now() - t0) / 1000).toFixed(0)} s, ${x.differences.length} differences\n`),
});
console.log(`\n${countLine(t)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
console.log(`commands: ${Object.entries(t.byCommand).sort().map(([k, v]) => `${k} ${v}`).join(", ")}`);
const kinds = new Map<string, number>();
for (const d of t.differences) kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
if (t.prepFailures.length) console.log(`not run (cfssl refused the preparation):\n  ${t.prepFailures.join("\n  ")}`);
if (kinds.size) console.log(`differences by kind: ${[...kinds].map(([k, v]) => `${k} ${v}`).join(", ")}`);
process.exitCode = t.differences.length ? 1 : 0;
