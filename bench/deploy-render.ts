// Benchmark: `k8s-pki deploy render` (whole process: plan, every key and certificate, every file
// written) against a shell script that makes the same certificates with real cfssl | cfssljson,
// one command per certificate as the Ansible/FMI layout does. ECDSA P-256 and RSA-2048.
import { spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { buildPlan, certCsrJson, signingConfigJson, validateInventory, type Inventory } from "@k8s/deploy";

export interface DeployRenderResult {
  /** e.g. "3 nodes, ecdsa". */
  name: string;
  /** Certificates (CAs and leaves) both sides make; the service-account key pair is ours only. */
  certificates: number;
  oursMs: number;
  cfsslMs: number;
  /** oursMs / cfsslMs. */
  ratio: number;
  /** Median CPU time (user + system, all threads and children) of each side. */
  oursCpuMs: number;
  cfsslCpuMs: number;
  /** The comparison build's medians, when one was given (compareCli). */
  compare?: { ms: number; cpuMs: number };
  runs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Waits until files deleted before now no longer slow down making new ones.
 * This VM's root is ext4 without a journal, where the kernel will not reuse an
 * inode within 60 s of its deletion (360 s while its inode-table block is not
 * yet written back), and every new inode in that block group is found by
 * stepping past each such inode (`recently_deleted` in fs/ext4/ialloc.c; `perf`
 * shows it and `find_get_block_common` taking half the CPU). After the test
 * suite or an earlier bench run deleted tens of thousands of files, a render's
 * 1,200 inodes then cost 0.2-0.9 ms each instead of ~30 us, for either tool.
 * `sync` writes the inode tables back, but the first new inode in a table block
 * makes it dirty again, so only after 360 s is nothing deleted before "recent"
 * (measured: 220 us per mkdir just after deleting 20,000 files, 180-250 us at
 * 65 s, 70 us at 185 s, 31 us at 365 s). A journalled ext4 has no such wait.
 */
async function settleFileSystem(seconds: number, log: (s: string) => void): Promise<void> {
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`BENCH_SETTLE_S: expected a number of seconds (0 to skip the wait), got ${String(seconds)}`);
  if (seconds === 0) return;
  log(`  (sync, then ${seconds} s for earlier deletions to age out of ext4's no-journal inode-reuse window)`);
  spawnSync("sync", [], { stdio: "ignore" });
  await sleep(seconds * 1000);
}

interface Timing {
  /** Wall time. */
  ms: number;
  /** User + system CPU time of the command and everything it waited for (every thread, every child). */
  cpuMs: number;
}

/**
 * Runs one shell command, throwing on failure; its wall and CPU time in ms. The
 * CPU time comes from the shell's `times` (its children's rusage), which another
 * job on a shared machine hardly changes, unlike the wall time.
 */
function runSh(name: string, cmd: string, cwd: string): Timing {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("sh", ["-c", `${cmd}\nstatus=$?\ntimes >&2\nexit $status`], { cwd, stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const stderr = r.stderr.toString();
  if (r.status !== 0) throw new Error(`${name} failed: ${stderr}`);
  // The last line of `times`: children's user and system time, "0m1.670000s 0m0.060000s".
  const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(stderr);
  if (!m) throw new Error(`${name}: no \`times\` line in its stderr: ${stderr}`);
  const cpuMs = (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000;
  return { ms, cpuMs };
}

function inventory(kind: "default" | "fifty", algo: "ecdsa" | "rsa"): Record<string, unknown> {
  const pki = { keyAlgo: algo, keySize: algo === "ecdsa" ? 256 : 2048 };
  if (kind === "default") {
    return { nodes: [1, 2, 3].map((i) => ({ name: `node${i}`, address: `192.168.95.1${i}`, roles: ["etcd", "master", "worker"] })), pki };
  }
  const nodes = [1, 2, 3].map((i) => ({ name: `master${i}`, address: `192.168.95.1${i}`, roles: ["etcd", "master"] }));
  for (let i = 1; i <= 50; i++) nodes.push({ name: `worker${i}`, address: `192.168.96.${i}`, roles: ["worker"] });
  // Pre-signed kubelet certificates: one per worker.
  return { nodes, pki, kubeletCerts: "presigned" };
}

/** The cfssl script for a plan's certificates, with its CSR JSON files and ca-config.json, in dir. */
function cfsslScript(inv: Inventory, dir: string, cfsslDir: string): { script: string; certificates: number } {
  const plan = buildPlan(inv);
  writeFileSync(join(dir, "ca-config.json"), signingConfigJson(plan));
  const lines = ["set -e", `CFSSL=${join(cfsslDir, "cfssl")}`, `CFSSLJSON=${join(cfsslDir, "cfssljson")}`];
  let certificates = 0;
  for (const c of plan.certs) {
    if (c.kind === "keypair") continue;
    certificates++;
    writeFileSync(join(dir, `${c.id}-csr.json`), certCsrJson(plan, c));
    lines.push(
      c.kind === "ca"
        ? `$CFSSL gencert -initca ${c.id}-csr.json | $CFSSLJSON -bare ${c.id}`
        : `$CFSSL gencert -ca=${c.ca}.pem -ca-key=${c.ca}-key.pem -config=ca-config.json -profile=${c.profile} ${c.id}-csr.json | $CFSSLJSON -bare ${c.id}`,
    );
  }
  writeFileSync(join(dir, "make-certs.sh"), lines.join("\n") + "\n");
  return { script: "sh make-certs.sh", certificates };
}

export interface DeployRenderBenchOptions {
  cfsslDir?: string;
  /** Alternating runs per ECDSA inventory; default 5, or BENCH_RUNS. */
  runs?: number;
  /** Alternating runs per RSA inventory; default 3, or BENCH_RSA_RUNS. */
  rsaRuns?: number;
  /** Key algorithms to measure; default both, or BENCH_DEPLOY_ALGOS (comma-separated). */
  algos?: ("ecdsa" | "rsa")[];
  /** The k8s-pki to time; default the built packages/cli/bin/k8s-pki.js, or BENCH_DEPLOY_CLI. */
  cli?: string;
  /**
   * Another k8s-pki to time in the same alternating rounds, e.g. a build from before a change (the standalone
   * packages/cli/dist/k8s-pki copied aside); or BENCH_DEPLOY_COMPARE_CLI.
   */
  compareCli?: string;
  /** Seconds to wait after `sync` before the first run (settleFileSystem); default 361, or BENCH_SETTLE_S. */
  settleSeconds?: number;
  log?: (s: string) => void;
}

export async function deployRenderBench(opts: DeployRenderBenchOptions = {}): Promise<DeployRenderResult[]> {
  const cache = process.env.K8S_PKI_BIN_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "k8s-pki", "bin");
  const cfsslDir = opts.cfsslDir ?? join(cache, "cfssl-v1.6.5");
  const cli = opts.cli ?? process.env.BENCH_DEPLOY_CLI ?? join(process.cwd(), "packages/cli/bin/k8s-pki.js");
  const compareCli = opts.compareCli ?? process.env.BENCH_DEPLOY_COMPARE_CLI;
  const log = opts.log ?? ((s: string) => console.log(s));
  const results: DeployRenderResult[] = [];
  await settleFileSystem(opts.settleSeconds ?? Number(process.env.BENCH_SETTLE_S ?? 361), log);
  const root = mkdtempSync(join(tmpdir(), "k8s-pki-deploy-bench-"));
  try {
    const algos = opts.algos ?? ((process.env.BENCH_DEPLOY_ALGOS?.split(",") as ("ecdsa" | "rsa")[] | undefined) ?? ["ecdsa", "rsa"]);
    for (const algo of algos) {
      for (const kind of ["default", "fifty"] as const) {
        const runs = algo === "rsa" ? (opts.rsaRuns ?? Number(process.env.BENCH_RSA_RUNS ?? 3)) : (opts.runs ?? Number(process.env.BENCH_RUNS ?? 5));
        const raw = inventory(kind, algo);
        const inv = validateInventory(raw);
        const dir = join(root, `${kind}-${algo}`);
        mkdirSync(join(dir, "cfssl"), { recursive: true });
        writeFileSync(join(dir, "inventory.json"), JSON.stringify(raw));
        const out = join(dir, "out");
        const { script, certificates } = cfsslScript(inv, join(dir, "cfssl"), cfsslDir);
        // Alternating runs, so that load from elsewhere on the machine hits both sides alike.
        const ours: Timing[] = [];
        const theirs: Timing[] = [];
        const other: Timing[] = [];
        for (let i = 0; i < runs; i++) {
          // Set the last run's output aside and delete it after all runs: on a file system mounted with
          // `discard` (this VM's root) deleting a thousand files queues discards that stall whatever runs next.
          if (existsSync(out)) renameSync(out, join(dir, `previous-${i}`));
          ours.push(runSh("k8s-pki deploy render", `node ${cli} deploy render --inventory inventory.json --out out`, dir));
          theirs.push(runSh("cfssl script", script, join(dir, "cfssl")));
          if (compareCli) {
            if (existsSync(out)) renameSync(out, join(dir, `previous-compare-${i}`));
            other.push(runSh("comparison k8s-pki deploy render", `node ${compareCli} deploy render --inventory inventory.json --out out`, dir));
          }
        }
        const oursMs = median(ours.map((t) => t.ms));
        const cfsslMs = median(theirs.map((t) => t.ms));
        const r: DeployRenderResult = {
          name: `${inv.nodes.length} nodes, ${algo === "ecdsa" ? "ECDSA P-256" : "RSA-2048"}`,
          certificates,
          oursMs,
          cfsslMs,
          ratio: oursMs / cfsslMs,
          oursCpuMs: median(ours.map((t) => t.cpuMs)),
          cfsslCpuMs: median(theirs.map((t) => t.cpuMs)),
          ...(compareCli ? { compare: { ms: median(other.map((t) => t.ms)), cpuMs: median(other.map((t) => t.cpuMs)) } } : {}),
          runs,
        };
        results.push(r);
        log(`  ${r.name.padEnd(24)} ${String(certificates).padStart(3)} certs  k8s-pki deploy render ${oursMs.toFixed(0).padStart(6)} ms  cfssl|cfssljson ${cfsslMs.toFixed(0).padStart(6)} ms  ratio ${r.ratio.toFixed(2)}  (median of ${runs})`);
        log(`    CPU: k8s-pki ${r.oursCpuMs.toFixed(0)} ms, cfssl ${r.cfsslCpuMs.toFixed(0)} ms, ratio ${(r.oursCpuMs / r.cfsslCpuMs).toFixed(2)}`);
        // The machine may be shared: every run, so that a noisy median shows as such.
        const list = (ts: Timing[]): string => ts.map((t) => `${t.ms.toFixed(0)}/${t.cpuMs.toFixed(0)}`).join(" ");
        log(`    runs (wall/CPU ms): k8s-pki ${list(ours)}; cfssl ${list(theirs)}`);
        if (r.compare) {
          log(`    comparison build ${compareCli}: ${r.compare.ms.toFixed(0)} ms, CPU ${r.compare.cpuMs.toFixed(0)} ms; this build / it: wall ${(oursMs / r.compare.ms).toFixed(2)}, CPU ${(r.oursCpuMs / r.compare.cpuMs).toFixed(2)}`);
          log(`    runs (wall/CPU ms): comparison ${list(other)}`);
        }
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
    // Written back now, the deleted inodes stay "recent" for 60 s rather than 360 s, unless whatever runs next makes
    // new inodes in the same table blocks (which dirties them again).
    spawnSync("sync", [], { stdio: "ignore" });
  }
  return results;
}
