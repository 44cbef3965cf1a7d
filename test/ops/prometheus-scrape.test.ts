// A real Prometheus on loopback scrapes the real approver (the built CLI,
// `approver run` against a real kube-apiserver), with our alert rules loaded;
// then the HTTP API must show the target up, the build info, _total counters
// that moved (a CSR the approver denied), the rules evaluated without error,
// and every dashboard query accepted.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUBELET_SERVING_SIGNER } from "@k8s/bootstrap";
import { generateKeyAndCsr, parseCsrJson } from "@k8s/pki";
import { repoRoot } from "../harness/binaries.js";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { withTempDir } from "../harness/fixtures.js";
import { freePort } from "../harness/ports.js";
import { startProcess, waitFor, type ManagedProcess } from "../harness/process.js";
import { startPrometheus, type PrometheusServer } from "../harness/prometheus.js";

const tmp = withTempDir("k8s-pki-ops-scrape-");
const cli = join(repoRoot, "packages/cli/bin/k8s-pki.js");
const JOB = "k8s-pki-approver";
let cp: ControlPlane;
let approver: ManagedProcess;
let prom: PrometheusServer;
let metricsPort: number;

beforeAll(async () => {
  if (!existsSync(join(repoRoot, "packages/cli/dist/main.js"))) throw new Error("packages/cli/dist is missing: run `npm run build` (npm test does)");
  cp = await startControlPlane({ dir: tmp.path });
  metricsPort = await freePort();
  approver = await startProcess({
    name: "approver",
    command: process.execPath,
    args: [cli, "approver", "run", "--kubeconfig", cp.adminKubeconfigPath, "--identity", "scraped", "--listen", `127.0.0.1:${metricsPort}`, "--log-format", "text"],
    logDir: cp.logDir,
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok, { what: "approver /readyz", timeoutMs: 60_000, processes: [approver] });
  prom = await startPrometheus({ dir: join(tmp.path, "prometheus"), jobs: { [JOB]: [`127.0.0.1:${metricsPort}`] }, ruleFiles: [join(repoRoot, "deploy/monitoring/k8s-pki.rules.yml")] });
});
afterAll(async () => {
  await prom?.stop();
  await approver?.stop();
  await cp?.stop();
});

const one = async (expr: string): Promise<number | undefined> => {
  const r = await prom.query(expr);
  return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
};

describe("Prometheus scraping the real approver", () => {
  it("sees the target up, with build info, runtime metrics and the leader gauge", async () => {
    await waitFor(async () => (await one(`up{job="${JOB}"}`)) === 1, { what: "up == 1 in Prometheus", timeoutMs: 60_000, processes: [approver, prom.process] });
    const [target] = await prom.targets();
    expect(target).toMatchObject({ health: "up", lastError: "", scrapeUrl: `http://127.0.0.1:${metricsPort}/metrics` });
    const version = (JSON.parse(readFileSync(join(repoRoot, "packages/cli/package.json"), "utf8")) as { version: string }).version;
    const info = await prom.query(`k8s_pki_build_info{job="${JOB}"}`);
    expect(info.map((s) => ({ version: s.metric.version, node: s.metric.node_version, value: s.value[1] }))).toEqual([{ version, node: process.version, value: "1" }]);
    expect(await one(`process_resident_memory_bytes{job="${JOB}"}`)).toBeGreaterThan(10_000_000);
    expect(await one(`process_cpu_seconds_total{job="${JOB}"}`)).toBeGreaterThan(0);
    // It holds the real Lease.
    await waitFor(async () => (await one(`k8s_pki_approver_leader{job="${JOB}"}`)) === 1, { what: "leader == 1 in Prometheus", timeoutMs: 60_000, processes: [approver] });
    expect(await one(`k8s_pki_approver_watch_failures_total{job="${JOB}"}`)).toBe(0);
    expect(await one(`k8s_pki_approver_cache_synced{job="${JOB}"}`)).toBe(1);
  });

  it("counts a denied CSR in k8s_pki_approver_decisions_total by reason", async () => {
    // A serving CSR for a node, asked for by the admin, not by the node: refused by the requester rule.
    const { csrPem } = await generateKeyAndCsr(parseCsrJson({ CN: "system:node:scraped-node", names: [{ O: "system:nodes" }], hosts: ["scraped-node"], key: { algo: "ecdsa", size: 256 } }));
    await cp
      .kubeConfig()
      .makeApiClient(k8s.CertificatesV1Api)
      .createCertificateSigningRequest({ body: { metadata: { name: "scraped-csr" }, spec: { request: Buffer.from(csrPem).toString("base64"), signerName: KUBELET_SERVING_SIGNER, usages: ["digital signature", "server auth"] } } });
    const denied = await waitFor(async () => {
      const r = await prom.query(`k8s_pki_approver_decisions_total{job="${JOB}", signer="${KUBELET_SERVING_SIGNER}", outcome="denied"}`);
      return r.length > 0 ? r : undefined;
    }, { what: "a denial in Prometheus", timeoutMs: 60_000, processes: [approver] });
    expect(denied.map((s) => [s.metric.reason, s.value[1]])).toEqual([["requester", "1"]]);
  });

  it("evaluates every alert rule without error, none firing, and accepts every dashboard query", async () => {
    type Groups = { groups: { rules: { name: string; health: string; lastError?: string; state?: string }[] }[] };
    const rules = await waitFor(async () => {
      const g = await prom.api<Groups>("/api/v1/rules");
      const all = g.groups.flatMap((x) => x.rules);
      return all.length > 0 && all.every((r) => r.health !== "unknown") ? all : undefined;
    }, { what: "rules evaluated", timeoutMs: 60_000 });
    expect(rules).toHaveLength(14);
    for (const r of rules) expect({ name: r.name, health: r.health, lastError: r.lastError ?? "" }).toEqual({ name: r.name, health: "ok", lastError: "" });
    expect(rules.filter((r) => r.state === "firing").map((r) => r.name)).toEqual([]);

    const dash = JSON.parse(readFileSync(join(repoRoot, "deploy/monitoring/grafana-dashboard.json"), "utf8")) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr.replaceAll("$job", JOB).replaceAll("$instance", ".*").replaceAll("$__rate_interval", "1m") })));
    expect(exprs.length).toBeGreaterThan(15);
    for (const e of exprs) await expect(prom.query(e.expr), `${e.title}: ${e.expr}`).resolves.toBeDefined();
    // The approver panels have data: one replica up, leading, and its version.
    const panel = async (title: string): Promise<string[]> => (await prom.query(exprs.find((e) => e.title === title)!.expr)).map((s) => s.value[1]);
    expect(await panel("Replicas up")).toEqual(["1"]);
    expect(await panel("Replicas leading")).toEqual(["1"]);
    expect(await panel("Versions")).toEqual(["1"]);
  });
});
