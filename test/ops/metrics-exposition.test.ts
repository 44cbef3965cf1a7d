// What we expose to Prometheus, checked by the real promtool: the approver's
// /metrics (Prometheus naming rules, prom-client's runtime names, build info,
// /livez) and the certs check textfile (x509-certificate-exporter's names and
// labels, read back from certificates whose serials and names we know).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { Approver, createLogger, resolveApproverConfig } from "@k8s/bootstrap";
import { buildPlan, defaultInventory } from "@k8s/deploy";
import { caRotationTextfile } from "../../packages/deploy/src/rotation-metrics.js";
import { nodeFileStateTextfile, type NodeCertCheck } from "../../packages/deploy/src/node-certs.js";
import { createLocalSigner, expiryReport, findCertificates, genCert, initCa, parseCsrJson, parseSigningConfig, prometheusTextfile } from "@k8s/pki";
import { EventLoopWatch } from "../../packages/bootstrap/src/controller-runtime/event-loop-watch.js";
import { startHealthServer } from "../../packages/bootstrap/src/controller-runtime/health-server.js";
import { promtool } from "../harness/prometheus.js";
import { tempDirs } from "../harness/temp-dirs.js";

const workdir = tempDirs("k8s-pki-ops-metrics-");

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

// Enough of the text format for our own output: no escaped quotes in the values we check.
function samples(text: string): Sample[] {
  return text
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l);
      if (!m) throw new Error(`unparsed line ${l}`);
      const labels: Record<string, string> = {};
      for (const p of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[p[1]!] = p[2]!;
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

const types = (text: string): Map<string, string> => new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));

function approverExposition(): { approver: Approver; text: string } {
  const approver = new Approver({
    kubeConfig: new KubeConfig(),
    config: resolveApproverConfig({ listen: "127.0.0.1:0", leaderElect: false }),
    logger: createLogger("json", () => {}),
    serve: false,
    version: "9.8.7",
  });
  return { approver, text: approver.registry.render() };
}

describe("the approver's /metrics", () => {
  it("passes promtool check metrics (its lint included) with no finding", () => {
    const { text } = approverExposition();
    const r = promtool(["check", "metrics"], text);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("promtool would catch a counter without _total, so the check above is not vacuous", () => {
    const r = promtool(["check", "metrics"], "# HELP watch_relists LISTs.\n# TYPE watch_relists counter\nwatch_relists 1\n");
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/_total/);
  });

  it("names every counter ..._total (watch relists and failures included) and publishes runtime metrics and build info", () => {
    const { text } = approverExposition();
    const t = types(text);
    const counters = [...t].filter(([, type]) => type === "counter").map(([n]) => n);
    expect(counters.length).toBeGreaterThan(3);
    for (const c of counters) expect(c).toMatch(/_total$/);
    expect(t.get("k8s_pki_approver_watch_relists_total")).toBe("counter");
    expect(t.get("k8s_pki_approver_watch_failures_total")).toBe("counter");
    expect(t.has("k8s_pki_approver_watch_relists")).toBe(false);
    for (const [name, type] of Object.entries({
      process_cpu_seconds_total: "counter",
      process_start_time_seconds: "gauge",
      process_resident_memory_bytes: "gauge",
      process_open_fds: "gauge",
      nodejs_heap_size_used_bytes: "gauge",
      nodejs_eventloop_lag_seconds: "gauge",
      nodejs_gc_duration_seconds: "histogram",
    })) expect(t.get(name), name).toBe(type);
    const s = samples(text);
    const get = (n: string): Sample | undefined => s.find((x) => x.name === n);
    expect(get("k8s_pki_build_info")).toEqual({ name: "k8s_pki_build_info", labels: { version: "9.8.7", node_version: process.version }, value: 1 });
    // Values are the process's own, not placeholders.
    expect(get("process_resident_memory_bytes")!.value).toBeGreaterThan(10_000_000);
    expect(get("nodejs_heap_size_used_bytes")!.value).toBeGreaterThan(1_000_000);
    expect(Math.abs(get("process_start_time_seconds")!.value - (Date.now() / 1000 - process.uptime()))).toBeLessThan(5);
    const fds = Number(execFileSync("sh", ["-c", `ls /proc/${process.pid}/fd | wc -l`]).toString());
    expect(Math.abs(get("process_open_fds")!.value - fds)).toBeLessThan(10);
  });

  it("counts CPU time as it is spent, and GC pauses by kind once a collection ran", async () => {
    const { approver } = approverExposition();
    const cpu = (): number => samples(approver.registry.render()).find((x) => x.name === "process_cpu_seconds_total")!.value;
    const before = cpu();
    // Spin until the process has really spent 200 ms of CPU (wall time says little on a loaded machine).
    const spent = (): number => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    const start = spent();
    let junk: number[][] = [];
    while (spent() - start < 0.2) junk.push(new Array(1000).fill(Math.random()));
    junk = [];
    expect(junk).toHaveLength(0);
    // The GC observer reports asynchronously.
    await new Promise((r) => setTimeout(r, 100));
    const text = approver.registry.render();
    expect(cpu() - before).toBeGreaterThanOrEqual(0.2);
    const gc = samples(text).filter((x) => x.name === "nodejs_gc_duration_seconds_count");
    expect(gc.map((x) => x.labels.kind)).toContain("minor");
    expect(gc.reduce((a, x) => a + x.value, 0)).toBeGreaterThan(0);
  });
});

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("/livez", () => {
  it("answers 200 while the event loop turns and 500 after it stalled longer than the limit", async () => {
    const loop = new EventLoopWatch({ intervalMs: 20, windowMs: 400 }).start();
    const server = await startHealthServer({ port: 0, host: "127.0.0.1", readyz: () => false, metrics: () => "", eventLoop: loop, maxEventLoopStallMs: 150 });
    try {
      expect(await get(server.port, "/livez")).toBe(200);
      // /healthz follows /livez; /readyz is separate (here: not ready).
      expect(await get(server.port, "/healthz")).toBe(200);
      expect(await get(server.port, "/readyz")).toBe(503);
      const pending = get(server.port, "/livez");
      const t0 = Date.now();
      while (Date.now() - t0 < 300) {
        // A synchronous stall, as a huge LIST parsed in one go would be.
      }
      expect(await pending).toBe(500);
      expect(await get(server.port, "/healthz")).toBe(500);
      // Once the window has passed without another stall, it is alive again.
      await new Promise((r) => setTimeout(r, 600));
      expect(await get(server.port, "/livez")).toBe(200);
    } finally {
      loop.stop();
      await server.close();
    }
  });

  it("measures lag from a driven clock: late ticks count, on-time ones do not", () => {
    let now = 0;
    const w = new EventLoopWatch({ intervalMs: 100, windowMs: 1000, now: () => now });
    w.start();
    w.stop();
    now = 100;
    w.tick();
    expect(w.lag()).toEqual({ lastMs: 0, recentMaxMs: 0 });
    now = 450;
    w.tick();
    expect(w.lag()).toEqual({ lastMs: 250, recentMaxMs: 250 });
    now = 550;
    w.tick();
    expect(w.lag()).toEqual({ lastMs: 0, recentMaxMs: 250 });
    now = 1500;
    expect(w.lag().recentMaxMs).toBe(0);
  });
});

describe("certs check --textfile", () => {
  it("carries x509-certificate-exporter's names and labels, reads back each certificate, and passes promtool", async () => {
    const dir = workdir();
    const now = new Date();
    const ca = await initCa(parseCsrJson({ CN: "kubernetes", names: [{ C: "CN", ST: "Beijing", L: "Beijing", O: "k8s", OU: "System" }] }));
    const signer = createLocalSigner({ caCert: ca.cert, caKey: ca.key, config: parseSigningConfig(JSON.stringify({ signing: { default: { usages: ["signing", "key encipherment", "server auth", "client auth"], expiry: "8760h" } } })) });
    const api = await genCert(parseCsrJson({ CN: "kube-apiserver", hosts: ["127.0.0.1"], names: [{ O: "k8s" }] }), signer, {});
    const admin = await genCert(parseCsrJson({ CN: "admin", names: [{ O: "system:masters" }] }), signer, {});
    writeFileSync(join(dir, "ca.pem"), ca.cert);
    writeFileSync(join(dir, "kubernetes.pem"), api.cert);
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    writeFileSync(
      join(dir, "admin.kubeconfig"),
      `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: ${b64(ca.cert)}\n    server: https://127.0.0.1:6443\n  name: kubernetes\nusers:\n- name: admin\n  user:\n    client-certificate-data: ${b64(admin.cert)}\n    client-key-data: ${b64(admin.key)}\ncontexts: []\n`,
    );
    const { found } = await findCertificates(dir);
    const text = prometheusTextfile(expiryReport(found, now, 30 * 86_400_000), now);
    const r = promtool(["check", "metrics"], text);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);

    const s = samples(text).filter((x) => x.name === "x509_cert_not_after");
    expect(s).toHaveLength(4);
    const serialOf = (pem: string): string => BigInt("0x" + execFileSync("openssl", ["x509", "-noout", "-serial"], { input: pem }).toString().trim().replace("serial=", "")).toString();
    const endOf = (pem: string): number => new Date(execFileSync("openssl", ["x509", "-noout", "-enddate"], { input: pem }).toString().trim().replace("notAfter=", "")).getTime() / 1000;
    const apiRow = s.find((x) => x.labels.filename === "kubernetes.pem")!;
    expect(apiRow.labels).toEqual({
      filename: "kubernetes.pem",
      filepath: resolve(dir, "kubernetes.pem"),
      embedded_kind: "",
      embedded_key: "",
      serial_number: serialOf(api.cert),
      issuer_C: "CN",
      issuer_ST: "Beijing",
      issuer_L: "Beijing",
      issuer_O: "k8s",
      issuer_OU: "System",
      issuer_CN: "kubernetes",
      subject_C: "",
      subject_ST: "",
      subject_L: "",
      subject_O: "k8s",
      subject_OU: "",
      subject_CN: "kube-apiserver",
    });
    expect(apiRow.value).toBe(endOf(api.cert));
    const user = s.find((x) => x.labels.embedded_kind === "user")!;
    expect(user.labels).toMatchObject({ filename: "admin.kubeconfig", embedded_key: "admin", subject_CN: "admin", subject_O: "system:masters", serial_number: serialOf(admin.cert) });
    expect(s.find((x) => x.labels.embedded_kind === "cluster")!.labels).toMatchObject({ embedded_key: "kubernetes", subject_CN: "kubernetes" });
    const expired = samples(text).filter((x) => x.name === "x509_cert_expired");
    expect(expired.map((x) => x.value)).toEqual([0, 0, 0, 0]);
    const before = samples(text).find((x) => x.name === "x509_cert_not_before" && x.labels.filename === "kubernetes.pem")!;
    expect(before.value).toBeLessThanOrEqual(now.getTime() / 1000);
    // Read a year later, the same certificates are expired.
    const later = new Date(now.getTime() + 400 * 86_400_000);
    const old = samples(prometheusTextfile(expiryReport(found, later, 0), later)).filter((x) => x.name === "x509_cert_expired" && x.labels.filename === "kubernetes.pem");
    expect(old.map((x) => x.value)).toEqual([1]);
  });

  it("labels node rows with their node and on-node path, and the STALE/MISSING lines pass promtool alongside", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const row = {
      name: "node1:/etc/kubernetes/pki/apiserver.pem",
      subject: "CN=kube-apiserver",
      sans: [],
      issuer: "CN=kubernetes",
      notAfter: new Date("2031-01-01T00:00:00Z"),
      notBefore: new Date("2029-01-01T00:00:00Z"),
      serialNumber: "42",
      file: "node1:/etc/kubernetes/pki/apiserver.pem",
      subjectFields: { CN: "kube-apiserver" },
      issuerFields: { CN: "kubernetes" },
      residualMs: 1,
      signingCa: "",
      isCa: false,
      status: "ok" as const,
      node: "node1",
      path: "/etc/kubernetes/pki/apiserver.pem",
    };
    const checks = [
      { name: "node1:/etc/kubernetes/pki/apiserver.pem", file: { node: "node1", path: "/etc/kubernetes/pki/apiserver.pem", format: "pem", optional: false }, state: "stale", found: [] },
      { name: "node2:/etc/kubernetes/pki/ca.pem", file: { node: "node2", path: "/etc/kubernetes/pki/ca.pem", format: "pem", optional: false }, state: "missing", found: [] },
    ] as unknown as NodeCertCheck[];
    const text = prometheusTextfile([row, { ...row, name: "node2:/x.pem", node: "node2", path: "/x.pem", file: "node2:/x.pem" }], now) + nodeFileStateTextfile(checks);
    const r = promtool(["check", "metrics"], text);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
    const s = samples(text);
    expect(s.find((x) => x.name === "x509_cert_not_after" && x.labels.node === "node1")!.labels).toMatchObject({ filepath: "/etc/kubernetes/pki/apiserver.pem", filename: "apiserver.pem", serial_number: "42" });
    expect(s.find((x) => x.name === "k8s_pki_node_file_stale" && x.labels.node === "node1")!.value).toBe(1);
    expect(s.find((x) => x.name === "k8s_pki_node_file_missing" && x.labels.node === "node2")!.value).toBe(1);
  });
});

describe("the CA rotation step in the --inventory textfile", () => {
  it("marks each CA of the plan on its step, and passes promtool", () => {
    const plan = buildPlan(defaultInventory());
    const text = caRotationTextfile(plan, { cas: { "etcd-ca": "trust-both" } });
    const r = promtool(["check", "metrics"], text);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
    const on = samples(text).filter((x) => x.value === 1).map((x) => `${x.labels.ca}=${x.labels.step}`);
    expect(on.sort()).toEqual(["etcd-ca=trust-both", "front-proxy-ca=none", "kubernetes-ca=none"]);
    expect(samples(text)).toHaveLength(9);
  });
});
