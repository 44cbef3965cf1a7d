// The approver's product in one function: decide one CSR with the pure policy,
// fetching the facts it asks for, and write the verdict (and an Event)
// through the API port. The request is parsed once per handling. Every
// error is retried later; none turns into an approval.
import type { V1CertificateSigningRequest } from "@kubernetes/client-node";
import type { Logger } from "../controller-runtime/logger.js";
import type { Counter, Histogram } from "../controller-runtime/metrics.js";
import { checkSar, listNodeAddresses, lookupNode, recordEvent, StaleObjectError, verdictReason, writeVerdict } from "./actions.js";
import type { ApproverConfig } from "./config.js";
import { parseRequest, type ParseResult } from "./csr-facts.js";
import { toCsrObject } from "./csr-object.js";
import { decide, type Decision, type Facts } from "./policy.js";
import type { ApproverApi } from "./ports.js";

/** The component name on Events and in logs. */
export const COMPONENT = "k8s-pki-approver";

/** What became of a CSR, as the `outcome` label of k8s_pki_approver_decisions_total. */
export type Outcome = "approved" | "denied" | "left-pending" | "waiting" | "error" | "dry-run";

/** Where handle() records what it did. */
export interface HandleMetrics {
  /** k8s_pki_approver_decisions_total{signer, outcome, reason}. */
  decisions: Pick<Counter, "inc">;
  /** k8s_pki_approver_approval_seconds{signer}. */
  latency: Pick<Histogram, "observe">;
}

/** Everything handle() needs besides the CSR and the API. */
export interface HandleContext {
  config: Pick<ApproverConfig, "policy" | "dryRun" | "denyMode">;
  logger: Logger;
  metrics: HandleMetrics;
  now: () => Date;
  /**
   * Aborts when this replica stops leading: a verdict decided after that is
   * not written (the new leader decides the CSR again).
   */
  signal?: AbortSignal;
}

const errorText = (e: unknown): string => {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "number" ? `HTTP ${code}` : e instanceof Error ? e.message : String(e);
};

/**
 * Decides one CSR (as read from the cache) and writes the verdict; returns
 * true when it must be retried later. A write refused because the CSR
 * changed (409) or vanished (404) re-reads it and decides again, at most
 * three times in all.
 */
export async function handle(obj: V1CertificateSigningRequest | undefined, api: ApproverApi, ctx: HandleContext): Promise<boolean> {
  const { logger, config, metrics, now, signal } = ctx;
  const name = obj?.metadata?.name ?? "";
  const count = (signer: string, outcome: Outcome, reason: string): void => metrics.decisions.inc({ signer, outcome, reason });
  // One parse per request text: a re-read CSR with the same request is not parsed again.
  let parsedFor: string | undefined;
  let parsed: ParseResult | undefined;
  for (let attempt = 0; obj && attempt < 3; attempt++) {
    const csr = toCsrObject(obj);
    const signer = csr.signerName;
    const parse = (): ParseResult => {
      if (parsed === undefined || parsedFor !== csr.request) {
        parsed = parseRequest(csr.request);
        parsedFor = csr.request;
      }
      return parsed;
    };
    const facts: Facts = {};
    let d: Decision = decide(csr, config.policy, facts, parse);
    try {
      while (d.action === "need") {
        const before = Object.keys(facts).length;
        if (d.node !== undefined && facts.node === undefined) facts.node = await lookupNode(api, d.node);
        if (d.nodeAddresses && facts.nodeAddresses === undefined) facts.nodeAddresses = await listNodeAddresses(api);
        if (d.sar && facts.sarAllowed === undefined) facts.sarAllowed = await checkSar(api, csr, d.sar.subresource);
        // A policy that asks again for what it has would loop forever: treat it as an error (retried, never approved).
        if (Object.keys(facts).length === before) throw new Error(`the policy asked again for facts it has: ${JSON.stringify(d)}`);
        d = decide(csr, config.policy, facts, parse);
      }
    } catch (e) {
      count(signer, "error", "fact-lookup");
      logger.log("warn", "transient error while checking a CSR; will retry", { csr: name, error: errorText(e) });
      return true;
    }
    if (signal?.aborted) return true; // lost the lease while looking: the new leader decides
    switch (d.action) {
      case "ignore":
        return false;
      case "wait":
        count(signer, "waiting", d.rule);
        logger.log("info", "not approvable yet; will retry", { csr: name, signer, rule: d.rule, reason: d.message });
        return true;
      case "approve":
      case "deny": {
        const verdict = d.action === "approve" ? { type: "Approved" as const, rule: d.rule, message: d.message } : { type: "Denied" as const, rule: d.rule, message: d.message };
        if (config.dryRun) {
          count(signer, "dry-run", d.rule);
          logger.log("info", `dry run: would ${d.action}`, { csr: name, signer, rule: d.rule, reason: d.message });
          return false;
        }
        if (d.action === "deny" && config.denyMode === "pending") {
          count(signer, "left-pending", d.rule);
          logger.log("warn", "breaks a rule; left pending (deny-mode=pending)", { csr: name, signer, rule: d.rule, reason: d.message });
          return false;
        }
        try {
          const updated = await writeVerdict(api, obj, verdict, now());
          const at = now();
          if (d.action === "approve") {
            count(signer, "approved", d.rule);
            if (csr.createdAt) metrics.latency.observe({ signer }, Math.max(0, (at.getTime() - csr.createdAt.getTime()) / 1000));
            logger.log("info", "approved", { csr: name, signer, rule: d.rule, requester: csr.username });
            void recordEvent(api, updated, "Normal", verdictReason(verdict), `${d.message} (rule ${d.rule})`, at, COMPONENT);
          } else {
            count(signer, "denied", d.rule);
            logger.log("warn", "denied", { csr: name, signer, rule: d.rule, reason: d.message, requester: csr.username });
            void recordEvent(api, updated, "Warning", verdictReason(verdict), `rule ${d.rule}: ${d.message}`, at, COMPONENT);
          }
          return false;
        } catch (e) {
          if (e instanceof StaleObjectError) {
            // Someone changed it since we read it: read it again and decide again.
            obj = await reread(api, name);
            continue;
          }
          count(signer, "error", "write");
          logger.log("warn", "could not write the verdict; will retry", { csr: name, error: errorText(e) });
          return true;
        }
      }
    }
  }
  return false;
}

async function reread(api: ApproverApi, name: string): Promise<V1CertificateSigningRequest | undefined> {
  try {
    return await api.readCsr(name);
  } catch {
    return undefined;
  }
}
