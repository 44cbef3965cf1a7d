// The proof of issue 16, on real machines through the path users take: three
// systemd-nspawn machines (scripts/testbed.sh up 3), `k8s-pki deploy apply`
// over SSH with the bed's inventory in the seed's classic layout (each
// machine etcd + master + worker), then `deploy verify --smoke`: pods on
// every node, pod to pod across nodes over flannel, a Service's ClusterIP
// through kube-proxy, DNS through CoreDNS, logs and exec through the kubelets'
// approved serving certificates. Then one master's kube-apiserver stops: the
// nodes' load balancers carry the kubelets and kube-proxies to the other two,
// the workloads keep running and the smoke test passes again; started again,
// `deploy verify` is green; a second apply changes nothing.
// Nothing comes from a registry: the images stage imports archives made by
// scripts/fixtures.sh (pause, busybox, CoreDNS). Timings are printed.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleBinDir, bedImages } from "../harness/bed-binaries.js";

const run = promisify(execFile);
const repo = join(import.meta.dirname, "..", "..");
const bed = join(repo, "testbed");
const work = mkdtempSync(join(tmpdir(), "k8s-pki-bed-"));
const stateDir = join(work, "state");
const inventoryFile = join(work, "inventory.yaml");
const images = bedImages();
const timings: [string, number][] = [];

interface Out {
  code: number;
  out: string;
}

async function exec(file: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<Out> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: work, timeout: timeoutMs, maxBuffer: 64 << 20, env });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof err.code === "number" ? err.code : 1, out: `${err.stdout ?? ""}${err.stderr ?? ""}${typeof err.code === "number" ? "" : err.message}` };
  }
}

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    const s = (performance.now() - t0) / 1000;
    timings.push([label, s]);
    console.log(`[bed] ${label}: ${s.toFixed(1)} s`);
  }
}

const testbed = (...args: string[]): Promise<Out> => exec(join(repo, "scripts/testbed.sh"), args, 900_000, { ...process.env, K8S_PKI_BIN_DIR: join(work, "bin") });
const k8sPki = (...args: string[]): Promise<Out> => exec(process.execPath, [join(repo, "packages/cli/bin/k8s-pki.js"), ...args], 900_000);
const ssh = ["--ssh-key", join(bed, "id_ed25519"), "--known-hosts", join(bed, "known_hosts")];
const deploy = ["--inventory", inventoryFile, "--state", stateDir];

/** A command on a machine of the bed, as root over the bed's key (`systemctl stop kube-apiserver` drains for up to 60 s). */
const onMachine = (address: string, command: string): Promise<Out> =>
  exec("ssh", ["-i", join(bed, "id_ed25519"), "-o", `UserKnownHostsFile=${join(bed, "known_hosts")}`, "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", `root@${address}`, command], 180_000);

/** kubectl on m2 with its admin kubeconfig (the classic layout's path), through m2's own API server. */
const kubectlOnM2 = async (args: string): Promise<string> =>
  must(await onMachine("10.213.0.12", `/opt/k8s/bin/kubectl --kubeconfig /etc/kubernetes/kubectl.kubeconfig ${args}`), `kubectl ${args}`);

/** Every pod with its node, phase and restart count: what "workloads keep running" compares. */
const podsState = (): Promise<string> =>
  kubectlOnM2(`get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} {.spec.nodeName} {.status.phase} {.status.containerStatuses[*].restartCount}{"\\n"}{end}'`);

/** Runs `f` until it exits 0 or `ms` pass; the last result either way. */
async function until(ms: number, f: () => Promise<Out>): Promise<Out> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await f();
    if (r.code === 0 || Date.now() > end) return r;
    await new Promise((res) => setTimeout(res, 3000));
  }
}

function must(r: Out, what: string): string {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.out}`);
  return r.out;
}

beforeAll(async () => {
  assembleBinDir(join(work, "bin"));
  const up = await timed("testbed up 3", () => testbed("up", "3"));
  console.log(must(up, "testbed.sh up 3").trim());
  // The bed's inventory as written, plus what this run chooses: the seed's classic layout, and the image archives and
  // the names they carry (nothing can be pulled on the bed).
  const inv = readFileSync(join(bed, "inventory.yaml"), "utf8");
  writeFileSync(
    inventoryFile,
    `${inv}pki: { layout: classic }\nimages:\n${Object.values(images)
      .map((i) => `  - ${i.file}\n`)
      .join("")}addons:\n  coredns: { image: "${images.coredns.name}", replicas: 2 }\n`,
  );
}, 900_000);

afterAll(async () => {
  const down = await testbed("down");
  if (down.code !== 0) console.error(down.out);
  rmSync(work, { recursive: true, force: true });
  console.log(`[bed] timings: ${timings.map(([l, s]) => `${l} ${s.toFixed(1)} s`).join("; ")}`);
}, 300_000);

const smokeImage = ["--smoke-image", images.busybox.name];

describe("a cluster deployed over SSH onto three machines runs workloads", () => {
  it("deploy apply over SSH stands the cluster up", async () => {
    const r = await timed("deploy apply (first)", () => k8sPki("deploy", "apply", ...deploy, ...ssh));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/applied: m1, m2, m3 changed/);
  });

  it("deploy verify turns green once the kubelets registered and CoreDNS is available", async () => {
    const r = await timed("apply to verify green", () => until(300_000, () => k8sPki("deploy", "verify", ...deploy)));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^ok +CoreDNS available: Service kube-dns at 10\.254\.0\.2; Deployment coredns [12]\/2 available/m);
    expect(r.out).toMatch(/^ok +nodes listed: 3 node\(s\): m1, m2, m3/m);
  });

  it("deploy verify --smoke is green: a pod on every node, pod to pod, Service, DNS, logs and exec", async () => {
    const r = await timed("verify --smoke", () => k8sPki("deploy", "verify", ...deploy, "--smoke", ...smokeImage));
    console.log(r.out);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^ok +smoke pods ready, one per worker: .* on m1 .* on m2 .* on m3 /m);
    expect(r.out).toMatch(/^smoke test: all 11 checks passed$/m);
  });

  it("with m1's kube-apiserver stopped, m1's node keeps reaching the API through its load balancer, workloads keep running, the smoke test passes", async () => {
    const before = await podsState();
    expect(before).toMatch(/^kube-system\/coredns-\S+ m\d Running 0$/m);
    const stop = await timed("systemctl stop kube-apiserver on m1", () => onMachine("10.213.0.11", "systemctl stop kube-apiserver"));
    try {
      must(stop, "stop kube-apiserver on m1");
      expect(must(await onMachine("10.213.0.11", "systemctl is-active kube-apiserver || true"), "is-active").trim()).toBe("inactive");
      // The stop drained for up to a minute, longer than the node controller's grace: a kubelet cut off from the API
      // would be NotReady now. m1's kubelet renews its node Lease every 10 s, through kube-lb to m2 or m3.
      const renewed = new Date((await kubectlOnM2("get lease -n kube-node-lease m1 -o jsonpath={.spec.renewTime}")).trim());
      expect(Date.now() - renewed.getTime(), `m1's node Lease renewed at ${renewed.toISOString()}`).toBeLessThan(30_000);
      const r = await timed("verify --smoke-only (m1's API server stopped)", () => k8sPki("deploy", "verify", ...deploy, "--smoke-only", ...smokeImage));
      console.log(r.out);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/^ok +smoke API server: https:\/\/10\.213\.0\.1[23]:6443 \(passed over https:\/\/10\.213\.0\.11:6443/m);
      expect(r.out).toMatch(/^ok +smoke pods ready, one per worker: .* on m1 .* on m2 .* on m3 /m);
      // The pods that ran before still run, none restarted (the smoke namespace is gone again).
      const after = (await podsState()).split("\n").filter((l) => !l.startsWith("k8s-pki-smoke-"));
      expect(after).toEqual(before.split("\n").filter((l) => !l.startsWith("k8s-pki-smoke-")));
    } finally {
      must(await onMachine("10.213.0.11", "systemctl start kube-apiserver"), "start kube-apiserver on m1");
    }
  });

  it("started again, deploy verify is green", async () => {
    const r = await timed("verify green after restart", () => until(120_000, () => k8sPki("deploy", "verify", ...deploy)));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^ok +kube-apiserver m1 \/readyz/m);
  });

  it("a second deploy apply changes nothing", async () => {
    const r = await timed("deploy apply (second)", () => k8sPki("deploy", "apply", ...deploy, ...ssh));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^nothing changed$/m);
  });

  it("the bed's memory with the cluster up", async () => {
    const s = must(await testbed("status"), "testbed.sh status");
    console.log(s);
    expect(s).toMatch(/^m1 .* running +answers$/m);
    expect(s).toMatch(/memory: rss=\d+MiB memory-cgroup-usage=\d+MiB/);
  });
});
