// deploy verify's smoke flags (--smoke, --smoke-only, --smoke-image,
// --smoke-timeout, --keep) and the run they start: each check printed as it
// is decided, Ctrl-C still deleting the namespace.
import { InvalidArgumentError, Option, type Command } from "commander";
import { parseGoDuration } from "@k8s/pki";
import { DEFAULT_SMOKE_IMAGE, formatSmokeCheck, formatSmokeSummary, runSmokeTest, type Plan, type Pki, type SmokeTestResult } from "@k8s/deploy";
import type { CliIo } from "../io.js";

export interface SmokeFlags {
  smoke?: boolean;
  smokeOnly?: boolean;
  smokeImage: string;
  smokeTimeout: number;
  keep?: boolean;
}

/** A Go duration (180s, 3m) as milliseconds, positive. */
export function parseSmokeTimeout(s: string): number {
  let ns: bigint;
  try {
    ns = parseGoDuration(s);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
  if (ns <= 0n) throw new InvalidArgumentError("must be positive");
  return Number(ns / 1_000_000n);
}

export function addSmokeOptions(cmd: Command): Command {
  return cmd
    .option("--smoke", "after the checks, run the smoke test: a Deployment over the workers and a Service in a fresh namespace; kubectl logs and exec, pod-to-pod across nodes, the ClusterIP and DNS from inside a pod; then delete the namespace")
    .option("--smoke-only", "run only the smoke test (through the first master whose /readyz answers), not the other checks")
    .option("--smoke-image <image>", "the smoke pods' image (needs sh, hostname, httpd, nc and nslookup, as busybox has)", DEFAULT_SMOKE_IMAGE)
    .addOption(new Option("--smoke-timeout <duration>", "how long the smoke pods may take to be ready (image pull included)").argParser(parseSmokeTimeout).default(180_000, "180s"))
    .option("--keep", "leave the smoke namespace for debugging (it is named in the output)");
}

/**
 * The smoke run; in text output each check is printed as it is decided. A
 * first SIGINT or SIGTERM skips what is left and deletes the namespace; a
 * second one is not caught.
 */
export async function runSmoke(io: CliIo, plan: Plan, pki: Pki, o: SmokeFlags, text: boolean): Promise<SmokeTestResult> {
  const stop = new AbortController();
  const onSignal = (): void => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    io.stderr("interrupted: skipping the rest of the smoke test, deleting its namespace\n");
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const r = await runSmokeTest({
      plan,
      pki,
      image: o.smokeImage,
      timeoutMs: o.smokeTimeout,
      keep: o.keep === true,
      signal: stop.signal,
      ...(text ? { onCheck: (c) => io.stdout(formatSmokeCheck(c) + "\n") } : {}),
    });
    if (text) io.stdout(formatSmokeSummary(r) + "\n");
    return r;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
