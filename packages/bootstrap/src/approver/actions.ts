// The approver's side effects on the API: SubjectAccessReviews, Node
// lookups, the /approval update and Events. Every failure here is transient
// to the caller: it retries, and never turns an error into an approval.
import type { V1CertificateSigningRequest, V1Node } from "@kubernetes/client-node";
import { apiStatus } from "../kube-client.js";
import type { CsrObject } from "./csr-facts.js";
import type { ApprovalRule, Facts, NodeAddresses, RuleName } from "./policy.js";
import type { ApproverApi } from "./ports.js";

/** Asks whether the CSR's requester may `create certificatesigningrequests/<subresource>`. */
export async function checkSar(api: ApproverApi, csr: CsrObject, subresource: ApprovalRule): Promise<boolean> {
  const r = await api.createSubjectAccessReview({
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: {
      user: csr.username,
      uid: csr.uid,
      groups: csr.groups,
      extra: csr.extra,
      resourceAttributes: { group: "certificates.k8s.io", resource: "certificatesigningrequests", verb: "create", subresource },
    },
  });
  return r.status?.allowed === true;
}

const ipAddresses = (node: V1Node): string[] => (node.status?.addresses ?? []).map((a) => a.address).filter((a) => /^[0-9.]+$|:/.test(a));
// The names a Node answers to besides its own: Hostname, InternalDNS and ExternalDNS addresses.
const dnsNames = (node: V1Node): string[] =>
  (node.status?.addresses ?? []).filter((a) => a.type === "Hostname" || a.type === "InternalDNS" || a.type === "ExternalDNS").map((a) => a.address);

/** The Node's IP addresses (every address type whose value is an IP), or exists: false. */
export async function lookupNode(api: ApproverApi, name: string): Promise<NonNullable<Facts["node"]>> {
  try {
    const node = await api.readNode(name);
    return { exists: true, addresses: ipAddresses(node) };
  } catch (e) {
    if (apiStatus(e) === 404) return { exists: false, addresses: [] };
    throw e;
  }
}

/** Every Node's IP addresses and DNS names, all pages of the list; any error is the caller's to retry. */
export async function listNodeAddresses(api: ApproverApi): Promise<NodeAddresses[]> {
  const out: NodeAddresses[] = [];
  let _continue: string | undefined;
  do {
    const page = await api.listNodes({ limit: 500, _continue });
    for (const n of page.items) out.push({ name: n.metadata?.name ?? "", addresses: ipAddresses(n), dnsNames: dnsNames(n) });
    _continue = page.metadata?._continue || undefined;
  } while (_continue);
  return out;
}

/**
 * The condition and Event reason of a verdict. A non-canonical request gets
 * its own reason so that people and alerts can tell a crafted request (which
 * the kubelet never writes) from an ordinary misconfiguration.
 */
export function verdictReason(v: Pick<Verdict, "type" | "rule">): "AutoApproved" | "AutoDenied" | "NonCanonicalRequest" {
  if (v.type === "Approved") return "AutoApproved";
  return v.rule === "non-canonical-request" ? "NonCanonicalRequest" : "AutoDenied";
}

export type Verdict = { type: "Approved"; rule: ApprovalRule; message: string } | { type: "Denied"; rule: RuleName; message: string };

/** Thrown when the CSR changed under us (409) or vanished (404); the caller re-reads and decides again. */
export class StaleObjectError extends Error {
  override readonly name = "StaleObjectError";
}

/**
 * Writes the verdict through the /approval subresource, guarded by the
 * resourceVersion we decided on, so a CSR changed meanwhile is re-decided.
 */
export async function writeVerdict(api: ApproverApi, obj: V1CertificateSigningRequest, v: Verdict, now: Date): Promise<V1CertificateSigningRequest> {
  const body: V1CertificateSigningRequest = {
    ...obj,
    status: {
      ...obj.status,
      conditions: [
        ...(obj.status?.conditions ?? []),
        {
          type: v.type,
          status: "True",
          reason: verdictReason(v),
          message: v.type === "Approved" ? `${v.message} (rule ${v.rule}, k8s-pki approver)` : `Denied by the k8s-pki approver: rule ${v.rule}: ${v.message}`,
          lastUpdateTime: now,
        },
      ],
    },
  };
  try {
    return await api.replaceApproval(obj.metadata!.name!, body);
  } catch (e) {
    const s = apiStatus(e);
    if (s === 409 || s === 404) throw new StaleObjectError(`certificatesigningrequest ${obj.metadata?.name}: ${s === 409 ? "conflict" : "gone"}`);
    throw e;
  }
}

/** Records an Event on the CSR (best effort: a failed Event never blocks a decision). */
export async function recordEvent(api: ApproverApi, obj: V1CertificateSigningRequest, type: "Normal" | "Warning", reason: string, message: string, now: Date, component: string): Promise<void> {
  const name = obj.metadata?.name ?? "";
  try {
    await api.createEvent("default", {
      metadata: { generateName: `${name}.` },
      involvedObject: { apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", name, uid: obj.metadata?.uid, resourceVersion: obj.metadata?.resourceVersion },
      type,
      reason,
      message,
      source: { component },
      reportingComponent: component,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  } catch {
    // Events are for people; the decision itself is already written.
  }
}
