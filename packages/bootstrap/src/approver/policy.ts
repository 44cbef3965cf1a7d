// The approval policy: a pure function from a CSR (and the facts gathered for
// it) to a decision. Approves only what a node is entitled to; denies a CSR
// that claims a node identity and breaks a rule; leaves everything else alone.
import { parseGoCidr, parseGoIp } from "@k8s/pki";
import { KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, parseRequest, type CsrObject, type ParsedRequest, type ParseResult } from "./csr-facts.js";

/** Rules a CSR can break; used as the metric and event reason. */
export type RuleName =
  | "unparseable-request"
  /** Readable, but not exactly what the kubelet writes, or read differently by Go: nothing else is checked. */
  | "non-canonical-request"
  | "requester"
  | "organization"
  | "common-name"
  | "repeated-subject-attribute"
  | "subject-attributes"
  | "usages"
  | "san-types"
  | "san-required"
  | "san-forbidden"
  | "dns-name"
  | "ip-address"
  | "san-count"
  /** A bootstrap credential asking for the client certificate of a node that is already registered. */
  | "registered-node"
  | "key-type"
  | "expiration"
  | "subject-access-review";

export type ApprovalRule = "nodeclient" | "selfnodeclient" | "selfnodeserver";

/** SubjectAccessReview resource attributes (always certificates.k8s.io/certificatesigningrequests, verb create). */
export interface SarRequest {
  subresource: ApprovalRule;
}

/** Facts the controller fetched for a CSR; undefined means "not fetched yet". */
export interface Facts {
  /** Whether the requester may `create` the SAR's subresource. */
  sarAllowed?: boolean;
  /** The Node the certificate names; `exists: false` when no Node object has that name. */
  node?: { exists: boolean; addresses: string[] };
  /** Every registered Node's IP addresses (status.addresses), by name. */
  nodeAddresses?: NodeAddresses[];
}

export interface NodeAddresses {
  name: string;
  addresses: string[];
  /** Hostname, InternalDNS and ExternalDNS addresses (absent: none known). */
  dnsNames?: string[];
}

export type Decision =
  | { action: "ignore"; reason: string }
  /** Ask again with these facts: the SAR's answer, the named Node, every Node's addresses. */
  | { action: "need"; sar?: SarRequest; node?: string; nodeAddresses?: true }
  | { action: "deny"; rule: RuleName; message: string }
  /** Not approvable now, maybe later (RBAC or the Node may change): retried with backoff. */
  | { action: "wait"; rule: RuleName; message: string }
  | { action: "approve"; rule: ApprovalRule; message: string };

export interface ApproverPolicy {
  signers: string[];
  /** Extra DNS names a node may put in its serving certificate; `{node}` stands for its name; each must match whole. */
  dnsPatterns: string[];
  /** Where a serving certificate's IPs may be while the Node object does not exist yet. */
  cidrs: string[];
  /** Longest spec.expirationSeconds allowed. */
  maxExpirationSeconds: number;
  /** Most DNS and IP names one serving certificate may carry. */
  maxSans: number;
  /**
   * Whether a bootstrap credential may get the client certificate of a node
   * that is already registered (re-bootstrap after the node lost its key). Off,
   * a token holder cannot take over a running node's identity.
   */
  allowRebootstrap: boolean;
}

export const DEFAULT_POLICY: ApproverPolicy = {
  signers: [KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER],
  dnsPatterns: [],
  cidrs: [],
  maxExpirationSeconds: 367 * 24 * 3600,
  maxSans: 32,
  allowRebootstrap: false,
};

// RFC 1035's limit on a whole name; longer ones are refused before any pattern runs on them.
const MAX_DNS_NAME = 253;

const NODE_PREFIX = "system:node:";
// DNS-1123 subdomain: what a Node name may be.
const NODE_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const CLIENT_USAGES = [
  ["digital signature", "key encipherment", "client auth"],
  ["digital signature", "client auth"],
];
const SERVING_USAGES = [
  ["digital signature", "key encipherment", "server auth"],
  ["digital signature", "server auth"],
];

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const sa = new Set(a);
  return sa.size === a.length && sa.size === b.length && b.every((x) => sa.has(x));
};

function keyAllowed(k: ParsedRequest["key"]): boolean {
  if (k.algo === "rsa") return k.size >= 2048 && k.size <= 8192;
  if (k.algo === "ecdsa") return k.size === 256 || k.size === 384 || k.size === 521;
  return k.algo === "ed25519";
}

/**
 * Go's IPNet.Contains over net.ParseIP and net.ParseCIDR (@k8s/pki's port, the
 * one IP parser of the monorepo): IPv4 addresses (v4-mapped included) are only
 * in IPv4 networks, and anything either parser refuses is outside.
 */
export function ipInCidr(ip: string, cidr: string): boolean {
  const net = parseGoCidr(cidr);
  let addr = parseGoIp(ip);
  if (net === undefined || addr === undefined) return false;
  const to4 = (b: Uint8Array): Uint8Array | undefined =>
    b.length === 4 ? b : b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff ? b.subarray(12) : undefined;
  // As Go: ParseCIDR keeps the masked address, and networkNumberAndMask makes a v4-mapped network
  // (::ffff:10.0.0.0/104) an IPv4 one with the last 32 bits of the mask; an address is compared in its 4-byte
  // form whenever it has one.
  const masked = net.ip.map((b, i) => b & (0xff << Math.max(0, Math.min(8, 8 - (net.bits - i * 8)))) & 0xff);
  const base = to4(masked) ?? masked;
  const bits = net.ip.length === 16 && base.length === 4 ? Math.max(0, net.bits - 96) : net.bits;
  addr = to4(addr) ?? addr;
  if (addr.length !== base.length) return false;
  for (let i = 0; i < bits; i++) {
    const mask = 0x80 >> (i & 7);
    if ((addr[i >> 3]! & mask) !== (base[i >> 3]! & mask)) return false;
  }
  return true;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether a DNS SAN is the node's own name or fully matches one of the patterns. */
export function dnsAllowed(name: string, node: string, patterns: readonly string[]): boolean {
  if (name === node) return true;
  return patterns.some((p) => new RegExp(`^(?:${p.split("{node}").map((part) => part).join(escapeRe(node))})$`).test(name));
}

const deny = (rule: RuleName, message: string): Decision => ({ action: "deny", rule, message });

/** Checks shared by both signers on the subject, key and expiration. */
function commonChecks(csr: CsrObject, req: ParsedRequest, policy: ApproverPolicy): Decision | undefined {
  if (req.repeatedAttributes.length > 0) return deny("repeated-subject-attribute", `subject repeats ${req.repeatedAttributes.join(", ")}`);
  // The signers copy the whole subject into the certificate: a node's has its name and group and nothing else.
  if (req.otherSubjectAttributes.length > 0) return deny("subject-attributes", `subject has attributes other than O and CN: ${req.otherSubjectAttributes.join(", ")}`);
  if (req.organization.length !== 1 || req.organization[0] !== "system:nodes") {
    return deny("organization", `subject organization must be exactly [system:nodes], got ${JSON.stringify(req.organization)}`);
  }
  const node = req.commonName.startsWith(NODE_PREFIX) ? req.commonName.slice(NODE_PREFIX.length) : undefined;
  if (node === undefined || !NODE_NAME.test(node)) {
    return deny("common-name", `subject common name must be system:node:<node name>, got ${JSON.stringify(req.commonName)}`);
  }
  if (!keyAllowed(req.key)) return deny("key-type", `key type ${req.key.algo}${req.key.size ? `-${req.key.size}` : ""} is not allowed`);
  if (csr.expirationSeconds !== undefined && csr.expirationSeconds > policy.maxExpirationSeconds) {
    return deny("expiration", `expirationSeconds ${csr.expirationSeconds} exceeds the maximum ${policy.maxExpirationSeconds}`);
  }
  return undefined;
}

function decideClient(csr: CsrObject, req: ParsedRequest, policy: ApproverPolicy, facts: Facts): Decision {
  const common = commonChecks(csr, req, policy);
  if (common) return common;
  if (req.dns.length + req.email.length + req.ips.length + req.uris.length + req.otherSanTags.length > 0) {
    return deny("san-forbidden", "a kubelet client certificate must not have subject alternative names");
  }
  if (!CLIENT_USAGES.some((u) => sameSet(csr.usages, u))) return deny("usages", `usages ${JSON.stringify(csr.usages)} are not a kubelet client set`);
  const self = csr.username === req.commonName;
  // A node asking for another node's client certificate is never entitled to it.
  if (!self && csr.username.startsWith(NODE_PREFIX)) return deny("requester", `${csr.username} may not request a certificate for ${req.commonName}`);
  const rule: ApprovalRule = self ? "selfnodeclient" : "nodeclient";
  if (!self && !policy.allowRebootstrap) {
    // kube-controller-manager's nodeclient rule hands any token holder any node's
    // identity; a registered node is someone's running machine, so it is refused.
    const node = req.commonName.slice(NODE_PREFIX.length);
    if (facts.node === undefined) return { action: "need", node };
    if (facts.node.exists) {
      return deny("registered-node", `node ${node} is already registered; ${csr.username} may not take over its identity (re-bootstrap needs --allow-rebootstrap)`);
    }
  }
  if (facts.sarAllowed === undefined) return { action: "need", sar: { subresource: rule } };
  if (!facts.sarAllowed) return { action: "wait", rule: "subject-access-review", message: `${csr.username} may not create certificatesigningrequests/${rule}` };
  return {
    action: "approve",
    rule,
    message: self ? "Auto approving self kubelet client certificate after SubjectAccessReview." : "Auto approving kubelet client certificate after SubjectAccessReview.",
  };
}

function decideServing(csr: CsrObject, req: ParsedRequest, policy: ApproverPolicy, facts: Facts): Decision {
  if (!csr.username.startsWith(NODE_PREFIX) || !csr.groups.includes("system:nodes")) {
    return deny("requester", `serving certificates are for nodes: requester ${JSON.stringify(csr.username)} is not system:node:<name> in system:nodes`);
  }
  if (req.commonName !== csr.username) return deny("common-name", `subject common name ${JSON.stringify(req.commonName)} is not the requester ${JSON.stringify(csr.username)}`);
  const common = commonChecks(csr, req, policy);
  if (common) return common;
  if (!SERVING_USAGES.some((u) => sameSet(csr.usages, u))) return deny("usages", `usages ${JSON.stringify(csr.usages)} are not a kubelet serving set`);
  if (req.email.length + req.uris.length + req.otherSanTags.length > 0) return deny("san-types", "only DNS and IP subject alternative names are allowed");
  if (req.dns.length + req.ips.length === 0) return deny("san-required", "a serving certificate needs at least one DNS name or IP address");
  if (req.dns.length + req.ips.length > policy.maxSans) {
    return deny("san-count", `${req.dns.length + req.ips.length} DNS names and IP addresses exceed the maximum ${policy.maxSans}`);
  }
  const node = csr.username.slice(NODE_PREFIX.length);
  for (const d of req.dns) {
    if (d === "") return deny("dns-name", "empty DNS name");
    if (d.length > MAX_DNS_NAME) return deny("dns-name", `DNS name of ${d.length} characters is longer than ${MAX_DNS_NAME}`);
    if (!dnsAllowed(d, node, policy.dnsPatterns)) return deny("dns-name", `DNS name ${JSON.stringify(d)} is neither the node name nor allowed by a pattern`);
  }
  if (req.ips.length > 0) {
    if (facts.node === undefined) return { action: "need", node };
    if (facts.node.exists) {
      const own = new Set(facts.node.addresses);
      for (const ip of req.ips) if (!own.has(ip)) return deny("ip-address", `IP address ${ip} is not one of node ${node}'s addresses`);
    } else {
      for (const ip of req.ips) {
        if (!policy.cidrs.some((c) => ipInCidr(ip, c))) {
          return { action: "wait", rule: "ip-address", message: `node ${node} does not exist yet and ${ip} is outside the configured CIDRs` };
        }
      }
      // A CIDR holds the nodes that are already running too: an unregistered
      // name must not get a certificate for one of their addresses.
      if (facts.nodeAddresses === undefined) return { action: "need", nodeAddresses: true };
      for (const other of facts.nodeAddresses) {
        if (other.name === node) continue;
        const taken = new Set(other.addresses);
        for (const ip of req.ips) if (taken.has(ip)) return deny("ip-address", `IP address ${ip} belongs to node ${other.name}`);
      }
    }
  }
  // A pattern describes a shape, not an owner: a name it lets through must not
  // be another Node's name or one of its DNS addresses.
  const viaPattern = req.dns.filter((d) => d !== node);
  if (viaPattern.length > 0) {
    if (facts.nodeAddresses === undefined) return { action: "need", nodeAddresses: true };
    for (const other of facts.nodeAddresses) {
      if (other.name === node) continue;
      const owned = new Set([other.name, ...(other.dnsNames ?? [])].map((n) => n.toLowerCase()));
      for (const d of viaPattern) if (owned.has(d.toLowerCase())) return deny("dns-name", `DNS name ${JSON.stringify(d)} belongs to node ${other.name}`);
    }
  }
  if (facts.sarAllowed === undefined) return { action: "need", sar: { subresource: "selfnodeserver" } };
  if (!facts.sarAllowed) return { action: "wait", rule: "subject-access-review", message: `${csr.username} may not create certificatesigningrequests/selfnodeserver` };
  return { action: "approve", rule: "selfnodeserver", message: "Auto approving self kubelet serving certificate after SubjectAccessReview and address checks." };
}

/**
 * Decides what to do with a CSR. Call it again with the facts it asks for
 * ("need"); a "wait" is retried later, never approved. `parse`, when given,
 * returns `parseRequest(csr.request)` (memoised by the caller, so asking
 * again does not parse the request again); it is called only for a CSR past
 * the signer and status checks.
 */
export function decide(csr: CsrObject, policy: ApproverPolicy, facts: Facts = {}, parse: () => ParseResult = () => parseRequest(csr.request)): Decision {
  if (!policy.signers.includes(csr.signerName)) return { action: "ignore", reason: `signer ${csr.signerName} is not handled` };
  if (csr.issued || csr.conditions.some((c) => c === "Approved" || c === "Denied")) return { action: "ignore", reason: "already decided" };
  if (csr.conditions.includes("Failed")) return { action: "ignore", reason: "already failed" };
  const parsed = parse();
  if (!parsed.ok) {
    const rule: RuleName = parsed.rule === "non-canonical-request" ? "non-canonical-request" : "unparseable-request";
    return deny(rule, rule === "non-canonical-request" ? `the request is not in canonical form: ${parsed.error}` : `unable to parse the request: ${parsed.error}`);
  }
  return csr.signerName === KUBELET_CLIENT_SIGNER ? decideClient(csr, parsed.request, policy, facts) : decideServing(csr, parsed.request, policy, facts);
}
