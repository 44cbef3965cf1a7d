// Process and Node.js runtime metrics under the names prom-client's default
// collectors use (process_*, nodejs_*), so existing Node.js dashboards and
// alerts read them unchanged, plus `k8s_pki_build_info`. Read from node:process
// and node:perf_hooks at scrape time; no dependency and no background work but
// the event-loop ticker and one GC observer per process.
import { readdirSync, readFileSync } from "node:fs";
import { constants, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { processEventLoopWatch, type EventLoopWatch } from "./event-loop-watch.js";
import type { Counter, Histogram, Registry } from "./metrics.js";

/** Options of {@link registerRuntimeMetrics}. */
export interface RuntimeMetricsOptions {
  /** The k8s-pki version, for `k8s_pki_build_info`. */
  version: string;
  /** Default: the process-wide watch. */
  eventLoop?: EventLoopWatch;
}

/** prom-client's GC buckets (seconds): most pauses are well under a millisecond, a major one can take a second. */
export const GC_BUCKETS: readonly number[] = [0.001, 0.01, 0.1, 1, 2, 5];

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};

// GC pauses are reported to every registry that asked, through one observer:
// observers cost per entry, and the pauses are the process's, not a registry's.
const gcHistograms = new Set<Histogram>();
let gcObserver: PerformanceObserver | undefined;

function observeGc(h: Histogram): void {
  gcHistograms.add(h);
  if (gcObserver) return;
  gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      const kind = GC_KINDS[e.detail?.kind ?? -1] ?? "unknown";
      for (const g of gcHistograms) g.observe({ kind }, e.duration / 1000);
    }
  });
  gcObserver.observe({ entryTypes: ["gc"] });
}

// Linux only (/proc); elsewhere the fd metrics are left out rather than faked.
function openFds(): number | undefined {
  try {
    // The listing itself holds one descriptor open while it reads.
    return readdirSync("/proc/self/fd").length - 1;
  } catch {
    return undefined;
  }
}

function maxFds(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Registers the process, Node.js and build-info metrics in `registry`. */
export function registerRuntimeMetrics(registry: Registry, opts: RuntimeMetricsOptions): void {
  const loop = opts.eventLoop ?? processEventLoopWatch();

  registry.gauge({ name: "k8s_pki_build_info", help: "Always 1; the labels say which k8s-pki and Node.js run.", labelNames: ["version", "node_version"] }).set({ version: opts.version, node_version: process.version }, 1);

  const cpu = (pick: (u: NodeJS.CpuUsage) => number) => (c: Counter) => c.setTotal(undefined, pick(process.cpuUsage()) / 1e6);
  registry.counter({ name: "process_cpu_user_seconds_total", help: "User CPU time spent, in seconds.", collect: cpu((u) => u.user) });
  registry.counter({ name: "process_cpu_system_seconds_total", help: "System CPU time spent, in seconds.", collect: cpu((u) => u.system) });
  registry.counter({ name: "process_cpu_seconds_total", help: "User and system CPU time spent, in seconds.", collect: cpu((u) => u.user + u.system) });
  // performance.timeOrigin is when this process started, as a Unix time in milliseconds.
  registry.gauge({ name: "process_start_time_seconds", help: "Start time of the process since the Unix epoch, in seconds." }).set(undefined, Math.round(performance.timeOrigin / 1000));
  registry.gauge({ name: "process_resident_memory_bytes", help: "Resident memory size, in bytes.", collect: (g) => g.set(undefined, process.memoryUsage.rss()) });
  if (openFds() !== undefined) {
    registry.gauge({ name: "process_open_fds", help: "Number of open file descriptors.", collect: (g) => g.set(undefined, openFds() ?? 0) });
    const max = maxFds();
    if (max !== undefined) registry.gauge({ name: "process_max_fds", help: "Maximum number of open file descriptors." }).set(undefined, max);
  }

  // One memoryUsage() call serves the three heap gauges of a scrape: it walks the heap spaces.
  let mem: NodeJS.MemoryUsage | undefined;
  registry.gauge({ name: "nodejs_heap_size_total_bytes", help: "Process heap size from Node.js, in bytes.", collect: (g) => g.set(undefined, (mem = process.memoryUsage()).heapTotal) });
  registry.gauge({ name: "nodejs_heap_size_used_bytes", help: "Process heap size used from Node.js, in bytes.", collect: (g) => g.set(undefined, (mem ?? process.memoryUsage()).heapUsed) });
  registry.gauge({ name: "nodejs_external_memory_bytes", help: "Node.js external memory size, in bytes.", collect: (g) => g.set(undefined, (mem ?? process.memoryUsage()).external) });

  registry.gauge({ name: "nodejs_eventloop_lag_seconds", help: "How late the event loop ran its last timer, in seconds.", collect: (g) => g.set(undefined, loop.lag().lastMs / 1000) });
  registry.gauge({ name: "nodejs_eventloop_lag_max_seconds", help: "The largest event-loop lag of the last 10 seconds, in seconds.", collect: (g) => g.set(undefined, loop.lag().recentMaxMs / 1000) });

  observeGc(registry.histogram({ name: "nodejs_gc_duration_seconds", help: "Garbage collection pauses by kind (major, minor, incremental, weakcb), in seconds.", labelNames: ["kind"], buckets: GC_BUCKETS }));
}
