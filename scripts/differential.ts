// The long differential run against Go (issue 12): `scripts/differential.sh [SEED] [MUTANTS]`, not run in CI.
// `scripts/differential.sh show csr|cert BASE64` prints both readings of one input (from a test failure).
import { binaryPath } from "../test/harness/binaries.js";
import { classReport, goReadings, runDifferential, summary } from "../test/helpers/go-differential-run.js";
import { ourReading, readingDiff, type Kind } from "../test/helpers/go-reading.js";

if (process.argv[2] === "show") {
  const kind = process.argv[3] as Kind;
  const input = Buffer.from(process.argv[4] ?? "", "base64");
  const [go] = await goReadings(binaryPath("x509read"), [{ name: "input", kind, input }]);
  const ours = ourReading(kind, input);
  console.log(`go:\n${JSON.stringify(go, null, 1)}\nours (${ours.ms.toFixed(2)} ms):\n${JSON.stringify(ours.reading, null, 1)}`);
  if (ours.exception) console.log("exception:", ours.exception);
  console.log(`differs at: ${readingDiff(go!, ours.reading).join(", ") || "nothing"}`);
  process.exit(0);
}

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
