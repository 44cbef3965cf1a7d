// A cluster on the test bed, driven the way a user drives it: scripts/testbed.sh
// for the machines, the k8s-pki CLI for deploy apply and verify over SSH, ssh
// for what an operator would type on a machine. Each step's time is kept and
// printed, so a run reports where its minutes went.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { assembleBinDir, bedImages, type BedImage } from "./bed-binaries.js";
import { repoRoot } from "./binaries.js";

const run = promisify(execFile);

export interface Out {
  code: number;
  out: string;
}

export function must(r: Out, what: string): string {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.out}`);
  return r.out;
}

/** Runs `f` until it exits 0 or `ms` pass; the last result either way. */
export async function until(ms: number, f: () => Promise<Out>): Promise<Out> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await f();
    if (r.code === 0 || Date.now() > end) return r;
    await new Promise((res) => setTimeout(res, 3000));
  }
}

export class BedCluster {
  readonly work = mkdtempSync(join(tmpdir(), "k8s-pki-bed-"));
  readonly bed = join(repoRoot, "testbed");
  readonly images: Record<"pause" | "busybox" | "coredns", BedImage> = bedImages();
  readonly timings: [string, number][] = [];
  private readonly inventoryFile = join(this.work, "inventory.yaml");
  private readonly stateDir = join(this.work, "state");

  /** --inventory and --state of every deploy command. */
  get deploy(): string[] {
    return ["--inventory", this.inventoryFile, "--state", this.stateDir];
  }

  get ssh(): string[] {
    return ["--ssh-key", join(this.bed, "id_ed25519"), "--known-hosts", join(this.bed, "known_hosts")];
  }

  get smokeImage(): string[] {
    return ["--smoke-image", this.images.busybox.name];
  }

  async exec(file: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<Out> {
    try {
      const { stdout, stderr } = await run(file, args, { cwd: this.work, timeout: timeoutMs, maxBuffer: 64 << 20, env });
      return { code: 0, out: stdout + stderr };
    } catch (e) {
      const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
      return { code: typeof err.code === "number" ? err.code : 1, out: `${err.stdout ?? ""}${err.stderr ?? ""}${typeof err.code === "number" ? "" : err.message}` };
    }
  }

  async timed<T>(label: string, f: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      const s = (performance.now() - t0) / 1000;
      this.timings.push([label, s]);
      console.log(`[bed] ${label}: ${s.toFixed(1)} s`);
    }
  }

  testbed(...args: string[]): Promise<Out> {
    return this.exec(join(repoRoot, "scripts/testbed.sh"), args, 900_000, { ...process.env, K8S_PKI_BIN_DIR: join(this.work, "bin") });
  }

  k8sPki(...args: string[]): Promise<Out> {
    return this.exec(process.execPath, [join(repoRoot, "packages/cli/bin/k8s-pki.js"), ...args], 900_000);
  }

  /** A command on a machine of the bed, as root over the bed's key (`systemctl stop kube-apiserver` drains for up to 60 s). */
  onMachine(address: string, command: string): Promise<Out> {
    const key = join(this.bed, "id_ed25519");
    const kh = `UserKnownHostsFile=${join(this.bed, "known_hosts")}`;
    return this.exec("ssh", ["-i", key, "-o", kh, "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", `root@${address}`, command], 180_000);
  }

  /**
   * Brings the machines up and writes the inventory: the bed's as written, plus `extra` YAML (this run's choices)
   * and the image archives (nothing can be pulled on the bed) with CoreDNS named as its archive names it.
   */
  async up(upArgs: string[], extra: string): Promise<void> {
    assembleBinDir(join(this.work, "bin"));
    const up = await this.timed(`testbed up ${upArgs.join(" ")}`, () => this.testbed("up", ...upArgs));
    console.log(must(up, `testbed.sh up ${upArgs.join(" ")}`).trim());
    const inv = readFileSync(join(this.bed, "inventory.yaml"), "utf8");
    const archives = Object.values(this.images).map((i) => `  - ${i.file}\n`);
    writeFileSync(this.inventoryFile, `${inv}${extra}images:\n${archives.join("")}addons:\n  coredns: { image: "${this.images.coredns.name}", replicas: 2 }\n`);
  }

  async down(): Promise<void> {
    const down = await this.testbed("down");
    if (down.code !== 0) console.error(down.out);
    rmSync(this.work, { recursive: true, force: true });
    console.log(`[bed] timings: ${this.timings.map(([l, s]) => `${l} ${s.toFixed(1)} s`).join("; ")}`);
  }
}
