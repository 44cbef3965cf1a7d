// `deploy verify --smoke` as a library call: from the deploy state folder's
// admin certificate to the smoke checks' verdicts. The edges live here (the
// state, the /readyz probes, the client-node adapter); the sequence and the
// verdicts are smoke-checks.ts, against the SmokeApi port.
import { randomInt } from "node:crypto";
import { https } from "../https-probe.js";
import type { Inventory } from "../inventory.js";
import { pkiItem, trustPem, type Pki } from "../pki-build.js";
import { pkiLayout } from "../pki-layouts.js";
import { apiserverUrlFor, type Plan } from "../plan-model.js";
import { buildPlan } from "../plan.js";
import { loadState } from "../state.js";
import type { SmokeApi } from "./smoke-api.js";
import { runSmokeChecks, SMOKE_CHECK, type SmokeCheck } from "./smoke-checks.js";
import { createSmokeKubeApi, type SmokeKubeApiOptions } from "./smoke-kube-api.js";
import { DEFAULT_SMOKE_IMAGE, smokeNamespaceName } from "./smoke-workload.js";

export type { SmokeCheck } from "./smoke-checks.js";
export { DEFAULT_SMOKE_IMAGE } from "./smoke-workload.js";

export interface SmokeTestOptions {
  /** The cluster: its plan, or the inventory to plan. */
  plan?: Plan;
  inventory?: Inventory;
  /** The deploy state folder apply kept (the admin certificate and the CAs come from there) ... */
  stateDir?: string;
  /** ... or the PKI itself, already loaded. */
  pki?: Pki;
  /** Default docker.io/library/busybox:1.36; it must provide sh, hostname, httpd, nc and nslookup. */
  image?: string;
  /** How long the pods may take to be ready (image pull included); default 180 s. */
  timeoutMs?: number;
  /** Leave the namespace for debugging. */
  keep?: boolean;
  /** Aborting (Ctrl-C) skips what is left and still deletes the namespace. */
  signal?: AbortSignal;
  /** Each check as soon as it is decided, for progress output. */
  onCheck?: (c: SmokeCheck) => void;
  /** Stands in for the client-node adapter (tests). */
  makeApi?: (o: SmokeKubeApiOptions) => Promise<SmokeApi>;
}

export interface SmokeTestResult {
  ok: boolean;
  /** The API server the test went through: the first master whose /readyz answered. */
  apiServer: string | undefined;
  namespace: string;
  checks: SmokeCheck[];
}

export const SMOKE_API_CHECK = "smoke API server";

/**
 * The first URL whose /readyz answers 200, asked in order; with what each
 * earlier one said, so a run during a master's outage shows which was passed over.
 */
export async function pickApiServer(urls: readonly string[], readyz: (url: string) => Promise<string | true>): Promise<{ url: string | undefined; passedOver: string[] }> {
  const passedOver: string[] = [];
  for (const url of urls) {
    let r: string | true;
    try {
      r = await readyz(url);
    } catch (e) {
      r = e instanceof Error ? e.message : String(e);
    }
    if (r === true) return { url, passedOver };
    passedOver.push(`${url}: ${r}`);
  }
  return { url: undefined, passedOver };
}

/** Runs the smoke test against a deployed cluster; never throws for what it finds (a missing state folder does throw). */
export async function runSmokeTest(opts: SmokeTestOptions): Promise<SmokeTestResult> {
  const plan = opts.plan ?? (opts.inventory !== undefined ? buildPlan(opts.inventory) : undefined);
  if (plan === undefined) throw new TypeError("runSmokeTest needs a plan or an inventory");
  if (opts.pki === undefined && opts.stateDir === undefined) throw new TypeError("runSmokeTest needs a stateDir or a pki");
  const pki = opts.pki ?? (await loadState(plan, opts.stateDir!)).pki;
  const admin = pkiItem(pki, "admin");
  const ca = trustPem(pki, pkiLayout(plan.inventory).ids.mainCa);
  const masters = plan.inventory.nodes.filter((n) => n.roles.includes("master")).map((n) => apiserverUrlFor(plan, { roles: ["master"], address: n.address }));
  const namespace = smokeNamespaceName(() => randomInt(0, 36) / 36);
  const checks: SmokeCheck[] = [];
  const add = (c: SmokeCheck): void => {
    checks.push(c);
    opts.onCheck?.(c);
  };

  const picked = await pickApiServer(masters, async (url) => {
    const r = await https(`${url}/readyz`, { ca, cert: admin.cert, key: admin.key, timeoutMs: 5000 });
    return r.status === 200 ? true : `HTTP ${r.status}`;
  });
  const passed = picked.passedOver.length === 0 ? "" : ` (passed over ${picked.passedOver.join("; ")})`;
  if (picked.url === undefined) {
    add({ name: SMOKE_API_CHECK, ok: false, detail: `no master's /readyz answered: ${picked.passedOver.join("; ")}` });
    for (const name of Object.values(SMOKE_CHECK)) add({ name, ok: false, skipped: true, detail: "skipped: no API server" });
    return { ok: false, apiServer: undefined, namespace, checks };
  }
  add({ name: SMOKE_API_CHECK, ok: true, detail: `${picked.url}${passed}` });

  const api = await (opts.makeApi ?? createSmokeKubeApi)({ server: picked.url, ca, cert: admin.cert, key: admin.key });
  await runSmokeChecks({
    api,
    namespace,
    image: opts.image ?? DEFAULT_SMOKE_IMAGE,
    dnsDomain: plan.inventory.dnsDomain,
    apiServiceIp: plan.derived.apiserverServiceIp,
    expectedWorkers: plan.inventory.nodes.filter((n) => n.roles.includes("worker")).map((n) => n.name),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.keep !== undefined ? { keep: opts.keep } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    onCheck: add,
  });
  return { ok: checks.every((c) => c.ok), apiServer: picked.url, namespace, checks };
}

/** One line per smoke check: `ok`, `FAILED` or `skip`, its name and detail. */
export function formatSmokeCheck(c: SmokeCheck): string {
  return `${c.skipped === true ? "skip  " : c.ok ? "ok    " : "FAILED"} ${c.name}: ${c.detail}`;
}

/** The closing line of a smoke run. */
export function formatSmokeSummary(r: Pick<SmokeTestResult, "checks">): string {
  const failed = r.checks.filter((c) => !c.ok && c.skipped !== true).length;
  const skipped = r.checks.filter((c) => c.skipped === true).length;
  if (failed === 0 && skipped === 0) return `smoke test: all ${r.checks.length} checks passed`;
  return `smoke test: ${failed} of ${r.checks.length} checks failed${skipped > 0 ? `, ${skipped} skipped` : ""}`;
}
