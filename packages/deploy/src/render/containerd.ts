// containerd 2.x (config version 3) with the runc runtime on the systemd cgroup driver; the pause image pinned here.
// Inventory `containerd`: registry mirrors (one hosts.toml per registry) and an HTTP proxy for pulls.
import { posix } from "node:path";
import { invalidField, mappingAt, readStringList, readUrl, rejectUnknown } from "../inventory-fields.js";
import type { RenderContext } from "./context.js";
import { HOST_PREP_UNIT } from "./host-prep.js";
import { renderUnit } from "./systemd.js";

export const CONTAINERD_CONFIG_PATH = "/etc/containerd/config.toml";
/** Where the CRI plugin reads CNI configs from. */
export const CNI_CONF_DIR = "/etc/cni/net.d";
/** containerd's per-registry folder (the CRI registry config_path): `<registry host>/hosts.toml`. */
export const REGISTRY_CONFIG_DIR = "/etc/containerd/certs.d";

/** Inventory `containerd`. */
export interface ContainerdSettings {
  /** Registry host (`docker.io`, `registry.k8s.io`, `host:port`, or `_default` for any) -> mirror URLs, tried in order before the registry. */
  mirrors: Record<string, string[]>;
  httpProxy?: string;
  httpsProxy?: string;
  /** Extra NO_PROXY entries; the service and pod CIDRs and the node addresses are always added. */
  noProxy: string[];
}

const REGISTRY_HOST = /^(_default|[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?)$/;
const NO_PROXY_ENTRY = /^[A-Za-z0-9.*:/_-]+$/;

/** Validates inventory `containerd`. */
export function parseContainerdSettings(raw: unknown): ContainerdSettings {
  const o = mappingAt(raw, "containerd");
  rejectUnknown(o, ["mirrors", "httpProxy", "httpsProxy", "noProxy"], "containerd");
  const mirrors: Record<string, string[]> = {};
  for (const [host, list] of Object.entries(mappingAt(o.mirrors, "containerd.mirrors"))) {
    const field = `containerd.mirrors.${host}`;
    if (!REGISTRY_HOST.test(host)) throw invalidField(field, `${JSON.stringify(host)} is not a registry host (e.g. docker.io, registry.example:5000, _default)`);
    const urls = readStringList(list, field).map((u, i) => readUrl(u, `${field}[${i}]`));
    if (urls.length === 0) throw invalidField(field, "lists no mirror");
    mirrors[host] = urls;
  }
  const proxy = (key: "httpProxy" | "httpsProxy"): string | undefined => (o[key] === undefined || o[key] === null ? undefined : readUrl(o[key], `containerd.${key}`));
  const httpProxy = proxy("httpProxy");
  const httpsProxy = proxy("httpsProxy");
  const noProxy = readStringList(typeof o.noProxy === "string" ? o.noProxy.split(",").map((x) => x.trim()) : o.noProxy, "containerd.noProxy");
  noProxy.forEach((e, i) => {
    if (!NO_PROXY_ENTRY.test(e)) throw invalidField(`containerd.noProxy[${i}]`, `${JSON.stringify(e)} is not a host, domain, address or CIDR`);
  });
  if (noProxy.length > 0 && httpProxy === undefined && httpsProxy === undefined) throw invalidField("containerd.noProxy", "needs containerd.httpProxy or containerd.httpsProxy");
  return { mirrors, ...(httpProxy === undefined ? {} : { httpProxy }), ...(httpsProxy === undefined ? {} : { httpsProxy }), noProxy };
}

/** What `deploy plan` says about the `containerd` options in use. */
export function containerdNotes(s: ContainerdSettings, inv: { serviceCidr: string; podCidr: string }): string[] {
  const notes = Object.entries(s.mirrors).map(([host, urls]) => `containerd.mirrors: pulls from ${host} try ${urls.join(", ")} first (${REGISTRY_CONFIG_DIR}/${host}/hosts.toml)`);
  if (s.httpProxy !== undefined || s.httpsProxy !== undefined) {
    const via = [s.httpProxy && `HTTP through ${s.httpProxy}`, s.httpsProxy && `HTTPS through ${s.httpsProxy}`].filter(Boolean).join(", ");
    notes.push(`containerd proxy: image pulls go ${via}; NO_PROXY has ${[...s.noProxy, inv.serviceCidr, inv.podCidr].join(", ")} and the node addresses`);
  }
  return notes;
}

/** The per-registry file of a mirrored registry. */
export const registryHostsPath = (host: string): string => `${REGISTRY_CONFIG_DIR}/${host}/hosts.toml`;

/** containerd's hosts.toml for the registry whose folder `path` is in. */
export function registryHostsToml(c: RenderContext, path: string): string {
  const host = posix.basename(posix.dirname(path));
  const mirrors = c.inv.containerd.mirrors[host];
  if (mirrors === undefined) throw new Error(`no mirrors for registry ${host}`);
  // docker.io's API is not served at its own name.
  const server = host === "_default" ? [] : [`server = "https://${host === "docker.io" ? "registry-1.docker.io" : host}"`, ""];
  const hosts = mirrors.map((m) => `[host."${m}"]\n  capabilities = ["pull", "resolve"]\n`);
  return [`# Pulls from ${host} try these mirrors in order, then the registry; written by k8s-pki (inventory containerd.mirrors).`, ...server, hosts.join("\n")].join("\n");
}

/** NO_PROXY: the operator's entries, then what must never go through a proxy: Services, pods and the nodes. */
export function noProxyList(c: RenderContext): string[] {
  return [...new Set([...c.inv.containerd.noProxy, c.inv.serviceCidr, c.inv.podCidr, ...c.inv.nodes.map((n) => n.address)])];
}

/** The proxy Environment= lines of containerd.service (`%` doubled, as systemd wants). */
function proxyEnvironment(c: RenderContext): [string, string][] {
  const s = c.inv.containerd;
  if (s.httpProxy === undefined && s.httpsProxy === undefined) return [];
  const env = (k: string, v: string): [string, string] => ["Environment", `${k}=${v.replace(/%/g, "%%")}`];
  return [
    ...(s.httpProxy === undefined ? [] : [env("HTTP_PROXY", s.httpProxy)]),
    ...(s.httpsProxy === undefined ? [] : [env("HTTPS_PROXY", s.httpsProxy)]),
    env("NO_PROXY", noProxyList(c).join(",")),
  ];
}

/** Inventory host.restrictOomScoreAdj: where a node cannot lower OOM scores (a container), runc fails every sandbox without it. */
const oomTable = (c: RenderContext): string =>
  c.inv.host.restrictOomScoreAdj ? `[plugins.'io.containerd.cri.v1.runtime']\n  restrict_oom_score_adj = true\n\n` : "";

export const containerdConfig = (c: RenderContext): string => `version = 3
root = '/var/lib/containerd'
state = '/run/containerd'

[grpc]
  address = '/run/containerd/containerd.sock'

[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'

[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = 'registry.k8s.io/pause:${c.inv.versions.pause}'

[plugins.'io.containerd.cri.v1.images'.registry]
  config_path = '/etc/containerd/certs.d'

${oomTable(c)}[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = 'io.containerd.runc.v2'

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  BinaryName = '${c.bin("runc")}'
  SystemdCgroup = true

[plugins.'io.containerd.cri.v1.runtime'.cni]
  bin_dirs = ['${c.paths.cniBin}']
  conf_dir = '${CNI_CONF_DIR}'
`;

export const containerdUnit = (c: RenderContext): string =>
  renderUnit({
    description: "containerd container runtime",
    documentation: "https://containerd.io",
    // The host preparation loads overlay; Wants, not Requires: re-running it must not restart containerd.
    after: ["network.target", "local-fs.target", "flanneld.service", HOST_PREP_UNIT],
    wants: [HOST_PREP_UNIT],
    service: [["Environment", `PATH=${c.paths.bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`], ...proxyEnvironment(c), ["Type", "notify"]],
    exec: { path: c.bin("containerd"), flags: [`--config=${CONTAINERD_CONFIG_PATH}`] },
    serviceAfter: [
      ["Delegate", "yes"],
      ["KillMode", "process"],
      ["Restart", "always"],
      ["RestartSec", "5"],
      ["LimitNPROC", "infinity"],
      ["LimitCORE", "infinity"],
      ["LimitNOFILE", "1048576"],
      ["TasksMax", "infinity"],
      ["OOMScoreAdjust", "-999"],
    ],
  });
