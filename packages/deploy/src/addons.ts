// Inventory `addons`: the cluster add-ons the deployer applies as Kubernetes
// objects (components/addons.ts), with their defaults. Validated here, apart
// from inventory.ts, with errors that name the field (`addons.coredns.replicas`).
import { parseGoIp } from "@k8s/pki";
import { DeployError } from "./errors.js";

/** `addons.coredns`: the cluster DNS at the kubelets' clusterDNS address. */
export interface CoreDnsSettings {
  /** Default true; false plans no CoreDNS objects (and removes none that an earlier apply made). */
  enabled: boolean;
  /** Image reference with a tag or digest. */
  image: string;
  replicas: number;
  /** Where names outside the cluster domain go: resolver addresses, or the node's resolv.conf. */
  upstream: readonly string[] | typeof RESOLV_CONF;
}

export interface AddonSettings {
  coredns: CoreDnsSettings;
}

export const RESOLV_CONF = "/etc/resolv.conf";

/** CoreDNS's current release on the Go module proxy (github.com/coredns/coredns v1.15.0, October 2026). */
export const COREDNS_DEFAULTS: Readonly<CoreDnsSettings> = {
  enabled: true,
  image: "registry.k8s.io/coredns/coredns:v1.15.0",
  replicas: 2,
  upstream: RESOLV_CONF,
};

/** CoreDNS's forward plugin takes at most 15 upstreams. */
const MAX_UPSTREAMS = 15;

const invalid = (field: string, message: string): DeployError => new DeployError("inventory-invalid", `${field}: ${message}`, { field });

type Obj = Record<string, unknown>;
const typeOf = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

function mapping(v: unknown, field: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalid(field, `must be a mapping, not ${typeOf(v)}`);
  return v as Obj;
}

function known(o: Obj, keys: readonly string[], prefix: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw invalid(prefix + k, `unknown field (known: ${keys.join(", ")})`);
}

// An image reference as the container runtimes read it: [registry[:port]/]path[:tag][@sha256:digest].
// The tag or digest is required so that IfNotPresent never settles on whatever `latest` was.
const REGISTRY = String.raw`[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d{1,5})?`;
const PATH_COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const IMAGE = new RegExp(String.raw`^(?:${REGISTRY}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);
const hasTagOrDigest = (image: string): boolean => image.includes("@") || /:[\w][\w.-]*$/.test(image.slice(image.lastIndexOf("/") + 1));

function parseImage(v: unknown, field: string): string {
  if (typeof v !== "string") throw invalid(field, `must be a string, not ${typeOf(v)}`);
  if (!IMAGE.test(v)) throw invalid(field, `${JSON.stringify(v)} is not an image reference (registry/path:tag or @sha256:digest)`);
  if (!hasTagOrDigest(v)) throw invalid(field, `${JSON.stringify(v)} names no tag or digest (e.g. ${COREDNS_DEFAULTS.image})`);
  return v;
}

/** A resolver as CoreDNS's forward plugin takes it: an IP, IPv4:port or [IPv6]:port. */
function isResolver(s: string): boolean {
  const port = (p: string): boolean => /^\d{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) return parseGoIp(v6[1]!)?.length === 16 && !v6[1]!.includes(".") && port(v6[2]!);
  const v4 = /^([\d.]+):(\d+)$/.exec(s);
  if (v4) return parseGoIp(v4[1]!)?.length === 4 && port(v4[2]!);
  return parseGoIp(s) !== undefined && !s.includes("%");
}

function parseUpstream(v: unknown, field: string): CoreDnsSettings["upstream"] {
  if (v === RESOLV_CONF) return RESOLV_CONF;
  if (!Array.isArray(v)) throw invalid(field, `must be ${JSON.stringify(RESOLV_CONF)} or a list of resolver addresses, not ${typeof v === "string" ? JSON.stringify(v) : typeOf(v)}`);
  if (v.length === 0 || v.length > MAX_UPSTREAMS) throw invalid(field, `must list 1 to ${MAX_UPSTREAMS} resolver addresses, not ${v.length}`);
  const seen = new Map<string, number>();
  return v.map((x: unknown, i) => {
    const f = `${field}[${i}]`;
    if (typeof x !== "string") throw invalid(f, `must be a string, not ${typeOf(x)}`);
    if (!isResolver(x)) throw invalid(f, `${JSON.stringify(x)} is not a resolver address (an IP, IPv4:port or [IPv6]:port)`);
    const prev = seen.get(x);
    if (prev !== undefined) throw invalid(f, `${JSON.stringify(x)} is already ${field}[${prev}]`);
    seen.set(x, i);
    return x;
  });
}

function parseCoreDns(raw: unknown): CoreDnsSettings {
  const o = mapping(raw ?? {}, "addons.coredns");
  known(o, ["enabled", "image", "replicas", "upstream"], "addons.coredns.");
  const enabled = o.enabled ?? COREDNS_DEFAULTS.enabled;
  if (typeof enabled !== "boolean") throw invalid("addons.coredns.enabled", `must be true or false, not ${JSON.stringify(enabled)}`);
  const replicas = o.replicas ?? COREDNS_DEFAULTS.replicas;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 1) throw invalid("addons.coredns.replicas", `must be an integer of at least 1, not ${JSON.stringify(replicas)}`);
  return {
    enabled,
    image: o.image === undefined || o.image === null ? COREDNS_DEFAULTS.image : parseImage(o.image, "addons.coredns.image"),
    replicas,
    upstream: o.upstream === undefined || o.upstream === null ? COREDNS_DEFAULTS.upstream : parseUpstream(o.upstream, "addons.coredns.upstream"),
  };
}

/** Validates inventory `addons` (absent: every add-on with its defaults). */
export function parseAddons(raw: unknown): AddonSettings {
  const o = mapping(raw ?? {}, "addons");
  known(o, ["coredns"], "addons.");
  return { coredns: parseCoreDns(o.coredns) };
}

/** One line for `deploy plan`: what the add-ons unit applies, or that there is none. */
export function describeAddons(a: AddonSettings, firstMaster: string): string {
  const c = a.coredns;
  if (!c.enabled) return "none";
  const upstream = c.upstream === RESOLV_CONF ? RESOLV_CONF : c.upstream.join(" ");
  return `CoreDNS ${c.image}, ${c.replicas} replica(s), upstream ${upstream} (cluster-addons.service on ${firstMaster})`;
}
