// The alerting rules and the dashboard in deploy/monitoring: promtool checks the
// rules and runs their unit tests on synthetic series; the PrometheusRule must
// hold the very same groups; the dashboard may only chart metrics we expose.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { Approver, createLogger, resolveApproverConfig } from "@k8s/bootstrap";
import { buildPlan, defaultInventory } from "@k8s/deploy";
import { caRotationTextfile } from "../../packages/deploy/src/rotation-metrics.js";
import { nodeFileStateTextfile, type NodeCertCheck } from "../../packages/deploy/src/node-certs.js";
import { prometheusTextfile, type ExpiryRow } from "@k8s/pki";
import { repoRoot } from "../harness/binaries.js";
import { promtool } from "../harness/prometheus.js";
import { tempDirs } from "../harness/temp-dirs.js";

const monitoring = join(repoRoot, "deploy", "monitoring");
const rulesPath = join(monitoring, "k8s-pki.rules.yml");
const promtestPath = join(repoRoot, "test", "ops", "alert-rules.promtest.yml");
const workdir = tempDirs("k8s-pki-ops-rules-");

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
}
interface RulesFile {
  groups: { name: string; rules: Rule[] }[];
}

const rules = yaml.load(readFileSync(rulesPath, "utf8")) as RulesFile;
const alertNames = rules.groups.flatMap((g) => g.rules.map((r) => r.alert)).filter((a): a is string => a !== undefined);

describe("deploy/monitoring/k8s-pki.rules.yml", () => {
  it("passes promtool check rules", () => {
    const r = promtool(["check", "rules", rulesPath]);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: 14 rules found/);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("has the alerts the operations bundle promises, each with a severity", () => {
    expect(alertNames).toEqual(
      expect.arrayContaining([
        "K8sPkiCertificateExpiringSoon",
        "K8sPkiCertificateExpiringCritical",
        "K8sPkiCertificateRenewalOverdue",
        "K8sPkiNodeFileStale",
        "K8sPkiNodeFileMissing",
        "K8sPkiApproverAbsent",
        "K8sPkiApproverNotLeading",
        "K8sPkiApproverDenialsSpiking",
        "K8sPkiApproverQueueGrowing",
        "K8sPkiApproverWatchFailing",
      ]),
    );
    for (const g of rules.groups) for (const r of g.rules) expect(["warning", "critical"], r.alert).toContain(r.labels?.severity);
  });

  it("passes its promtool unit tests, which fire every alert at least once", () => {
    const r = promtool(["test", "rules", promtestPath]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const tests = yaml.load(readFileSync(promtestPath, "utf8")) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] };
    const fired = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    expect([...fired].sort()).toEqual([...alertNames].sort());
  });

  it("the unit tests fail when a threshold is wrong, so they test something", () => {
    const dir = workdir();
    mkdirSync(join(dir, "deploy", "monitoring"), { recursive: true });
    mkdirSync(join(dir, "test", "ops"), { recursive: true });
    copyFileSync(promtestPath, join(dir, "test", "ops", "alert-rules.promtest.yml"));
    const text = readFileSync(rulesPath, "utf8");
    for (const [from, to] of [
      ["< 28 * 86400", "< 14 * 86400"],
      ["> 0.8", "> 0.9"],
      ['absent(up{job="k8s-pki-approver"} == 1)', 'absent(up{job="k8s-pki-approver"})'],
    ] as const) {
      expect(text).toContain(from);
      writeFileSync(join(dir, "deploy", "monitoring", "k8s-pki.rules.yml"), text.replace(from, to));
      // The week-long rotation group is left out: these thresholds do not touch it.
      const r = promtool(["test", "rules", "--run", "certificate expiry|no approver", join(dir, "test", "ops", "alert-rules.promtest.yml")]);
      expect(r.status, `${from} -> ${to}`).not.toBe(0);
    }
  });
});

describe("deploy/monitoring/prometheus-rule.yaml", () => {
  it("is a PrometheusRule wrapping exactly the groups of the plain rules file", () => {
    const pr = yaml.load(readFileSync(join(monitoring, "prometheus-rule.yaml"), "utf8")) as { apiVersion: string; kind: string; metadata: { name: string }; spec: RulesFile };
    expect(pr.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(pr.kind).toBe("PrometheusRule");
    expect(pr.metadata.name).toBe("k8s-pki");
    expect(pr.spec).toEqual(rules);
  });
});

// Every metric name our exposition can carry: the approver's /metrics and the
// certs check textfile with node rows, STALE/MISSING lines and the CA rotation step.
function exposedMetricNames(): Set<string> {
  const approver = new Approver({
    kubeConfig: new KubeConfig(),
    config: resolveApproverConfig({ listen: "127.0.0.1:0", leaderElect: false }),
    logger: createLogger("json", () => {}),
    serve: false,
    version: "0",
  });
  const row: ExpiryRow & { node: string; path: string } = {
    name: "n:/a.pem",
    subject: "CN=a",
    sans: [],
    issuer: "CN=ca",
    notAfter: new Date(1e12),
    notBefore: new Date(0),
    serialNumber: "1",
    file: "n:/a.pem",
    subjectFields: {},
    issuerFields: {},
    residualMs: 0,
    signingCa: "",
    isCa: false,
    status: "ok",
    node: "n",
    path: "/a.pem",
  };
  const check = { name: "n:/a.pem", file: { node: "n", path: "/a.pem", format: "pem", optional: false }, state: "stale", found: [] } as unknown as NodeCertCheck;
  const text = approver.registry.render() + prometheusTextfile([row], new Date()) + nodeFileStateTextfile([check]) + caRotationTextfile(buildPlan(defaultInventory()), { cas: {} });
  const names = new Set<string>(["up"]);
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(m[1]! + s);
  }
  return names;
}

// Identifiers in a PromQL expression that name series: everything but
// functions, keywords, label names (inside {} or by/without lists) and strings.
function seriesNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "")
    .replace(/\[[^\]]*\]/g, "");
  const words = [...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]);
  const notSeries = new Set(["and", "or", "unless", "bool", "offset", "sum", "min", "max", "avg", "count", "sort", "rate", "increase", "delta", "deriv", "histogram_quantile", "time", "vector", "absent", "label_values", "min_over_time", "max_over_time"]);
  return words.filter((w) => !notSeries.has(w));
}

describe("deploy/monitoring/grafana-dashboard.json", () => {
  const dash = JSON.parse(readFileSync(join(monitoring, "grafana-dashboard.json"), "utf8")) as {
    uid: string;
    title: string;
    templating: { list: { name: string }[] };
    panels: { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; datasource?: { uid: string }; targets?: { expr: string; refId: string }[] }[];
  };

  it("is a dashboard whose panels have unique ids, fit the 24-column grid and use the datasource variable", () => {
    expect(dash.uid).toBe("k8s-pki");
    expect(dash.templating.list.map((v) => v.name)).toEqual(expect.arrayContaining(["datasource", "job", "instance"]));
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dash.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === "row") continue;
      expect(p.datasource?.uid, p.title).toBe("${datasource}");
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it("charts only metrics that our exposition carries, and covers the approver, the runtime and the certificates", () => {
    const exposed = exposedMetricNames();
    const used = new Set<string>();
    for (const p of dash.panels) {
      for (const t of p.targets ?? []) {
        const names = seriesNames(t.expr);
        expect(names.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
        for (const n of names) {
          expect(exposed.has(n), `${p.title}: ${n} is not in our exposition`).toBe(true);
          used.add(n);
        }
      }
    }
    for (const n of ["x509_cert_not_after", "x509_cert_expired", "k8s_pki_node_file_stale", "k8s_pki_node_file_missing", "k8s_pki_ca_rotation_step", "k8s_pki_approver_decisions_total", "k8s_pki_approver_leader", "k8s_pki_approver_queue_depth", "k8s_pki_approver_watch_failures_total", "process_resident_memory_bytes", "nodejs_eventloop_lag_seconds", "k8s_pki_build_info"]) {
      expect(used.has(n), n).toBe(true);
    }
  });

  it("the name check above catches a metric we do not expose", () => {
    expect(seriesNames('sum by (reason) (rate(k8s_pki_approver_watch_relists{job="$job"}[5m]))')).toEqual(["k8s_pki_approver_watch_relists"]);
    expect(exposedMetricNames().has("k8s_pki_approver_watch_relists")).toBe(false);
  });
});
