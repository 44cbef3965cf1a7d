// Benchmark (b): whole-process cost of k8s-pki against Node's own start-up
// and against real cfssl + cfssljson for the same input.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Timing {
  name: string;
  medianMs: number;
  runs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function time(name: string, cmd: string, cwd: string, runs: number): Timing {
  const xs: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("sh", ["-c", cmd], { cwd, stdio: ["ignore", "ignore", "pipe"] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr.toString()}`);
    if (i >= 2) xs.push(ms); // the first two warm the page cache
  }
  return { name, medianMs: median(xs), runs };
}

export function startupBench(cfsslDir: string, runs = 21): Timing[] {
  const cli = join(process.cwd(), "packages/cli/bin/k8s-pki.js");
  const dir = mkdtempSync(join(tmpdir(), "k8s-pki-bench-"));
  try {
    const cfssl = join(cfsslDir, "cfssl");
    const cfssljson = join(cfsslDir, "cfssljson");
    writeFileSync(join(dir, "ca-csr.json"), JSON.stringify({ CN: "bench-ca", key: { algo: "ecdsa", size: 256 } }));
    writeFileSync(join(dir, "ecdsa-csr.json"), JSON.stringify({ CN: "etcd", hosts: ["127.0.0.1", "etcd"], key: { algo: "ecdsa", size: 256 } }));
    writeFileSync(join(dir, "rsa-csr.json"), JSON.stringify({ CN: "etcd", hosts: ["127.0.0.1", "etcd"], key: { algo: "rsa", size: 2048 } }));
    writeFileSync(join(dir, "ca-config.json"), JSON.stringify({ signing: { profiles: { kubernetes: { usages: ["signing", "key encipherment", "server auth", "client auth"], expiry: "8760h" } } } }));
    spawnSync("sh", ["-c", `${cfssl} gencert -initca ca-csr.json 2>/dev/null | ${cfssljson} -bare ca`], { cwd: dir });
    const sign = "-ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=kubernetes";
    return [
      time("node -e ''", "node -e ''", dir, runs),
      time("k8s-pki version", `node ${cli} version`, dir, runs),
      time("cfssl version", `${cfssl} version`, dir, runs),
      time("k8s-pki gencert | k8s-pki json -bare (ECDSA P-256 leaf)", `node ${cli} gencert ${sign} ecdsa-csr.json | node ${cli} json -bare e1`, dir, runs),
      time("cfssl gencert | cfssljson -bare (ECDSA P-256 leaf)", `${cfssl} gencert ${sign} ecdsa-csr.json 2>/dev/null | ${cfssljson} -bare e2`, dir, runs),
      time("k8s-pki gencert | k8s-pki json -bare (RSA-2048 leaf)", `node ${cli} gencert ${sign} rsa-csr.json | node ${cli} json -bare r1`, dir, runs),
      time("cfssl gencert | cfssljson -bare (RSA-2048 leaf)", `${cfssl} gencert ${sign} rsa-csr.json 2>/dev/null | ${cfssljson} -bare r2`, dir, runs),
      time("k8s-pki gencert alone (ECDSA P-256 leaf)", `node ${cli} gencert ${sign} ecdsa-csr.json >/dev/null`, dir, runs),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
