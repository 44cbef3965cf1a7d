// The approver's policy flags, in one table: `approver run` declares them
// (with their help, environment variable and default), `approver manifests`
// declares them again to write them into the Deployment, and policyArgs()
// turns a ManifestPolicy back into `approver run` arguments, all from here.
import type { RawApproverOptions } from "./config.js";

/** The `approver run` policy settings a Deployment's arguments can carry. */
export interface ManifestPolicy {
  /** `--signers`: comma-separated, full names or `client` / `serving`. */
  signers?: string;
  /** `--dns-pattern`, one argument each (never split on commas). */
  dnsPatterns?: string[];
  /** `--cidr`, one argument each. */
  cidrs?: string[];
  /** `--max-sans`. */
  maxSans?: string;
  /** `--allow-rebootstrap`. */
  allowRebootstrap?: boolean;
  /** `--max-expiration`, a Go duration. */
  maxExpiration?: string;
  /** `--deny-mode`: deny or pending. */
  denyMode?: string;
  /** `--dry-run`. */
  dryRun?: boolean;
  /** `--log-format`: json or text. */
  logFormat?: string;
  /** `--workers`. */
  workers?: string;
  /** `--lease-name`. */
  leaseName?: string;
}

/** One policy flag of `approver run`. */
export interface ApproverFlag {
  /** The flag without dashes, e.g. `dns-pattern`. */
  name: string;
  /** Its value placeholder, e.g. `<regex>`; absent for a boolean flag. */
  value?: string;
  /** The field of {@link ManifestPolicy}. */
  policyKey: keyof ManifestPolicy;
  /** The field of {@link RawApproverOptions} (commander's camel-case name of the flag). */
  optionKey: keyof RawApproverOptions & string;
  /** Its environment variable, after `K8S_PKI_APPROVER_`. */
  env: string;
  /** `approver run --help`. */
  help: string;
  /** `approver manifests --help`. */
  manifestHelp: string;
  /** The default `approver run` shows and applies (absent: config.ts decides). */
  default?: string;
  /** Given once per value (`--cidr a --cidr b`). */
  repeatable?: boolean;
}

/** The policy flags, in the order `approver manifests` and policyArgs() list them. */
export const APPROVER_POLICY_FLAGS: readonly ApproverFlag[] = [
  {
    name: "signers",
    value: "<list>",
    policyKey: "signers",
    optionKey: "signers",
    env: "SIGNERS",
    help: "signers to handle: kubernetes.io/kube-apiserver-client-kubelet, kubernetes.io/kubelet-serving (or client, serving)",
    manifestHelp: "as approver run --signers",
  },
  {
    name: "dns-pattern",
    value: "<regex>",
    policyKey: "dnsPatterns",
    optionKey: "dnsPattern",
    env: "DNS_PATTERN",
    help: "extra DNS names a node may put in its serving certificate, a regular expression matched whole; {node} is its name (repeatable; commas are part of the pattern; in the environment variable, one pattern per line)",
    manifestHelp: "as approver run --dns-pattern (repeatable, never split on commas)",
    repeatable: true,
  },
  {
    name: "cidr",
    value: "<cidr>",
    policyKey: "cidrs",
    optionKey: "cidr",
    env: "CIDR",
    help: "where serving-certificate IPs may be while the Node object does not exist yet, never an IP another Node lists (repeatable, or comma-separated)",
    manifestHelp: "as approver run --cidr (repeatable, or comma-separated)",
    repeatable: true,
  },
  {
    name: "max-sans",
    value: "<n>",
    policyKey: "maxSans",
    optionKey: "maxSans",
    env: "MAX_SANS",
    help: "most DNS names and IP addresses in one serving certificate; a kubelet asks for its hostname and its addresses (a handful), so more is not a kubelet (default 32)",
    manifestHelp: "as approver run --max-sans",
  },
  {
    name: "allow-rebootstrap",
    policyKey: "allowRebootstrap",
    optionKey: "allowRebootstrap",
    env: "ALLOW_REBOOTSTRAP",
    help: "let a bootstrap token get the client certificate of a node that is already registered (re-bootstrap after a lost key); by default that is denied (rule registered-node), since it hands over a running node's identity",
    manifestHelp: "as approver run --allow-rebootstrap",
  },
  {
    name: "max-expiration",
    value: "<duration>",
    policyKey: "maxExpiration",
    optionKey: "maxExpiration",
    env: "MAX_EXPIRATION",
    help: "longest spec.expirationSeconds allowed, as a Go duration (default 8808h = 367 days)",
    manifestHelp: "as approver run --max-expiration",
  },
  {
    name: "deny-mode",
    value: "<mode>",
    policyKey: "denyMode",
    optionKey: "denyMode",
    env: "DENY_MODE",
    help: "deny: write Denied for CSRs that break a rule; pending: leave them and log",
    manifestHelp: "as approver run --deny-mode: deny or pending",
    default: "deny",
  },
  { name: "dry-run", policyKey: "dryRun", optionKey: "dryRun", env: "DRY_RUN", help: "decide and log, write nothing", manifestHelp: "as approver run --dry-run" },
  {
    name: "log-format",
    value: "<format>",
    policyKey: "logFormat",
    optionKey: "logFormat",
    env: "LOG_FORMAT",
    help: "json or text",
    manifestHelp: "as approver run --log-format: json or text",
    default: "json",
  },
  { name: "workers", value: "<n>", policyKey: "workers", optionKey: "workers", env: "WORKERS", help: "concurrent CSR workers", manifestHelp: "as approver run --workers", default: "5" },
  { name: "lease-name", value: "<name>", policyKey: "leaseName", optionKey: "leaseName", env: "LEASE_NAME", help: "Lease name", manifestHelp: "as approver run --lease-name", default: "k8s-pki-approver" },
];

/** The table entry of a policy flag, by name. */
export function approverFlag(name: string): ApproverFlag {
  const f = APPROVER_POLICY_FLAGS.find((x) => x.name === name);
  if (!f) throw new RangeError(`no approver policy flag --${name}`);
  return f;
}

/** A ManifestPolicy as the raw options resolveApproverConfig() checks. */
export function policyToRawOptions(p: ManifestPolicy): RawApproverOptions {
  const raw: Record<string, unknown> = {};
  for (const f of APPROVER_POLICY_FLAGS) raw[f.optionKey] = p[f.policyKey];
  return raw as RawApproverOptions;
}

/** The `approver run` arguments for a policy, `--flag=value` each, in table order; unset fields are left out. */
export function formatPolicyArgs(p: ManifestPolicy): string[] {
  const args: string[] = [];
  for (const f of APPROVER_POLICY_FLAGS) {
    const v = p[f.policyKey];
    if (v === undefined) continue;
    if (f.value === undefined) {
      if (v) args.push(`--${f.name}`);
    } else {
      // `--flag=value`: one array element each, so a pattern with spaces or commas stays whole.
      for (const x of Array.isArray(v) ? v : [v]) args.push(`--${f.name}=${String(x)}`);
    }
  }
  return args;
}
