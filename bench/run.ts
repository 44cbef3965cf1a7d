// npm run bench: prints the figures the README's Performance section quotes.
import { cpus } from "node:os";
import { execSync } from "node:child_process";
import { join } from "node:path";
import { homedir } from "node:os";
import { issuanceBench } from "./issuance.js";
import { startupBench } from "./startup.js";
import { approverBench } from "./approver.js";
import { deployRenderBench } from "./deploy-render.js";

// BENCH_PARTS=b,d runs only those parts (default: all four).
const parts = new Set((process.env.BENCH_PARTS ?? "a,b,c,d").split(",").map((p) => p.trim()));
for (const p of parts) if (!["a", "b", "c", "d"].includes(p)) throw new Error(`BENCH_PARTS: expected a comma-separated list of a, b, c, d; got ${JSON.stringify(p)}`);

const cache = process.env.K8S_PKI_BIN_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "k8s-pki", "bin");
const cfsslDir = join(cache, "cfssl-v1.6.5");

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}; node ${process.version}; ${execSync("uname -sr").toString().trim()}`);
if (parts.has("a")) {
  console.log("\n(a) in-process issuance, ECDSA P-256, one core");
  const rates = await issuanceBench(Number(process.env.BENCH_MS ?? 3000));
  for (const r of rates) console.log(`  ${r.perSecond.toFixed(0).padStart(7)} /s  ${r.name}`);
  const ours = rates[0]!.perSecond;
  const floor = rates[2]!.perSecond;
  const floorWithImport = rates[3]!.perSecond;
  console.log(`  ratio to floor (verify+sign): ${(floor / ours).toFixed(2)}x; to floor with SPKI import: ${(floorWithImport / ours).toFixed(2)}x; vs @peculiar/x509: ${(ours / rates[4]!.perSecond).toFixed(1)}x faster`);
}

if (parts.has("b")) {
  console.log("\n(b) whole process, median of 21 runs");
  const t = startupBench(cfsslDir);
  for (const x of t) console.log(`  ${x.medianMs.toFixed(1).padStart(7)} ms  ${x.name}`);
  const node = t[0]!.medianMs;
  console.log(`  k8s-pki version adds ${(t[1]!.medianMs - node).toFixed(1)} ms to node's own start-up; gencert alone adds ${(t[7]!.medianMs - node).toFixed(1)} ms`);
  console.log(`  pipeline ratio k8s-pki/cfssl: ECDSA ${(t[3]!.medianMs / t[4]!.medianMs).toFixed(2)}, RSA ${(t[5]!.medianMs / t[6]!.medianMs).toFixed(2)}`);
}

if (parts.has("d")) {
  console.log("\n(d) deploy render vs a cfssl | cfssljson script making the same certificates");
  for (const r of await deployRenderBench({ cfsslDir })) {
    console.log(`  ${r.name}: ${r.certificates} certificates, k8s-pki ${r.oursMs.toFixed(0)} ms, cfssl script ${r.cfsslMs.toFixed(0)} ms, ratio ${r.ratio.toFixed(2)}; CPU ${r.oursCpuMs.toFixed(0)} / ${r.cfsslCpuMs.toFixed(0)} ms, ratio ${(r.oursCpuMs / r.cfsslCpuMs).toFixed(2)}`);
  }
}

if (parts.has("c") && process.env.BENCH_SKIP_APPROVER !== "1") {
  const n = Number(process.env.BENCH_CSRS ?? 1000);
  console.log(`\n(c) approver: ${n} kubelet client CSRs created at once, creation -> Approved (seen through a watch)`);
  for (const r of await approverBench(n)) {
    console.log(`  ${r.name}: ${r.count} approved, p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms, max ${r.maxMs.toFixed(0)} ms, all in ${(r.wallMs / 1000).toFixed(1)} s${r.peakRssMb ? `, approver peak RSS ${r.peakRssMb.toFixed(0)} MB` : ""}`);
  }
}
