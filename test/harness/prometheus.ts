// The real Prometheus and promtool (built by scripts/fixtures.sh from the Go
// module proxy at PROMETHEUS_VERSION): promtool checks our exposition and
// alert rules; a Prometheus server on loopback scrapes the real approver.
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binaryCacheDir, pinnedVersions } from "./binaries.js";
import { freePort } from "./ports.js";
import { startProcess, waitFor, type ManagedProcess } from "./process.js";

/** Path of `prometheus` or `promtool`; throws (with the fix) when it is not built, never skips. */
export function prometheusBinary(name: "prometheus" | "promtool"): string {
  const version = pinnedVersions().get("PROMETHEUS_VERSION");
  if (!version) throw new Error("PROMETHEUS_VERSION is not set in scripts/versions.env");
  const path = join(binaryCacheDir(), `prometheus-${version}`, name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${name} ${version} is missing: ${path}. Build it with \`scripts/fixtures.sh prometheus\`.`);
  }
  return path;
}

/** What a promtool run printed and how it ended. */
export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs promtool with `args`, feeding `stdin` when given. */
export function promtool(args: readonly string[], stdin?: string, cwd?: string): ToolResult {
  const r = spawnSync(prometheusBinary("promtool"), args, { input: stdin, encoding: "utf8", cwd, timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A Prometheus server started for one test. */
export interface PrometheusServer {
  readonly url: string;
  readonly process: ManagedProcess;
  /** An instant query through the HTTP API; the result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Any GET of the HTTP API (`/api/v1/...`); its `data`, or a throw naming the error. */
  api<T>(path: string): Promise<T>;
  /** The scrape targets as /api/v1/targets reports them. */
  targets(): Promise<{ labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }[]>;
  stop(): Promise<void>;
}

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /** Folder for the config, the TSDB and the log. */
  dir: string;
  /** job name → `host:port` targets scraped at `scrapeIntervalS`. */
  jobs: Record<string, string[]>;
  scrapeIntervalS?: number;
  /** Rule files to load; they are evaluated every `scrapeIntervalS` too. */
  ruleFiles?: string[];
}

/** Starts Prometheus on a free loopback port and waits until it is ready. */
export async function startPrometheus(opts: StartPrometheusOptions): Promise<PrometheusServer> {
  const interval = opts.scrapeIntervalS ?? 1;
  const port = await freePort();
  const config = [
    "global:",
    `  scrape_interval: ${interval}s`,
    `  scrape_timeout: ${interval}s`,
    `  evaluation_interval: ${interval}s`,
    ...(opts.ruleFiles?.length ? ["rule_files:", ...opts.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
    "scrape_configs:",
    ...Object.entries(opts.jobs).flatMap(([job, targets]) => [`  - job_name: ${JSON.stringify(job)}`, "    static_configs:", `      - targets: ${JSON.stringify(targets)}`]),
    "",
  ].join("\n");
  mkdirSync(opts.dir, { recursive: true });
  const configPath = join(opts.dir, "prometheus.yml");
  writeFileSync(configPath, config);
  const check = promtool(["check", "config", configPath]);
  if (check.status !== 0) throw new Error(`promtool check config failed:\n${check.stdout}${check.stderr}`);
  const proc = await startProcess({
    name: "prometheus",
    command: prometheusBinary("prometheus"),
    args: [`--config.file=${configPath}`, `--storage.tsdb.path=${join(opts.dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=info"],
    logDir: opts.dir,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, { what: "prometheus /-/ready", timeoutMs: 60_000, processes: [proc] });
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    url,
    process: proc,
    api,
    query: async (expr) => (await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    targets: async () => (await api<{ activeTargets: { labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }[] }>("/api/v1/targets")).activeTargets,
    stop: async () => {
      await proc.stop();
    },
  };
}
