// kube-lb: HAProxy from the distribution on every worker, listening on
// loopback and balancing over every master's kube-apiserver with health
// checks, so a node's kubelet and kube-proxy keep the API when one master
// goes away (kubeasz's kube-lb, the binary guides' kube-nginx). Inventory
// field `loadBalancer`; the settings, the default rule and the rendered files.
import { posix } from "node:path";
import { DeployError } from "../errors.js";
import type { InventoryNode } from "../inventory.js";
import type { RenderContext } from "./context.js";
import { renderUnit } from "./systemd.js";

export type LoadBalancerKind = "haproxy" | "none";
export const LOAD_BALANCER_KINDS: readonly LoadBalancerKind[] = ["haproxy", "none"];

/** Inventory `loadBalancer`: the node-local API server load balancer. */
export interface LoadBalancerSettings {
  /** haproxy: kube-lb on every worker; none: nodes use apiserver.vip, apiserver.lbName or the first master. */
  kind: LoadBalancerKind;
  /** Loopback port it listens on (default 6444; the masters' API servers keep apiserver.port). */
  port: number;
  /** The HAProxy executable on the nodes (default /usr/sbin/haproxy, Debian's `haproxy` package); not shipped from binDir. */
  binary: string;
}

export const LOAD_BALANCER_DEFAULTS = { port: 6444, binary: "/usr/sbin/haproxy" } as const;

export const KUBE_LB_UNIT = "kube-lb.service";
export const KUBE_LB_CONFIG_PATH = "/etc/k8s-pki/kube-lb/haproxy.cfg";
/** The address it binds: loopback only, nothing outside the node can use it. */
export const KUBE_LB_ADDRESS = "127.0.0.1";

const invalid = (field: string, message: string): DeployError => new DeployError("inventory-invalid", `${field}: ${message}`, { field });

type Obj = Record<string, unknown>;

/** What the inventory's API server settings say about a load balancer the user runs themselves. */
interface ApiserverFront {
  vip?: string;
  lbName?: string;
  port: number;
}

/**
 * The kind when the inventory names none: haproxy when there is more than one
 * master to fail over to and no VIP or load balancer name (with either, the
 * user already runs something in front of the masters).
 */
export function defaultLoadBalancerKind(nodes: readonly InventoryNode[], apiserver: ApiserverFront): LoadBalancerKind {
  const masters = nodes.filter((n) => n.roles.includes("master")).length;
  return masters > 1 && apiserver.vip === undefined && apiserver.lbName === undefined ? "haproxy" : "none";
}

/** Why the default is what it is, for `deploy plan`. */
export function defaultLoadBalancerReason(nodes: readonly InventoryNode[], apiserver: ApiserverFront): string {
  const masters = nodes.filter((n) => n.roles.includes("master")).length;
  if (apiserver.vip !== undefined) return `apiserver.vip ${apiserver.vip} is set`;
  if (apiserver.lbName !== undefined) return `apiserver.lbName ${apiserver.lbName} is set`;
  return masters > 1 ? `${masters} masters and no apiserver.vip or apiserver.lbName` : "a single master";
}

/** Validates inventory `loadBalancer` (absent: all defaults); `nodes` and `apiserver` are the validated inventory's. */
export function parseLoadBalancer(raw: unknown, nodes: readonly InventoryNode[], apiserver: ApiserverFront): LoadBalancerSettings {
  const v = raw ?? {};
  if (typeof v !== "object" || Array.isArray(v)) throw invalid("loadBalancer", `must be a mapping, not ${Array.isArray(v) ? "array" : typeof v}`);
  const o = v as Obj;
  for (const k of Object.keys(o)) if (!["kind", "port", "binary"].includes(k)) throw invalid(`loadBalancer.${k}`, "unknown field (known: kind, port, binary)");

  let kind = defaultLoadBalancerKind(nodes, apiserver);
  if (o.kind !== undefined && o.kind !== null) {
    if (typeof o.kind !== "string" || !(LOAD_BALANCER_KINDS as readonly string[]).includes(o.kind)) {
      throw invalid("loadBalancer.kind", `${JSON.stringify(o.kind)} is not one of ${LOAD_BALANCER_KINDS.join(", ")}`);
    }
    kind = o.kind as LoadBalancerKind;
  }

  let port: number = LOAD_BALANCER_DEFAULTS.port;
  if (o.port !== undefined && o.port !== null) {
    if (typeof o.port !== "number" || !Number.isInteger(o.port) || o.port < 1 || o.port > 65535) {
      throw invalid("loadBalancer.port", `${JSON.stringify(o.port)} is not a TCP port`);
    }
    port = o.port;
  }

  let binary: string = LOAD_BALANCER_DEFAULTS.binary;
  if (o.binary !== undefined && o.binary !== null) {
    // It goes into the unit's ExecStart unquoted.
    if (typeof o.binary !== "string" || !posix.isAbsolute(o.binary) || !/^[\w./+@,:-]+$/.test(o.binary) || o.binary.endsWith("/")) {
      throw invalid("loadBalancer.binary", `${JSON.stringify(o.binary)} must be an absolute file path of letters, digits and ./_+@,:-`);
    }
    binary = posix.normalize(o.binary);
  }
  return { kind, port, binary };
}

/** One backend per master: its name and `address:port` of its API server. */
export function kubeLbBackends(nodes: readonly InventoryNode[], apiserverPort: number): { name: string; endpoint: string }[] {
  return nodes.filter((n) => n.roles.includes("master")).map((n) => ({ name: n.name, endpoint: `${n.address}:${apiserverPort}` }));
}

export function kubeLbConfig(c: RenderContext): string {
  const lb = c.inv.loadBalancer;
  const servers = kubeLbBackends(c.inv.nodes, c.inv.apiserver.port).map(
    // The check is a TLS handshake, not GET /readyz: the API servers run with --anonymous-auth=false, so an
    // HTTP check without a client certificate gets 401 from every API server, ready or not. A plain TCP check
    // would pass against a hung process that still holds its socket (the kernel completes connects from the listen
    // backlog); the handshake needs kube-apiserver itself to answer. A stopped API server refuses the connect,
    // a powered-off master times out: either way two failed checks, about 4 s, mark it down.
    (b) => `  server ${b.name} ${b.endpoint} check check-ssl verify none inter 2s fall 2 rise 2 on-marked-down shutdown-sessions`,
  );
  return `# kube-lb on ${c.node.name}: the node's kubelet and kube-proxy reach every kube-apiserver through it.
# Rendered by k8s-pki deploy; edits are overwritten by the next apply.
global
  # Logs (backends going down and up) go to the journal through stderr.
  log stderr format short local0 info
  maxconn 4000
  # Watches stay open for hours: a reload's old process would otherwise hold them that long.
  hard-stop-after 60s

defaults
  mode tcp
  log global
  option dontlognull
  timeout connect 3s
  timeout check 2s
  # Long, because kubelet and kube-proxy keep watches open; the API server itself ends each watch
  # within --min-request-timeout, and client-go pings idle HTTP/2 connections.
  timeout client 24h
  timeout server 24h
  timeout tunnel 24h
  # A connect refused by a master not yet marked down is retried on another one.
  retries 3
  option redispatch 1

listen kube-apiserver
  bind ${KUBE_LB_ADDRESS}:${lb.port}
  # Long-lived connections: new ones go to the master with the fewest, which also refills a master that came back.
  balance leastconn
  # shutdown-sessions: connections to a master marked down are closed, so their clients reconnect to a live one
  # at once instead of waiting for their own timeouts.
${servers.join("\n")}
`;
}

export function kubeLbUnit(c: RenderContext): string {
  const lb = c.inv.loadBalancer;
  const check = `${lb.binary} -c -q -f ${KUBE_LB_CONFIG_PATH}`;
  return renderUnit({
    description: "kube-lb: local load balancer in front of every kube-apiserver (HAProxy)",
    documentation: "man:haproxy(1)",
    after: ["network-online.target"],
    wants: ["network-online.target"],
    before: ["kubelet.service", "kube-proxy.service"],
    service: [
      // -Ws: master-worker mode telling systemd when it is ready, so kubelet and kube-proxy start after it listens.
      ["Type", "notify"],
      ["ExecStartPre", check],
    ],
    exec: { path: lb.binary, flags: ["-Ws", "-f", KUBE_LB_CONFIG_PATH] },
    serviceAfter: [
      ["ExecReload", check],
      ["ExecReload", "/bin/kill -USR2 $MAINPID"],
      ["KillMode", "mixed"],
      ["SuccessExitStatus", "143"],
      ["Restart", "always"],
      ["RestartSec", "2"],
      // It only reads its config and forwards TCP: no need for root.
      ["DynamicUser", "yes"],
      ...(lb.port < 1024 ? ([["AmbientCapabilities", "CAP_NET_BIND_SERVICE"]] as [string, string][]) : []),
      ["LimitNOFILE", "65536"],
    ],
  });
}
