// The long differential run against Go (issue 12): `scripts/differential.sh [SEED] [MUTANTS]`, not run in CI.
import { binaryPath } from "../test/harness/binaries.js";
import { classReport, runDifferential, summary } from "../test/helpers/go-differential-run.js";

const seed = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? 500_000);
const t0 = Date.now();
const t = await runDifferential({
  bin: binaryPath("x509read"),
  seed,
  mutants: count,
  batch: 20_000,
  onBatch: (tally, done) => process.stderr.write(`[differential] ${done} inputs, ${((Date.now() - t0) / 1000).toFixed(0)} s: ${summary(tally)}\n`),
});
console.log(`seed ${seed}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
console.log(summary(t));
if (t.classes.size) console.log(`\ndisagreement classes (count, class, smallest example):\n${classReport(t, process.env.DIFF_EXAMPLES !== "0")}`);
if (t.exceptions.length) console.log(`\nexceptions (first 10):\n${t.exceptions.slice(0, 10).map((e) => `${e.name}: ${e.message}`).join("\n")}`);
process.exitCode = t.inputs === t.bothAccept + t.bothReject && t.readDifferently === 0 && t.pemDiffers === 0 && t.exceptions.length === 0 && t.slow.length === 0 ? 0 : 1;
