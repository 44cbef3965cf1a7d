import { describe, expect, it } from "vitest";
import { escapeLabelValue, formatValue, PROMETHEUS_CONTENT_TYPE, Registry } from "../../../packages/bootstrap/src/controller-runtime/metrics.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Parsed {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: Sample[];
}

/** A strict reader of text format 0.0.4, independent of the writer: it unescapes as Prometheus does. */
function parseExposition(text: string): Parsed {
  expect(text.endsWith("\n")).toBe(true);
  const out: Parsed = { help: new Map(), type: new Map(), samples: [] };
  for (const line of text.slice(0, -1).split("\n")) {
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/))) {
      out.help.set(m[1]!, m[2]!.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\")));
      continue;
    }
    if ((m = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/))) {
      out.type.set(m[1]!, m[2]!);
      continue;
    }
    m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/);
    if (!m) throw new Error(`unparseable line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      const body = m[2].slice(1, -1);
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
      let pos = 0;
      while (pos < body.length) {
        re.lastIndex = pos;
        const l = re.exec(body);
        if (!l) throw new Error(`bad labels in ${JSON.stringify(line)}`);
        labels[l[1]!] = l[2]!.replace(/\\([\\"n])/g, (_, c: string) => (c === "n" ? "\n" : c));
        pos = re.lastIndex;
      }
    }
    const v = m[3]!;
    const value = v === "+Inf" ? Infinity : v === "-Inf" ? -Infinity : v === "NaN" ? NaN : Number(v);
    if (Number.isNaN(value) && v !== "NaN") throw new Error(`bad value in ${JSON.stringify(line)}`);
    out.samples.push({ name: m[1]!, labels, value });
  }
  return out;
}

const find = (p: Parsed, name: string, labels: Record<string, string> = {}): number | undefined =>
  p.samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

describe("Registry", () => {
  it("renders counters with labels, HELP and TYPE, and reads back", () => {
    const r = new Registry();
    const c = r.counter({ name: "approver_decisions_total", help: "Decisions by signer, outcome and reason.", labelNames: ["signer", "outcome", "reason"] });
    c.inc({ signer: "kubernetes.io/kubelet-serving", outcome: "approved", reason: "AutoApproved" });
    c.inc({ signer: "kubernetes.io/kubelet-serving", outcome: "approved", reason: "AutoApproved" }, 2);
    c.inc({ signer: "kubernetes.io/kube-apiserver-client-kubelet", outcome: "denied", reason: "BadCN" });
    const p = parseExposition(r.render());
    expect(p.type.get("approver_decisions_total")).toBe("counter");
    expect(p.help.get("approver_decisions_total")).toBe("Decisions by signer, outcome and reason.");
    expect(find(p, "approver_decisions_total", { signer: "kubernetes.io/kubelet-serving", outcome: "approved", reason: "AutoApproved" })).toBe(3);
    expect(find(p, "approver_decisions_total", { signer: "kubernetes.io/kube-apiserver-client-kubelet", outcome: "denied", reason: "BadCN" })).toBe(1);
    expect(c.get({ signer: "x", outcome: "y", reason: "z" })).toBe(0);
    // Reading a value does not create a series.
    expect(parseExposition(r.render()).samples).toHaveLength(2);
  });

  it("escapes label values and HELP text so they read back unchanged", () => {
    const r = new Registry();
    const nasty = 'a "quoted" back\\slash\nnew line, comma={}';
    r.counter({ name: "x_total", help: "help with \\ and\nnewline \"quotes\"", labelNames: ["v"] }).inc({ v: nasty });
    const text = r.render();
    expect(text).toContain('x_total{v="a \\"quoted\\" back\\\\slash\\nnew line, comma={}"} 1');
    const p = parseExposition(text);
    expect(p.help.get("x_total")).toBe('help with \\ and\nnewline "quotes"');
    expect(p.samples[0]!.labels.v).toBe(nasty);
  });

  it("renders gauges, including values set by a collect callback at render time", () => {
    const r = new Registry();
    let depth = 7;
    r.gauge({ name: "approver_queue_depth", help: "Keys waiting in the work queue.", collect: (g) => g.set(undefined, depth) });
    const leader = r.gauge({ name: "approver_leader", help: "1 while this replica leads.", labelNames: ["identity"] });
    leader.set({ identity: "pod-a" }, 1);
    leader.dec({ identity: "pod-a" });
    leader.inc({ identity: "pod-b" }, 1);
    let p = parseExposition(r.render());
    expect(p.type.get("approver_queue_depth")).toBe("gauge");
    expect(find(p, "approver_queue_depth")).toBe(7);
    expect(find(p, "approver_leader", { identity: "pod-a" })).toBe(0);
    expect(find(p, "approver_leader", { identity: "pod-b" })).toBe(1);
    depth = 0;
    p = parseExposition(r.render());
    expect(find(p, "approver_queue_depth")).toBe(0);
  });

  it("renders histograms with cumulative _bucket{le}, +Inf, _sum and _count", () => {
    const r = new Registry();
    const h = r.histogram({ name: "approver_approval_latency_seconds", help: "CSR creation to approval.", labelNames: ["signer"], buckets: [0.1, 1, 10] });
    for (const v of [0.05, 0.1, 0.5, 2, 30]) h.observe({ signer: "s" }, v);
    const p = parseExposition(r.render());
    expect(p.type.get("approver_approval_latency_seconds")).toBe("histogram");
    const bucket = (le: string) => find(p, "approver_approval_latency_seconds_bucket", { signer: "s", le });
    expect([bucket("0.1"), bucket("1"), bucket("10"), bucket("+Inf")]).toEqual([2, 3, 4, 5]);
    expect(find(p, "approver_approval_latency_seconds_sum", { signer: "s" })).toBeCloseTo(32.65);
    expect(find(p, "approver_approval_latency_seconds_count", { signer: "s" })).toBe(5);
    expect(h.get({ signer: "s" })).toEqual({ count: 5, sum: expect.closeTo(32.65) as number });
    // Buckets come in increasing le order, +Inf last, as scrapers expect.
    const les = p.samples.filter((s) => s.name.endsWith("_bucket")).map((s) => s.labels.le);
    expect(les).toEqual(["0.1", "1", "10", "+Inf"]);
  });

  it("uses Prometheus's default buckets when none are given", () => {
    const r = new Registry();
    r.histogram({ name: "h", help: "h" }).observe(undefined, 0.3);
    const p = parseExposition(r.render());
    expect(p.samples.filter((s) => s.name === "h_bucket")).toHaveLength(12);
    expect(find(p, "h_bucket", { le: "0.25" })).toBe(0);
    expect(find(p, "h_bucket", { le: "0.5" })).toBe(1);
  });

  it("formats special values as Prometheus does", () => {
    expect([formatValue(Infinity), formatValue(-Infinity), formatValue(NaN), formatValue(1.5), formatValue(3)]).toEqual(["+Inf", "-Inf", "NaN", "1.5", "3"]);
    expect(escapeLabelValue('\\"\n')).toBe('\\\\\\"\\n');
    expect(PROMETHEUS_CONTENT_TYPE).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it.each([
    { name: "bad metric name", make: (r: Registry) => r.counter({ name: "1bad", help: "" }) },
    { name: "bad label name", make: (r: Registry) => r.counter({ name: "ok_total", help: "", labelNames: ["a-b"] }) },
    { name: "reserved __ label", make: (r: Registry) => r.counter({ name: "ok_total", help: "", labelNames: ["__x"] }) },
    { name: "le on a histogram", make: (r: Registry) => r.histogram({ name: "ok", help: "", labelNames: ["le"] }) },
    { name: "unsorted buckets", make: (r: Registry) => r.histogram({ name: "ok", help: "", buckets: [1, 0.5] }) },
    { name: "duplicate registration", make: (r: Registry) => (r.gauge({ name: "ok", help: "" }), r.gauge({ name: "ok", help: "" })) },
  ])("rejects $name", ({ make }) => {
    expect(() => make(new Registry())).toThrow();
  });

  it("rejects missing or unknown labels and negative counter increments", () => {
    const r = new Registry();
    const c = r.counter({ name: "c_total", help: "", labelNames: ["a"] });
    expect(() => c.inc()).toThrow(/do not match/);
    expect(() => c.inc({ a: "1", b: "2" })).toThrow(/do not match/);
    expect(() => c.inc({ a: "1" }, -1)).toThrow(/cannot decrease/);
  });

  it("renders an empty registry as empty text", () => {
    expect(new Registry().render()).toBe("");
  });
});
