// CoreDNS as a cluster add-on: the objects (render/coredns.ts) parsed back
// from the rendered coredns.yaml and checked field by field against the
// inventory, the unit that applies them and where the plan puts it
// (components/addons.ts), and how `deploy verify` judges what the API server
// returns. The objects against a real API server: integration/deploy-local.test.ts.
import jsYaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { buildPlan, defaultInventory, renderCluster, validateInventory, type Inventory, type Pki, type Plan, type RenderedNode } from "@k8s/deploy";
import { ADDONS_UNIT, judgeCoreDns } from "../../packages/deploy/src/components/addons.js";
import { buildPki } from "../../packages/deploy/src/pki-build.js";
import { corefile } from "../../packages/deploy/src/render/coredns.js";
import { execStartOf } from "../../packages/deploy/src/render/systemd.js";
import { parseUnitFile } from "../../packages/deploy/src/process-service-manager.js";

// Rendering only embeds certificates, so one real CA certificate stands for all of them.
const someCa = (await buildPki(buildPlan(defaultInventory()))).items.get("kubernetes-ca")!.cert;
const stubPki = (plan: Plan): Pki => ({ items: new Map(plan.certs.map((c) => [c.id, { cert: someCa, key: `key of ${c.id}` }])) });

function render(inv: Inventory): { plan: Plan; nodes: RenderedNode[] } {
  const plan = buildPlan(inv);
  return { plan, nodes: renderCluster(plan, { pki: stubPki(plan), randomBytes: (n) => new Uint8Array(n).fill(7), now: () => new Date("2026-09-01T00:00:00Z") }) };
}

const text = (node: RenderedNode, path: string): string => {
  const f = node.files.find((x) => x.path === path);
  if (!f || !Buffer.isBuffer(f.content)) throw new Error(`no rendered ${path} on ${node.name}`);
  return f.content.toString();
};

type Obj = Record<string, any>;
const MANIFEST = "/etc/kubernetes/manifests/coredns.yaml";
const UNIT = `/etc/systemd/system/${ADDONS_UNIT}`;

/** Masters apart from workers, the first master not the first node, and every CoreDNS setting changed. */
const custom = validateInventory({
  nodes: [
    { name: "e1", address: "10.0.0.10", roles: ["etcd"] },
    { name: "m1", address: "10.0.0.11", roles: ["master"] },
    { name: "m2", address: "10.0.0.12", roles: ["master"] },
    { name: "w1", address: "10.0.1.1", roles: ["worker"] },
  ],
  serviceCidr: "10.96.0.0/12",
  podCidr: "10.244.0.0/16",
  dnsDomain: "k8s.example",
  pki: { layout: "classic" },
  addons: { coredns: { image: "mirror.internal:5000/coredns/coredns:v1.14.6", replicas: 3, upstream: ["192.0.2.53", "[2001:db8::53]:53"] } },
});

const CASES: [string, Inventory, { firstMaster: string; clusterIp: string; domain: string; forward: string }][] = [
  ["default inventory", defaultInventory(), { firstMaster: "node1", clusterIp: "10.254.0.2", domain: "cluster.local", forward: "/etc/resolv.conf" }],
  ["custom CIDR, domain, image, replicas and resolvers", custom, { firstMaster: "m1", clusterIp: "10.96.0.2", domain: "k8s.example", forward: "192.0.2.53 [2001:db8::53]:53" }],
];

describe.each(CASES)("CoreDNS objects on the %s", (_name, inv, want) => {
  const { plan, nodes } = render(inv);
  const first = nodes.find((n) => n.name === want.firstMaster)!;
  const manifest = `${plan.paths.conf}/manifests/coredns.yaml`;
  const kubectl = `${plan.paths.bin}/kubectl`;
  const objects = jsYaml.loadAll(text(first, manifest)) as Obj[];
  const byKind = (kind: string): Obj => {
    const o = objects.find((x) => x.kind === kind);
    if (o === undefined) throw new Error(`no ${kind} in coredns.yaml`);
    return o;
  };
  const s = inv.addons.coredns;

  it("are six objects, all in kube-system (or cluster-wide) and labelled k8s-app: kube-dns", () => {
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`)).toEqual([
      "ServiceAccount kube-system/coredns",
      "ClusterRole /system:coredns",
      "ClusterRoleBinding /system:coredns",
      "ConfigMap kube-system/coredns",
      "Deployment kube-system/coredns",
      "Service kube-system/kube-dns",
    ]);
    for (const o of objects) expect(o.metadata.labels["k8s-app"], o.kind).toBe("kube-dns");
  });

  it("the Service sits at the plan's DNS address, which is the kubelets' clusterDNS, with the dns, dns-tcp and metrics ports", () => {
    const svc = byKind("Service");
    expect(plan.derived.dnsServiceIp).toBe(want.clusterIp);
    expect(svc.spec.clusterIP).toBe(want.clusterIp);
    for (const n of nodes.filter((x) => x.roles.includes("worker"))) {
      expect((jsYaml.load(text(n, "/var/lib/kubelet/config.yaml")) as Obj).clusterDNS).toEqual([svc.spec.clusterIP]);
    }
    expect(svc.spec.selector).toEqual({ "k8s-app": "kube-dns" });
    expect(svc.spec.ports).toEqual([
      { name: "dns", port: 53, targetPort: 53, protocol: "UDP" },
      { name: "dns-tcp", port: 53, targetPort: 53, protocol: "TCP" },
      { name: "metrics", port: 9153, targetPort: 9153, protocol: "TCP" },
    ]);
  });

  it("the Corefile answers the inventory's domain and the reverse zones from the API and forwards the rest upstream", () => {
    const cm = byKind("ConfigMap");
    const cf: string = cm.data.Corefile;
    expect(cf).toBe(corefile(inv.dnsDomain, s.upstream));
    expect(cf).toContain(`kubernetes ${want.domain} in-addr.arpa ip6.arpa {`);
    expect(cf).toContain(`forward . ${want.forward} {\n        max_concurrent 1000\n    }`);
    const directives = cf
      .split("\n")
      .filter((l) => /^ {4}[a-z]/.test(l))
      .map((l) => l.trim().split(" ")[0]);
    expect(directives).toEqual(["errors", "health", "ready", "kubernetes", "prometheus", "forward", "cache", "loop", "reload", "loadbalance"]);
    expect(cf).toMatch(/health \{\n {8}lameduck 5s\n {4}\}/);
    expect(cf).toMatch(/ {8}pods insecure\n {8}fallthrough in-addr.arpa ip6.arpa\n {8}ttl 30\n/);
    expect(cf).toContain("prometheus :9153\n");
    expect(cf).toContain("cache 30\n");
    expect(cf.startsWith(".:53 {\n")).toBe(true);
  });

  it("the Deployment runs the inventory's image and replica count, hardened, spread over nodes, with the ConfigMap at /etc/coredns", () => {
    const d = byKind("Deployment");
    expect(d.spec.replicas).toBe(s.replicas);
    expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } });
    expect(d.spec.selector.matchLabels).toEqual({ "k8s-app": "kube-dns" });
    const pod = d.spec.template.spec;
    expect(d.spec.template.metadata.labels).toEqual({ "k8s-app": "kube-dns" });
    expect(pod.priorityClassName).toBe("system-cluster-critical");
    expect(pod.serviceAccountName).toBe("coredns");
    expect(pod.dnsPolicy).toBe("Default");
    expect(pod.tolerations).toEqual([
      { key: "CriticalAddonsOnly", operator: "Exists" },
      { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
    ]);
    const anti = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    expect(anti).toHaveLength(1);
    expect(anti[0].podAffinityTerm.topologyKey).toBe("kubernetes.io/hostname");
    expect(anti[0].podAffinityTerm.labelSelector.matchExpressions).toEqual([{ key: "k8s-app", operator: "In", values: ["kube-dns"] }]);
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();

    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    expect(c.image).toBe(s.image);
    expect(c.imagePullPolicy).toBe("IfNotPresent");
    expect(c.args).toEqual(["-conf", "/etc/coredns/Corefile"]);
    expect(c.ports).toEqual([
      { name: "dns", containerPort: 53, protocol: "UDP" },
      { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
      { name: "metrics", containerPort: 9153, protocol: "TCP" },
    ]);
    expect(c.readinessProbe.httpGet).toMatchObject({ path: "/ready", port: 8181 });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: "/health", port: 8080 });
    expect(c.resources).toEqual({ requests: { cpu: "100m", memory: "70Mi" }, limits: { memory: "170Mi" } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] }, readOnlyRootFilesystem: true });
    // The Corefile the container reads is the ConfigMap's key, mounted where -conf points.
    const mount = c.volumeMounts.find((m: Obj) => m.mountPath === "/etc/coredns");
    const volume = pod.volumes.find((v: Obj) => v.name === mount.name);
    expect(volume.configMap).toEqual({ name: byKind("ConfigMap").metadata.name, items: [{ key: "Corefile", path: "Corefile" }] });
  });

  it("RBAC: the ClusterRole reads what the kubernetes plugin watches and is bound to the coredns ServiceAccount", () => {
    const role = byKind("ClusterRole");
    const grants = role.rules.flatMap((r: Obj) => r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${r.apiGroups[0] || "core"}/${res}:${v}`)));
    expect(grants).toEqual([
      ...["endpoints", "services", "pods", "namespaces"].flatMap((r) => ["get", "list", "watch"].map((v) => `core/${r}:${v}`)),
      "discovery.k8s.io/endpointslices:list",
      "discovery.k8s.io/endpointslices:watch",
    ]);
    const binding = byKind("ClusterRoleBinding");
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name });
    const sa = byKind("ServiceAccount");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    expect(byKind("Deployment").spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
  });

  it("cluster-addons.service on the first master alone applies coredns.yaml server-side with the admin kubeconfig, in the bootstrap stage", () => {
    const unit = text(first, UNIT);
    expect(execStartOf(unit)).toEqual([
      kubectl,
      `--kubeconfig=${plan.paths.kubeconfig.admin}`,
      "apply",
      "--server-side",
      "--force-conflicts",
      `--filename=${manifest}`,
    ]);
    expect(parseUnitFile(unit)).toMatchObject({ type: "oneshot", remainAfterExit: true, restart: "on-failure" });
    expect(first.units.find((u) => u.name === ADDONS_UNIT)).toEqual({
      name: ADDONS_UNIT,
      stage: "bootstrap",
      inputs: [UNIT, kubectl, plan.paths.kubeconfig.admin, manifest],
    });
    expect(first.files.find((f) => f.path === manifest)?.mode).toBe(0o644);
    for (const n of nodes.filter((x) => x !== first)) {
      expect(n.units.map((u) => u.name), n.name).not.toContain(ADDONS_UNIT);
      expect(n.files.map((f) => f.path), n.name).not.toContain(manifest);
    }
  });
});

describe("addons.coredns.enabled: false", () => {
  it("plans neither the unit nor the manifest anywhere, and leaves the other bootstrap units as they were", () => {
    const on = render(defaultInventory());
    const d = defaultInventory();
    const off = render(validateInventory({ ...d, addons: { coredns: { ...d.addons.coredns, enabled: false } } }));
    for (const n of off.nodes) {
      expect(n.units.map((u) => u.name)).not.toContain(ADDONS_UNIT);
      expect(n.files.map((f) => f.path)).not.toContain(MANIFEST);
    }
    const withoutAddons = (nodes: RenderedNode[]): string[] => nodes.flatMap((n) => n.units.filter((u) => u.name !== ADDONS_UNIT).map((u) => `${n.name} ${u.name}`));
    expect(withoutAddons(off.nodes)).toEqual(withoutAddons(on.nodes));
    expect(text(off.nodes[0]!, "/etc/systemd/system/cluster-objects.service")).toBe(text(on.nodes[0]!, "/etc/systemd/system/cluster-objects.service"));
  });
});

describe("a change to the CoreDNS settings", () => {
  it("changes coredns.yaml only, so a second apply re-runs cluster-addons.service and nothing else", () => {
    const d = defaultInventory();
    const a = render(d).nodes;
    const b = render(validateInventory({ ...d, addons: { coredns: { ...d.addons.coredns, replicas: 5 } } })).nodes;
    const changed = a.flatMap((n, i) => n.files.filter((f) => Buffer.isBuffer(f.content) && !f.content.equals(b[i]!.files.find((g) => g.path === f.path)!.content as Buffer)).map((f) => `${n.name} ${f.path}`));
    expect(changed).toEqual([`node1 ${MANIFEST}`]);
    const readers = a[0]!.units.filter((u) => u.inputs.includes(MANIFEST)).map((u) => u.name);
    expect(readers).toEqual([ADDONS_UNIT]);
  });
});

describe("judgeCoreDns", () => {
  const ip = "10.254.0.2";
  const svc = (clusterIP?: string) => ({ spec: clusterIP === undefined ? {} : { clusterIP } });
  const dep = (replicas: number, available?: number) => ({ spec: { replicas }, status: available === undefined ? {} : { availableReplicas: available } });
  it.each<[string, ReturnType<typeof svc>, ReturnType<typeof dep>, boolean, boolean, string]>([
    ["available at the planned IP", svc(ip), dep(2, 2), false, true, "Service kube-dns at 10.254.0.2; Deployment coredns 2/2 available"],
    ["one of two available", svc(ip), dep(2, 1), false, true, "Deployment coredns 1/2 available"],
    ["no replica available yet", svc(ip), dep(2), false, false, "Deployment coredns 0/2 available"],
    ["Service at another IP", svc("10.254.0.10"), dep(2, 2), false, false, "Service kube-dns at 10.254.0.10 (clusterDNS is 10.254.0.2)"],
    ["headless Service", svc("None"), dep(2, 2), false, false, "at None (clusterDNS is 10.254.0.2)"],
    ["local mode, no pods: objects only", svc(ip), dep(2), true, true, "Deployment coredns exists; local mode: pods are not checked (no container runtime)"],
    ["local mode, Service at another IP", svc("10.254.0.3"), dep(2), true, false, "(clusterDNS is 10.254.0.2)"],
  ])("%s", (_name, service, deployment, local, ok, detail) => {
    const r = judgeCoreDns({ service, deployment }, ip, local);
    expect(r.ok).toBe(ok);
    expect(r.detail).toContain(detail);
  });
});
