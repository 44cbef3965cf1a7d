// The renewal timer: an optional systemd timer on every master that runs
// `k8s-pki certs check --textfile` for node_exporter's textfile collector,
// and (opt-in) one on the node that keeps the deploy state that renews the
// state's leaf certificates once one is within the threshold and ships them
// with `deploy apply`. Inventory field `renewal`; absent means no timer.
import { posix } from "node:path";
import { parseThreshold } from "@k8s/pki";
import { DeployError } from "../errors.js";
import type { PlanNode } from "../plan-model.js";

/** Inventory `renewal.renew`: renew and apply from the node that holds the deploy state. */
export interface RenewalApply {
  /** The inventory node that runs `deploy apply` (it holds the state folder, the inventory and the SSH key). */
  node: string;
  /** The deploy state folder on that node (`deploy apply --state`). */
  stateDir: string;
  /** The inventory file on that node. */
  inventory: string;
  /** SSH private key `deploy apply` uses to reach the nodes. */
  sshKey: string;
  sshUser?: string;
  knownHosts?: string;
}

/** Inventory `renewal`. */
export interface RenewalSettings {
  /** systemd OnCalendar expression (default `daily`). */
  schedule: string;
  /** `certs check --warn`, also the renewal threshold (default `30d`). */
  warn: string;
  /** node_exporter's textfile collector folder (default /var/lib/node_exporter/textfile_collector). */
  textfileDir: string;
  /** Opt-in: renew what is within `warn` and apply. */
  renew?: RenewalApply;
}

export const RENEWAL_DEFAULTS = { schedule: "daily", warn: "30d", textfileDir: "/var/lib/node_exporter/textfile_collector" } as const;

export const CHECK_TIMER = "k8s-pki-certs-check.timer";
export const CHECK_SERVICE = "k8s-pki-certs-check.service";
export const RENEW_TIMER = "k8s-pki-certs-renew.timer";
export const RENEW_SERVICE = "k8s-pki-certs-renew.service";

/** Exit status of `certs check` when a certificate expires within --warn (see the CLI's certs command). */
const EXIT_EXPIRING = 3;

const invalid = (field: string, message: string): DeployError => new DeployError("inventory-invalid", `${field}: ${message}`, { field });

type Obj = Record<string, unknown>;

function mapping(v: unknown, field: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalid(field, `must be a mapping, not ${v === null ? "null" : Array.isArray(v) ? "array" : typeof v}`);
  return v as Obj;
}

function known(o: Obj, keys: readonly string[], prefix: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw invalid(prefix + k, `unknown field (known: ${keys.join(", ")})`);
}

function text(o: Obj, key: string, field: string, def?: string): string {
  const v = o[key];
  if (v === undefined || v === null) {
    if (def !== undefined) return def;
    throw invalid(field, "is required");
  }
  if (typeof v !== "string" || v === "") throw invalid(field, `must be a non-empty string, not ${JSON.stringify(v)}`);
  return v;
}

/** Unit files take these values unquoted (and inside `sh -c '...'`): no spaces, quotes, `%`, `$` or backslashes. */
function absPath(o: Obj, key: string, field: string, def?: string): string {
  const v = text(o, key, field, def);
  if (!posix.isAbsolute(v) || !/^[\w./+@=,:-]+$/.test(v)) throw invalid(field, `${JSON.stringify(v)} must be an absolute path of letters, digits and ./_+@=,:-`);
  return posix.normalize(v);
}

/** Validates inventory `renewal`; `nodes` are the inventory's node names (renew.node must be one). */
export function parseRenewal(raw: unknown, nodes: readonly string[]): RenewalSettings {
  const o = mapping(raw ?? {}, "renewal");
  known(o, ["schedule", "warn", "textfileDir", "renew"], "renewal.");
  const schedule = text(o, "schedule", "renewal.schedule", RENEWAL_DEFAULTS.schedule);
  // A calendar expression has no quotes, newlines or specifiers; systemd checks the rest when the timer loads.
  if (!/^[\w ,:*/.~+-]+$/.test(schedule)) throw invalid("renewal.schedule", `${JSON.stringify(schedule)} is not a systemd OnCalendar expression (e.g. daily, *-*-* 03:00:00)`);
  const warn = text(o, "warn", "renewal.warn", RENEWAL_DEFAULTS.warn);
  try {
    parseThreshold(warn);
  } catch {
    throw invalid("renewal.warn", `${JSON.stringify(warn)} is not a duration (e.g. 30d, 720h)`);
  }
  if (!/^[\w.]+$/.test(warn)) throw invalid("renewal.warn", `${JSON.stringify(warn)} is not a duration (e.g. 30d, 720h)`);
  const textfileDir = absPath(o, "textfileDir", "renewal.textfileDir", RENEWAL_DEFAULTS.textfileDir);
  const settings: RenewalSettings = { schedule, warn, textfileDir };
  if (o.renew !== undefined && o.renew !== null && o.renew !== false) {
    const r = mapping(o.renew, "renewal.renew");
    known(r, ["node", "stateDir", "inventory", "sshKey", "sshUser", "knownHosts"], "renewal.renew.");
    const node = text(r, "node", "renewal.renew.node");
    if (!nodes.includes(node)) throw invalid("renewal.renew.node", `${JSON.stringify(node)} is not a node of the inventory (${nodes.join(", ")})`);
    const sshUser = r.sshUser === undefined ? undefined : text(r, "sshUser", "renewal.renew.sshUser");
    if (sshUser !== undefined && !/^[a-z_][a-z0-9_.-]*$/i.test(sshUser)) throw invalid("renewal.renew.sshUser", `${JSON.stringify(sshUser)} is not a user name`);
    settings.renew = {
      node,
      stateDir: absPath(r, "stateDir", "renewal.renew.stateDir"),
      inventory: absPath(r, "inventory", "renewal.renew.inventory"),
      sshKey: absPath(r, "sshKey", "renewal.renew.sshKey"),
      ...(sshUser === undefined ? {} : { sshUser }),
      ...(r.knownHosts === undefined ? {} : { knownHosts: absPath(r, "knownHosts", "renewal.renew.knownHosts") }),
    };
  }
  return settings;
}

/**
 * The folders `certs check` reads on a node: the parents of every
 * certificate, key and kubeconfig the plan puts there, without the ones
 * inside another (hardened: /etc/kubernetes; classic: also /etc/etcd/cert
 * and /etc/flanneld/cert).
 */
export function checkedDirs(node: PlanNode): string[] {
  const dirs = new Set<string>();
  for (const f of node.files) {
    const s = f.source;
    const pki = s.kind === "cert" || s.kind === "signing-cert" || s.kind === "key" || s.kind === "public-key";
    const kubeconfig = s.kind === "config" && s.template.endsWith(".kubeconfig");
    if (pki || kubeconfig) dirs.add(posix.dirname(f.path));
  }
  const sorted = [...dirs].sort();
  return sorted.filter((d) => !sorted.some((p) => p !== d && d.startsWith(p + "/")));
}

/** One textfile per folder, so that two runs never replace each other's file. */
export const textfileName = (dir: string, first: boolean): string => (first ? "k8s-pki-certs.prom" : `k8s-pki-certs${dir.replace(/[^\w]+/g, "-")}.prom`);

function unitText(sections: [string, [string, string][]][]): string {
  return sections.map(([name, lines]) => [`[${name}]`, ...lines.map(([k, v]) => `${k}=${v}`)].join("\n")).join("\n\n") + "\n";
}

const DOCS = "https://github.com/k8s-pki/k8s-pki#renewal-timer";

/** The check's oneshot service: `certs check DIR --textfile` for each checked folder of the node. */
export function checkService(k8sPki: string, r: RenewalSettings, dirs: readonly string[]): string {
  if (dirs.length === 0) throw new DeployError("render-failed", "no certificate folder on this node to check", { field: CHECK_SERVICE });
  return unitText([
    ["Unit", [["Description", "k8s-pki: certificate expiry for node_exporter's textfile collector"], ["Documentation", DOCS]]],
    [
      "Service",
      [
        ["Type", "oneshot"],
        ["ExecStartPre", `/bin/mkdir -p ${r.textfileDir}`],
        ...dirs.map((d, i): [string, string] => ["ExecStart", `${k8sPki} certs check ${d} --warn=${r.warn} --textfile=${posix.join(r.textfileDir, textfileName(d, i === 0))}`]),
        // A certificate within --warn is what the metric reports; the check itself worked.
        ["SuccessExitStatus", String(EXIT_EXPIRING)],
        ["Nice", "10"],
        ["NoNewPrivileges", "yes"],
        ["ProtectSystem", "full"],
        ["ProtectHome", "yes"],
        ["PrivateTmp", "yes"],
        ["PrivateNetwork", "yes"],
      ],
    ],
  ]);
}

/** Renew and apply: only when a certificate of the state is within `warn`. */
export function renewService(k8sPki: string, r: RenewalSettings): string {
  const a = r.renew;
  if (a === undefined) throw new DeployError("render-failed", "renewal.renew is not set", { field: RENEW_SERVICE });
  const pkiDir = posix.join(a.stateDir, "pki");
  const apply = [`${k8sPki} deploy apply`, `--inventory=${a.inventory}`, `--state=${a.stateDir}`, `--ssh-key=${a.sshKey}`];
  if (a.sshUser !== undefined) apply.push(`--ssh-user=${a.sshUser}`);
  if (a.knownHosts !== undefined) apply.push(`--known-hosts=${a.knownHosts}`);
  return unitText([
    [
      "Unit",
      [
        ["Description", `k8s-pki: renew the deploy state's certificates within ${r.warn} of expiry and apply them`],
        ["Documentation", DOCS],
        ["After", "network-online.target"],
        ["Wants", "network-online.target"],
      ],
    ],
    [
      "Service",
      [
        ["Type", "oneshot"],
        // Skipped (not failed) unless `certs check` exits 3: a certificate of the state is within the threshold.
        ["ExecCondition", `/bin/sh -c '${k8sPki} certs check ${pkiDir} --warn=${r.warn} >/dev/null; test $$? -eq ${EXIT_EXPIRING}'`],
        ["ExecStart", `${k8sPki} certs renew all --dir=${pkiDir}`],
        ["ExecStart", apply.join(" ")],
        ["Nice", "10"],
        ["NoNewPrivileges", "yes"],
        ["PrivateTmp", "yes"],
      ],
    ],
  ]);
}

/** A timer for `service`: on the schedule, caught up after downtime, spread over an hour across nodes. */
export function renewalTimer(service: string, r: RenewalSettings, what: string): string {
  return unitText([
    ["Unit", [["Description", `k8s-pki: ${what} (${r.schedule})`], ["Documentation", DOCS]]],
    [
      "Timer",
      [
        ["OnCalendar", r.schedule],
        ["Persistent", "true"],
        ["RandomizedDelaySec", "1h"],
        ["Unit", service],
      ],
    ],
    ["Install", [["WantedBy", "timers.target"]]],
  ]);
}
