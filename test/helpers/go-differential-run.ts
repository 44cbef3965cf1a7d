// Runs inputs through Go (scripts/go/x509read) and through @k8s/pki and tallies where they disagree.
//
// Shared by the CI test (test/pki/go-differential.test.ts, about 20,000 inputs) and the long run
// (scripts/differential.sh, 500,000 and more), which works in batches so memory stays flat.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { craftedRequests, buildCertificate, generateKey, nodeSubject } from "./crafted-requests.js";
import { diffField, ourReading, readingDiff, type GoReading, type Kind } from "./go-reading.js";
import { fixedKeys, mutants } from "./x509-mutants.js";

export interface Input {
  name: string;
  kind: Kind;
  input: Buffer;
}

/** Runs x509read once over all inputs (streamed through stdin and stdout), in order. */
export async function goReadings(bin: string, inputs: readonly Input[]): Promise<GoReading[]> {
  const child = spawn(bin, [], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const out: GoReading[] = [];
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  const reading = (async () => {
    for await (const line of lines) out.push(JSON.parse(line) as GoReading);
  })();
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? -1));
  });
  for (const i of inputs) {
    const ok = child.stdin.write(JSON.stringify({ kind: i.kind, pem: i.input.toString("base64") }) + "\n");
    if (!ok) await new Promise((r) => child.stdin.once("drain", r));
  }
  child.stdin.end();
  const code = await exited;
  await reading;
  if (code !== 0 || out.length !== inputs.length) {
    throw new Error(`x509read exited ${code} after ${out.length} of ${inputs.length} readings: ${stderr.slice(0, 2000)}`);
  }
  return out;
}

/** The crafted requests of issue 12 plus a few certificates, as inputs. */
export function craftedInputs(): Input[] {
  const key = fixedKeys().p256;
  const out: Input[] = craftedRequests({ nodeName: "node-a", evilName: "node-b", keyPem: key }).map((r) => ({
    name: `crafted/${r.name}`,
    kind: "csr" as const,
    input: Buffer.from(r.pem, "utf8"),
  }));
  out.push({ name: "crafted/cert/self-signed", kind: "cert", input: Buffer.from(buildCertificate({ key, subjectRdns: nodeSubject("node-a") }).pem) });
  out.push({ name: "crafted/cert/rsa-fresh", kind: "cert", input: Buffer.from(buildCertificate({ key: generateKey("rsa-2048") }).pem) });
  // The same PEM texts read as certificates: the first-block rules are shared.
  for (const r of out.filter((x) => x.name.startsWith("crafted/pem/")).slice(0, 12)) out.push({ ...r, name: `${r.name}#as-cert`, kind: "cert" });
  return out;
}

export interface Example {
  name: string;
  kind: Kind;
  inputBase64: string;
  go: GoReading;
  ours: GoReading;
  diff: string[];
}

export interface Tally {
  inputs: number;
  bothAccept: number;
  bothReject: number;
  goOnly: number;
  oursOnly: number;
  /** Accepted by both but read differently. */
  readDifferently: number;
  /** Inputs where the PEM reading differs (whatever the DER outcome). */
  pemDiffers: number;
  exceptions: { name: string; message: string; inputBase64: string }[];
  slowest: { name: string; ms: number; bytes: number }[];
  /** Inputs up to 64 KB our side took more than 10 ms on. */
  slow: { name: string; ms: number; bytes: number }[];
  /** Disagreements grouped by class: "read:<field>", "accept:go-only:<go error>", "accept:ours-only:<our error>". */
  classes: Map<string, { count: number; example: Example }>;
}

export function emptyTally(): Tally {
  return { inputs: 0, bothAccept: 0, bothReject: 0, goOnly: 0, oursOnly: 0, readDifferently: 0, pemDiffers: 0, exceptions: [], slowest: [], slow: [], classes: new Map() };
}

/** Go's error text without the parts that vary per input, so one class is one message shape. */
function errorClass(e: string | undefined): string {
  return (e ?? "").replace(/\{[^}]*\}/g, "{…}").replace(/"[^"]*"/g, '"…"').replace(/\d+/g, "N").slice(0, 90);
}

function note(t: Tally, cls: string, ex: Example): void {
  const c = t.classes.get(cls);
  if (!c) t.classes.set(cls, { count: 1, example: ex });
  else {
    c.count++;
    // Keep the smallest input as the example: easiest to read.
    if (ex.inputBase64.length < c.example.inputBase64.length) c.example = ex;
  }
}

/** Compares one batch: Go's readings against ours, measured per input after a warm-up. */
export function compareBatch(t: Tally, inputs: readonly Input[], go: readonly GoReading[], warmup = 0): void {
  for (let i = 0; i < Math.min(warmup, inputs.length); i++) ourReading(inputs[i]!.kind, inputs[i]!.input);
  inputs.forEach((inp, i) => {
    const g = go[i]!;
    const first = ourReading(inp.kind, inp.input);
    const { reading: o, exception } = first;
    let ms = first.ms;
    // A garbage collection or a busy neighbour on a 2-core machine (CI runs the other test files alongside) can
    // stall one parse; a parser that is slow on this input is slow every time, so the best of six is what counts.
    for (let r = 0; r < 5 && ms > 10; r++) ms = Math.min(ms, ourReading(inp.kind, inp.input).ms);
    t.inputs++;
    const ex = (): Example => ({ name: inp.name, kind: inp.kind, inputBase64: inp.input.toString("base64"), go: g, ours: o, diff: readingDiff(g, o) });
    if (exception !== undefined) {
      t.exceptions.push({ name: inp.name, message: exception instanceof Error ? `${exception.name}: ${exception.message}` : String(exception), inputBase64: inp.input.toString("base64") });
      note(t, `exception:${exception instanceof Error ? exception.name : typeof exception}`, ex());
    }
    const rec = { name: inp.name, ms, bytes: inp.input.length };
    if (ms > 10 && inp.input.length <= 64 * 1024) t.slow.push(rec);
    if (t.slowest.length < 5 || ms > t.slowest[t.slowest.length - 1]!.ms) {
      t.slowest.push(rec);
      t.slowest.sort((a, b) => b.ms - a.ms);
      t.slowest.length = Math.min(t.slowest.length, 5);
    }
    const pemDiff = readingDiff({ ok: false, pem: g.pem }, { ok: false, pem: o.pem }).length > 0;
    if (pemDiff) t.pemDiffers++;
    if (g.ok && o.ok) {
      t.bothAccept++;
      const d = readingDiff(g, o);
      if (d.length) {
        t.readDifferently++;
        note(t, `read:${[...new Set(d.map(diffField))].sort().join(",")}`, ex());
      }
    } else if (!g.ok && !o.ok) {
      t.bothReject++;
      if (pemDiff) note(t, g.pem === null ? "pem:go-no-block" : o.pem === null ? "pem:ours-no-block" : `pem:${readingDiff({ ok: false, pem: g.pem }, { ok: false, pem: o.pem }).join(",")}`, ex());
    } else if (g.ok) {
      t.goOnly++;
      note(t, pemDiff ? `accept:go-only:pem-differs` : `accept:go-only:${errorClass(o.error)}`, ex());
    } else {
      t.oursOnly++;
      note(t, pemDiff ? `accept:ours-only:pem-differs` : `accept:ours-only:${errorClass(g.error)}`, ex());
    }
  });
}

/** Generates inputs (crafted first, then mutants) in batches, runs both sides, returns the tally. */
export async function runDifferential(opts: {
  bin: string;
  seed: number;
  mutants: number;
  batch?: number;
  rsa?: boolean;
  onBatch?: (t: Tally, done: number) => void;
}): Promise<Tally> {
  const t = emptyTally();
  const batchSize = opts.batch ?? 10_000;
  let batch: Input[] = craftedInputs();
  let first = true;
  const flush = async () => {
    const go = await goReadings(opts.bin, batch);
    compareBatch(t, batch, go, first ? 300 : 0);
    first = false;
    batch = [];
    opts.onBatch?.(t, t.inputs);
  };
  for (const m of mutants({ seed: opts.seed, count: opts.mutants, rsa: opts.rsa ?? true })) {
    batch.push(m);
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length) await flush();
  return t;
}

/** A short, actionable description of one example: the input and the first differing fields on both sides. */
export function describeExample(ex: Example, maxFields = 6): string {
  const pick = (r: GoReading) => {
    const o: Record<string, unknown> = { ok: r.ok };
    if (r.error) o.error = r.error;
    for (const p of ex.diff.slice(0, maxFields)) {
      const top = p.split(/[.[]/)[0]!;
      if (top && top in r) o[top] = (r as unknown as Record<string, unknown>)[top];
    }
    return JSON.stringify(o).slice(0, 1500);
  };
  return [
    `${ex.name} (${ex.kind})`,
    `  input (base64): ${ex.inputBase64.length > 16000 ? ex.inputBase64.slice(0, 16000) + `… (${ex.inputBase64.length} chars)` : ex.inputBase64}`,
    `  differs at: ${ex.diff.slice(0, 12).join(", ")}`,
    `  go:   ${pick(ex.go)}`,
    `  ours: ${pick(ex.ours)}`,
  ].join("\n");
}

/** The figures CI prints. */
export function summary(t: Tally): string {
  return [
    `inputs ${t.inputs}`,
    `both accept ${t.bothAccept}`,
    `both reject ${t.bothReject}`,
    `read differently ${t.readDifferently}`,
    `go accepts only ${t.goOnly}`,
    `we accept only ${t.oursOnly}`,
    `pem reading differs ${t.pemDiffers}`,
    `exceptions ${t.exceptions.length}`,
    `over 10 ms ${t.slow.length}`,
    `slowest ${t.slowest.map((s) => `${s.ms.toFixed(1)} ms (${s.bytes} B, ${s.name.slice(0, 60)})`).join("; ")}`,
  ].join(", ");
}

/** Disagreement classes, largest first, one example each. */
export function classReport(t: Tally, examples = true): string {
  return [...t.classes.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .map(([cls, { count, example }]) => `${count}\t${cls}${examples ? "\n" + describeExample(example) : ""}`)
    .join("\n");
}
