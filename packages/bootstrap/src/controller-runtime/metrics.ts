// A minimal Prometheus registry (counters, gauges, histograms) rendered in text exposition format 0.0.4.

/** The Content-Type of {@link Registry.render}'s output. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Prometheus's default histogram buckets (seconds). */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Label values of one series, keyed by label name. */
export type Labels = Readonly<Record<string, string | number>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Options shared by every metric. */
export interface MetricOptions {
  name: string;
  help: string;
  /** The label names every series of this metric carries, in output order. */
  labelNames?: readonly string[];
}

/** Options of a counter. */
export interface CounterOptions extends MetricOptions {
  /**
   * Called before each render, for totals kept elsewhere (a watcher's relist
   * count, the process's CPU time): it reports them with {@link Counter.setTotal}.
   */
  collect?: (counter: Counter) => void;
}

/** Options of a gauge. */
export interface GaugeOptions extends MetricOptions {
  /** Called before each render, to set values that are cheaper to read than to track (e.g. a queue depth). */
  collect?: (gauge: Gauge) => void;
}

/** Options of a histogram. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, strictly increasing; `+Inf` is always added. Default {@link DEFAULT_BUCKETS}. */
  buckets?: readonly number[];
}

type MetricType = "counter" | "gauge" | "histogram";

/** Formats a sample value as Prometheus does: `+Inf`, `-Inf`, `NaN`, else the shortest decimal. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Escapes HELP text: backslash and line feed (quotes stay as they are there). */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function renderLabels(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return "";
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

abstract class Metric<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: MetricType;
  // Keyed by the label values joined with a separator no value can hold unescaped.
  protected readonly series = new Map<string, { values: string[]; state: S }>();

  constructor(opts: MetricOptions, reserved: readonly string[] = []) {
    if (!METRIC_NAME.test(opts.name)) throw new Error(`invalid metric name ${JSON.stringify(opts.name)}`);
    const labelNames = opts.labelNames ?? [];
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith("__")) throw new Error(`${opts.name}: invalid label name ${JSON.stringify(l)}`);
      if (reserved.includes(l)) throw new Error(`${opts.name}: label name ${JSON.stringify(l)} is reserved`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new Error(`${opts.name}: duplicate label names`);
    this.name = opts.name;
    this.help = opts.help;
    this.labelNames = [...labelNames];
  }

  protected abstract initial(): S;

  protected entry(labels: Labels | undefined): { values: string[]; state: S } {
    const { key, values } = this.key(labels);
    let e = this.series.get(key);
    if (!e) {
      e = { values, state: this.initial() };
      this.series.set(key, e);
    }
    return e;
  }

  /** A series' state without creating it, so reading does not add a series to the output. */
  protected peek(labels: Labels | undefined): S {
    return this.series.get(this.key(labels).key)?.state ?? this.initial();
  }

  private key(labels: Labels | undefined): { key: string; values: string[] } {
    const given = labels ?? {};
    const keys = Object.keys(given);
    // A missing or unknown label is a programming error that would otherwise produce a silently split series.
    if (keys.length !== this.labelNames.length || keys.some((k) => !this.labelNames.includes(k))) {
      throw new Error(`${this.name}: labels ${JSON.stringify(keys)} do not match ${JSON.stringify(this.labelNames)}`);
    }
    const values = this.labelNames.map((n) => String(given[n]));
    return { key: values.join("\u0000"), values };
  }

  protected pairs(values: readonly string[]): [string, string][] {
    return this.labelNames.map((n, i) => [n, values[i] ?? ""] as [string, string]);
  }

  /** Forgets every series (e.g. labels of objects that are gone). */
  reset(): void {
    this.series.clear();
  }

  /** @internal the sample lines, without HELP and TYPE. */
  abstract samples(): string[];

  /** @internal called before rendering. */
  collect(): void {}
}

/** A value that only goes up (or resets to zero when the process restarts). */
export class Counter extends Metric<{ value: number }> {
  readonly type = "counter";
  private readonly collector: ((counter: Counter) => void) | undefined;

  constructor(opts: CounterOptions) {
    // Prometheus's naming rule; rate() users and promtool rely on it.
    if (!opts.name.endsWith("_total")) throw new Error(`${opts.name}: a counter's name ends in _total`);
    super(opts);
    this.collector = opts.collect;
  }

  protected initial(): { value: number } {
    return { value: 0 };
  }

  /** Adds `value` (default 1, must be >= 0) to the series with `labels`. */
  inc(labels?: Labels, value = 1): void {
    if (!(value >= 0)) throw new Error(`${this.name}: a counter cannot decrease (inc by ${value})`);
    this.entry(labels).state.value += value;
  }

  /**
   * Sets a series to a running total counted elsewhere. A lower total is
   * ignored: a counter never goes down within one process.
   */
  setTotal(labels: Labels | undefined, total: number): void {
    const e = this.entry(labels);
    if (total > e.state.value) e.state.value = total;
  }

  /** The current value of a series (0 if never incremented). */
  get(labels?: Labels): number {
    return this.peek(labels).value;
  }

  override collect(): void {
    this.collector?.(this);
  }

  samples(): string[] {
    return [...this.series.values()].map((e) => `${this.name}${renderLabels(this.pairs(e.values))} ${formatValue(e.state.value)}`);
  }
}

/** A value that goes up and down. */
export class Gauge extends Metric<{ value: number }> {
  readonly type = "gauge";
  private readonly collector: ((gauge: Gauge) => void) | undefined;

  constructor(opts: GaugeOptions) {
    super(opts);
    this.collector = opts.collect;
  }

  protected initial(): { value: number } {
    return { value: 0 };
  }

  set(labels: Labels | undefined, value: number): void {
    this.entry(labels).state.value = value;
  }

  inc(labels?: Labels, value = 1): void {
    this.entry(labels).state.value += value;
  }

  dec(labels?: Labels, value = 1): void {
    this.entry(labels).state.value -= value;
  }

  get(labels?: Labels): number {
    return this.peek(labels).value;
  }

  override collect(): void {
    this.collector?.(this);
  }

  samples(): string[] {
    return [...this.series.values()].map((e) => `${this.name}${renderLabels(this.pairs(e.values))} ${formatValue(e.state.value)}`);
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets, with their sum and count. */
export class Histogram extends Metric<HistogramState> {
  readonly type = "histogram";
  readonly buckets: readonly number[];

  constructor(opts: HistogramOptions) {
    super(opts, ["le"]);
    const buckets = [...(opts.buckets ?? DEFAULT_BUCKETS)].filter((b) => b !== Infinity);
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i]!;
      if (Number.isNaN(b) || (i > 0 && !(b > buckets[i - 1]!))) throw new Error(`${opts.name}: buckets must be strictly increasing numbers`);
    }
    this.buckets = buckets;
  }

  protected initial(): HistogramState {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  /** Records one observation. */
  observe(labels: Labels | undefined, value: number): void {
    const s = this.entry(labels).state;
    // Non-cumulative while recording; render() accumulates.
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i]! += 1;
    s.sum += value;
    s.count += 1;
  }

  /** Count and sum of a series. */
  get(labels?: Labels): { count: number; sum: number } {
    const s = this.peek(labels);
    return { count: s.count, sum: s.sum };
  }

  samples(): string[] {
    const out: string[] = [];
    for (const e of this.series.values()) {
      const base = this.pairs(e.values);
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += e.state.counts[i]!;
        out.push(`${this.name}_bucket${renderLabels([...base, ["le", formatValue(b)]])} ${cumulative}`);
      });
      out.push(`${this.name}_bucket${renderLabels([...base, ["le", "+Inf"]])} ${e.state.count}`);
      out.push(`${this.name}_sum${renderLabels(base)} ${formatValue(e.state.sum)}`);
      out.push(`${this.name}_count${renderLabels(base)} ${e.state.count}`);
    }
    return out;
  }
}

/** A set of metrics rendered together for `/metrics`. */
export class Registry {
  private readonly metrics = new Map<string, Counter | Gauge | Histogram>();

  /** Registers a counter. Its name must end in `_total`. */
  counter(opts: CounterOptions): Counter {
    return this.register(new Counter(opts));
  }

  /** Registers a gauge. */
  gauge(opts: GaugeOptions): Gauge {
    return this.register(new Gauge(opts));
  }

  /** Registers a histogram. */
  histogram(opts: HistogramOptions): Histogram {
    return this.register(new Histogram(opts));
  }

  /** The exposition text (format 0.0.4): for each metric `# HELP`, `# TYPE`, then its samples. */
  render(): string {
    const lines: string[] = [];
    for (const m of this.metrics.values()) {
      m.collect();
      lines.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`, ...m.samples());
    }
    return lines.length ? lines.join("\n") + "\n" : "";
  }

  private register<M extends Counter | Gauge | Histogram>(m: M): M {
    if (this.metrics.has(m.name)) throw new Error(`metric ${m.name} is already registered`);
    this.metrics.set(m.name, m);
    return m;
  }
}
