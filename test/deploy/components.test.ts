// The deploy components (packages/deploy/src/components/): for every
// component, both PKI layouts and a few inventories, the files a unit's
// rendered flags and config files name are files the plan puts on that node
// (or paths the component declares it makes itself at runtime), and every
// file the plan puts on a node is named by one of that node's units or
// configs (or declared as for operators). Plan and flags cannot drift apart.
import { posix } from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildPlan,
  COMPONENTS,
  defaultInventory,
  renderCluster,
  validateInventory,
  type Component,
  type Inventory,
  type Pki,
  type Plan,
  type RenderedNode,
} from "@k8s/deploy";
import { buildPki } from "../../packages/deploy/src/pki-build.js";
import { pkiLayout } from "../../packages/deploy/src/pki-layouts.js";
import { STAGES } from "../../packages/deploy/src/rendered.js";
import type { PlanNode } from "../../packages/deploy/src/plan.js";

const renewal = {
  renew: { node: "w1", stateDir: "/var/lib/k8s-pki", inventory: "/etc/k8s-pki/inventory.yaml", sshKey: "/root/.ssh/id_ed25519", knownHosts: "/etc/k8s-pki/known_hosts" },
};

/** Masters apart from workers, an etcd-only member, a worker that is also a master; with the renewal timers. */
const splitRoles = (layout: string, kubeletCerts: string): Inventory =>
  validateInventory({
    clusterName: "prod",
    nodes: [
      { name: "m1", address: "10.0.0.11", roles: ["etcd", "master"] },
      { name: "m2", address: "10.0.0.12", roles: ["etcd", "master"] },
      { name: "e3", address: "10.0.0.13", roles: ["etcd"] },
      { name: "w1", address: "10.0.1.1", roles: ["worker"] },
      { name: "w2", address: "10.0.1.2", roles: ["worker", "master"] },
    ],
    apiserver: { vip: "10.0.0.100", lbName: "api.prod.example" },
    pki: { layout },
    kubeletCerts,
    renewal,
  });

const INVENTORIES: [string, Inventory][] = [];
for (const layout of ["hardened", "classic"]) {
  for (const kubeletCerts of ["bootstrap", "presigned"]) {
    const d = defaultInventory();
    INVENTORIES.push([`default 3-node, ${layout}, kubelets ${kubeletCerts}`, validateInventory({ ...d, pki: { ...d.pki, layout }, kubeletCerts })]);
    INVENTORIES.push([`split roles, ${layout}, kubelets ${kubeletCerts}`, splitRoles(layout, kubeletCerts)]);
    const split = splitRoles(layout, kubeletCerts);
    INVENTORIES.push([`split roles with kube-lb, ${layout}, kubelets ${kubeletCerts}`, validateInventory({ ...split, loadBalancer: { ...split.loadBalancer, kind: "haproxy" } })]);
  }
}
// Every host, images and containerd option in use: the import unit, the mirrors' hosts.toml files, the proxy.
INVENTORIES.push([
  "split roles, every host, images and containerd option",
  validateInventory({
    ...splitRoles("hardened", "bootstrap"),
    host: { swap: "tolerate", cgroupV1: true, restrictOomScoreAdj: true, conntrack: { maxPerCore: 0, min: 0 }, sysctls: { "net.core.somaxconn": 4096 } },
    images: ["images/pause.tar", "/srv/coredns.tar"],
    containerd: { mirrors: { "docker.io": ["https://m.example"], "registry.k8s.io": ["https://m.example"] }, httpProxy: "http://proxy:3128", noProxy: [".corp"] },
  }),
]);

// Rendering reads the certificates' bytes only to embed them (and checks the bootstrap kubeconfig's CA is a
// certificate), so one real CA certificate stands for all of them.
const someCa = (await buildPki(buildPlan(defaultInventory()))).items.get("kubernetes-ca")!.cert;
const stubPki = (plan: Plan): Pki => ({ items: new Map(plan.certs.map((c) => [c.id, { cert: someCa, key: `key of ${c.id}` }])) });

/** Absolute paths under the folders the deployer writes to or components read from. */
const ABSOLUTE = /(?<![\w.-])\/(?:etc|var\/lib|opt|usr\/local|run)\/[^\s,'";\]}]*/g;

/** The paths a unit file or config file names: flags and config values; a timer names its service's unit file. */
function pathsIn(text: string, unitDir: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    // PATH lists folders to search, not files read; embedded certificate data is base64.
    if (/^(Environment|Documentation|Description)=/.test(line) || /-data: /.test(line)) continue;
    const service = /^Unit=(\S+)$/.exec(line);
    if (service) out.push(`${unitDir}/${service[1]}`);
    else for (const m of line.matchAll(ABSOLUTE)) out.push(m[0]);
  }
  return out;
}

const componentOfUnit = (unit: string): Component => {
  const c = COMPONENTS.find((x) => Object.keys(x.templates).includes(unit));
  if (c === undefined) throw new Error(`no component renders ${unit}`);
  return c;
};

const onNode = (node: PlanNode): Component[] => COMPONENTS.filter((c) => c.roles.some((r) => node.roles.includes(r)));

/** Every path the node's units name (path -> the unit), following the config files they name (kubeconfigs, YAML, TOML). */
function namedPaths(plan: Plan, planned: PlanNode, rendered: RenderedNode): Map<string, string> {
  const text = new Map(rendered.files.filter((f) => Buffer.isBuffer(f.content)).map((f) => [f.path, (f.content as Buffer).toString("utf8")]));
  const configs = new Set(planned.files.filter((f) => f.source.kind === "config").map((f) => f.path));
  const named = new Map<string, string>();
  for (const u of planned.units) {
    const queue = [`${plan.paths.units}/${u.name}`];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const p of pathsIn(text.get(file) ?? "", plan.paths.units)) {
        if (!named.has(p)) named.set(p, u.name);
        if (configs.has(p)) queue.push(p);
      }
    }
  }
  return named;
}

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(dir + "/");

describe.each(INVENTORIES)("components on %s", (_name, inv) => {
  const plan = buildPlan(inv);
  const rendered = renderCluster(plan, { pki: stubPki(plan), randomBytes: (n) => new Uint8Array(n).fill(7), now: () => new Date("2026-09-01T00:00:00Z") });

  describe.each(COMPONENTS.map((c) => [c.name, c] as const))("%s", (_c, component) => {
    it("each path its units' flags and config files name is a file the plan puts on that node, or one it makes at runtime", () => {
      const problems: string[] = [];
      for (const node of plan.nodes) {
        const r = rendered.find((x) => x.name === node.name)!;
        const plannedPaths = node.files.map((f) => f.path);
        const runtime = onNode(node).flatMap((c) => c.runtimePaths?.(plan, node) ?? []);
        for (const [path, unit] of namedPaths(plan, node, r)) {
          if (componentOfUnit(unit) !== component) continue;
          const ok = plannedPaths.includes(path) || plannedPaths.some((p) => p.startsWith(path + "/")) || runtime.some((d) => under(path, d));
          if (!ok) problems.push(`${node.name}: ${unit} names ${path}, which the plan does not put there`);
        }
      }
      expect(problems).toEqual([]);
    });

    it("each file it plans on a node is named by a unit or config file there, or declared as for operators", () => {
      const problems: string[] = [];
      for (const node of plan.nodes) {
        if (!component.roles.some((r) => node.roles.includes(r))) continue;
        const r = rendered.find((x) => x.name === node.name)!;
        const named = namedPaths(plan, node, r);
        const unitFiles = node.units.map((u) => `${plan.paths.units}/${u.name}`);
        const unnamed = onNode(node).flatMap((c) => c.unnamedFiles?.(plan, node) ?? []);
        // The files this component declares on the node: its plan step alone, on a fresh node.
        for (const path of filesOf(component, plan, node)) {
          const ok = named.has(path) || named.has(posix.dirname(path)) || unitFiles.includes(path) || unnamed.includes(path);
          if (!ok) problems.push(`${node.name}: ${path} is planned but no unit or config names it`);
        }
      }
      expect(problems).toEqual([]);
    });
  });

  it("puts every planned file there through some component, and renders every config file by exactly one", () => {
    for (const node of plan.nodes) {
      const declared = new Set(COMPONENTS.flatMap((c) => (c.roles.some((r) => node.roles.includes(r)) ? filesOf(c, plan, node) : [])));
      expect(node.files.map((f) => f.path).filter((p) => !declared.has(p))).toEqual([]);
      for (const f of node.files) {
        if (f.source.kind !== "config") continue;
        const template = f.source.template;
        expect(COMPONENTS.filter((c) => c.templates[template] !== undefined).map((c) => c.name), template).toHaveLength(1);
      }
    }
  });

  it("starts each unit in the stage of its component", () => {
    for (const node of plan.nodes) for (const u of node.units) expect(u.stage, u.name).toBe(componentOfUnit(u.name).stage);
  });
});

/** The files one component's plan step declares on a node: its plan step run against a recording planner. */
function filesOf(component: Component, plan: Plan, node: PlanNode): string[] {
  const paths = plan.paths;
  const files: string[] = [];
  const layout = pkiLayout(plan.inventory);
  const add = (p: string): string => (files.push(p), p);
  const invNode = plan.inventory.nodes.find((n) => n.name === node.name)!;
  component.plan({
    node: invNode,
    inv: plan.inventory,
    layout,
    paths,
    derived: plan.derived,
    has: (r) => invNode.roles.includes(r),
    bin: (name) => add(posix.join(name.startsWith("cni/") ? paths.cniBin : paths.bin, posix.basename(name))),
    cert: (id) => add(paths.certPath(id)),
    signingCert: (id) => add(paths.signingCertPath(id)),
    key: (id) => add(paths.keyPath(id)),
    pair: (id) => [add(paths.certPath(id)), add(paths.keyPath(id))],
    config: (path) => add(path),
    script: (path) => add(path),
    copy: (path) => add(path),
    unit: (name) => void add(`${paths.units}/${name}`),
  });
  return files;
}

describe("COMPONENTS", () => {
  it("lists the components in stage order, each with a known stage", () => {
    const order = COMPONENTS.map((c) => STAGES.indexOf(c.stage));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("names each component once, and each probes only units it renders", () => {
    expect(new Set(COMPONENTS.map((c) => c.name)).size).toBe(COMPONENTS.length);
    for (const c of COMPONENTS) for (const unit of Object.keys(c.readiness ?? {})) expect(Object.keys(c.templates), c.name).toContain(unit);
  });
});
