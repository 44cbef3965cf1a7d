import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildPlan, defaultInventory, renderPlanText, validateInventory, type Plan } from "@k8s/deploy";
import { apiserverSans } from "../../packages/deploy/src/plan.js";

const split = (over: Record<string, unknown> = {}) =>
  validateInventory({
    clusterName: "prod",
    nodes: [
      { name: "m1", address: "10.0.0.11", roles: ["etcd", "master"] },
      { name: "m2", address: "10.0.0.12", roles: ["etcd", "master"] },
      { name: "m3", address: "10.0.0.13", roles: ["etcd", "master"] },
      { name: "w1", address: "10.0.1.1", roles: ["worker"] },
      { name: "w2", address: "10.0.1.2", roles: ["worker"] },
    ],
    ...over,
  });

const cert = (plan: Plan, id: string) => plan.certs.find((c) => c.id === id)!;

describe("plan", () => {
  it("is deterministic: the same inventory gives identical text", () => {
    expect(renderPlanText(buildPlan(defaultInventory()))).toBe(renderPlanText(buildPlan(defaultInventory())));
    const a = renderPlanText(buildPlan(split()));
    expect(renderPlanText(buildPlan(split()))).toBe(a);
  });

  it("the default plan's text is the reviewed snapshot", async () => {
    await expect(renderPlanText(buildPlan(defaultInventory()))).toMatchFileSnapshot("__snapshots__/default-plan.txt");
  });

  it("computes the API server SANs from the inventory", () => {
    const inv = split({ serviceCidr: "10.96.0.0/12", dnsDomain: "corp.example", apiserver: { vip: "10.0.0.100", lbName: "api.corp.example" } });
    expect(apiserverSans(inv)).toEqual([
      "10.96.0.1",
      "127.0.0.1",
      "10.0.0.11",
      "10.0.0.12",
      "10.0.0.13",
      "10.0.0.100",
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      "kubernetes.default.svc.corp.example",
      "localhost",
      "m1",
      "m2",
      "m3",
      "api.corp.example",
    ]);
    const plan = buildPlan(inv);
    expect(plan.derived.clusterEndpoint).toBe("https://api.corp.example:6443");
    expect(plan.derived.dnsServiceIp).toBe("10.96.0.2");
    // Workers are not in the API server's SANs.
    expect(cert(plan, "apiserver").sans).not.toContain("10.0.1.1");
  });

  it("gives each etcd member its own server and peer certificate with its own address", () => {
    const plan = buildPlan(split());
    for (const [name, ip] of [["m1", "10.0.0.11"], ["m2", "10.0.0.12"], ["m3", "10.0.0.13"]] as const) {
      for (const kind of ["server", "peer"]) {
        const c = cert(plan, `etcd-${kind}-${name}`);
        expect(c).toMatchObject({ cn: name, ca: "etcd-ca", profile: "peer", sans: [ip, "127.0.0.1", name, "localhost"] });
      }
      const files = plan.nodes.find((n) => n.name === name)!.files;
      expect(files.find((f) => f.path === "/etc/kubernetes/pki/etcd/server.pem")!.source).toEqual({ kind: "cert", id: `etcd-server-${name}` });
    }
  });

  it("hardened: three CAs, a service-account key pair, separate apiserver clients, admin the only system:masters", () => {
    const plan = buildPlan(split());
    expect(plan.certs.filter((c) => c.kind === "ca").map((c) => c.id)).toEqual(["kubernetes-ca", "etcd-ca", "front-proxy-ca"]);
    expect(cert(plan, "sa").kind).toBe("keypair");
    expect(cert(plan, "apiserver-etcd-client")).toMatchObject({ ca: "etcd-ca", cn: "kube-apiserver-etcd-client", o: [], profile: "client" });
    expect(cert(plan, "apiserver-kubelet-client")).toMatchObject({ ca: "kubernetes-ca", cn: "kube-apiserver-kubelet-client", o: [], profile: "client" });
    expect(cert(plan, "front-proxy-client")).toMatchObject({ ca: "front-proxy-ca", cn: "front-proxy-client" });
    expect(cert(plan, "apiserver")).toMatchObject({ profile: "server", usages: ["signing", "key encipherment", "server auth"] });
    expect(plan.certs.filter((c) => c.o.includes("system:masters")).map((c) => c.id)).toEqual(["admin"]);
    expect(plan.certs.filter((c) => c.kind === "ca").every((c) => c.lifetime === "87600h")).toBe(true);
    expect(plan.certs.filter((c) => c.kind === "cert").every((c) => c.lifetime === "8760h")).toBe(true);
  });

  it("classic: one CA, the classic file names, the CA key pair signs service-account tokens", () => {
    const plan = buildPlan(split({ pki: { layout: "classic" } }));
    expect(plan.certs.filter((c) => c.kind === "ca").map((c) => c.id)).toEqual(["ca"]);
    expect(plan.certs.every((c) => c.kind === "ca" || c.ca === "ca")).toBe(true);
    expect(cert(plan, "etcd").sans).toEqual(["127.0.0.1", "10.0.0.11", "10.0.0.12", "10.0.0.13"]);
    expect(cert(plan, "kubernetes").sans).toContain("kubernetes.default.svc.cluster");
    expect(cert(plan, "kube-controller-manager")).toMatchObject({ cn: "system:kube-controller-manager", o: ["system:kube-controller-manager"] });
    expect(cert(plan, "kube-proxy")).toMatchObject({ cn: "system:kube-proxy", o: ["k8s"] });
    const m1 = plan.nodes.find((n) => n.name === "m1")!.files.map((f) => f.path);
    for (const p of [
      "/etc/kubernetes/cert/ca.pem",
      "/etc/kubernetes/cert/ca-key.pem",
      "/etc/etcd/cert/etcd.pem",
      "/etc/etcd/cert/etcd-key.pem",
      "/etc/flanneld/cert/flanneld.pem",
      "/etc/kubernetes/cert/kubernetes.pem",
      "/etc/kubernetes/cert/kube-controller-manager.pem",
      "/etc/kubernetes/kubectl.kubeconfig",
      "/etc/kubernetes/encryption-config.yaml",
      "/opt/k8s/bin/kube-apiserver",
    ]) {
      expect(m1).toContain(p);
    }
    const w1 = plan.nodes.find((n) => n.name === "w1")!.files.map((f) => f.path);
    expect(w1).toContain("/etc/kubernetes/cert/ca.pem");
    expect(w1).not.toContain("/etc/kubernetes/cert/ca-key.pem");
  });

  it("presigned kubelets: one certificate per worker, CN system:node:<name>, O system:nodes", () => {
    const plan = buildPlan(split({ kubeletCerts: "presigned" }));
    expect(cert(plan, "kubelet-w1")).toMatchObject({ cn: "system:node:w1", o: ["system:nodes"], sans: ["10.0.1.1", "w1"], profile: "peer" });
    expect(plan.certs.some((c) => c.id === "kubelet-m1")).toBe(false);
  });

  it("the CSR approver: a unit on every master (bootstrap stage) with its own client certificate in a 0600 kubeconfig, in both layouts", () => {
    for (const [layout, ca, profile] of [
      ["hardened", "kubernetes-ca", "client"],
      ["classic", "ca", "kubernetes"],
    ] as const) {
      const plan = buildPlan(split({ pki: { layout } }));
      expect(cert(plan, "k8s-pki-approver")).toMatchObject({ kind: "cert", ca, profile, cn: "system:k8s-pki-approver", o: [], sans: [] });
      for (const n of plan.nodes) {
        const unit = n.units.find((u) => u.name === "k8s-pki-approver.service");
        if (!n.roles.includes("master")) {
          expect(unit, n.name).toBeUndefined();
          // kube-lb's config lives under /etc/k8s-pki too; it is no approver file.
          expect(n.files.some((f) => f.path.includes("k8s-pki") && !f.path.startsWith("/etc/k8s-pki/kube-lb/"))).toBe(false);
          continue;
        }
        expect(unit?.stage).toBe("bootstrap");
        const bin = layout === "classic" ? "/opt/k8s/bin/k8s-pki" : "/usr/local/bin/k8s-pki";
        expect(n.files.find((f) => f.path === bin)).toMatchObject({ mode: 0o755, source: { kind: "binary", name: "k8s-pki" } });
        expect(n.files.find((f) => f.path === "/etc/kubernetes/k8s-pki-approver.kubeconfig")).toMatchObject({ mode: 0o600, secret: true });
      }
    }
  });

  it("every file is 0600 exactly when it holds a secret, and every key file is a secret", () => {
    for (const inv of [defaultInventory(), split(), split({ pki: { layout: "classic" }, kubeletCerts: "presigned" })]) {
      for (const n of buildPlan(inv).nodes) {
        for (const f of n.files) {
          expect(f.mode === 0o600, `${n.name} ${f.path}`).toBe(f.secret);
          if (f.source.kind === "key") expect(f.mode).toBe(0o600);
        }
        for (const u of n.units) for (const i of u.inputs) expect(n.files.some((f) => f.path === i), `${n.name} ${u.name} input ${i}`).toBe(true);
      }
    }
  });
});

// Inventories with some nodes that are only workers; any layout and kubelet mode.
const inventories = fc
  .record({
    etcdMasters: fc.constantFrom(1, 3, 5),
    workers: fc.integer({ min: 1, max: 6 }),
    layout: fc.constantFrom("hardened", "classic"),
    kubeletCerts: fc.constantFrom("bootstrap", "presigned"),
    separateEtcd: fc.boolean(),
  })
  .map((r) => {
    const nodes = [];
    for (let i = 0; i < r.etcdMasters; i++) nodes.push({ name: `cp${i}`, address: `10.1.0.${i + 1}`, roles: r.separateEtcd ? ["master"] : ["etcd", "master"] });
    if (r.separateEtcd) for (let i = 0; i < r.etcdMasters; i++) nodes.push({ name: `etcd${i}`, address: `10.2.0.${i + 1}`, roles: ["etcd"] });
    for (let i = 0; i < r.workers; i++) nodes.push({ name: `w${i}`, address: `10.3.0.${i + 1}`, roles: ["worker"] });
    return validateInventory({ nodes, pki: { layout: r.layout }, kubeletCerts: r.kubeletCerts });
  });

describe("private keys never go to nodes that do not need them", () => {
  it("no CA key, service-account private key, encryption config or admin credentials on a non-master", () => {
    fc.assert(
      fc.property(inventories, (inv) => {
        const plan = buildPlan(inv);
        const caIds = new Set(plan.certs.filter((c) => c.kind === "ca").map((c) => c.id));
        const saKey = inv.pki.layout === "classic" ? "ca" : "sa";
        for (const n of plan.nodes) {
          if (n.roles.includes("master")) continue;
          for (const f of n.files) {
            const s = f.source;
            if (s.kind === "key") {
              expect(caIds.has(s.id), `${n.name}: CA key ${s.id}`).toBe(false);
              expect(s.id, `${n.name}: service-account key`).not.toBe(saKey);
            }
            if (s.kind === "config") expect(["encryption-config.yaml", "admin.kubeconfig", "bootstrap-tokens.yaml", "kube-controller-manager.kubeconfig"]).not.toContain(s.template);
          }
        }
        // Only the master's KCM needs a CA key at all, and only the main CA's.
        for (const n of plan.nodes) {
          const caKeys = n.files.filter((f) => f.source.kind === "key" && caIds.has(f.source.id)).map((f) => (f.source as { id: string }).id);
          expect(caKeys).toEqual(n.roles.includes("master") ? [inv.pki.layout === "classic" ? "ca" : "kubernetes-ca"] : []);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("a worker holds only the flanneld key and its own kubelet key as files (kube-proxy's is inside its kubeconfig)", () => {
    const plan = buildPlan(split({ kubeletCerts: "presigned" }));
    const w1 = plan.nodes.find((n) => n.name === "w1")!;
    expect(w1.files.filter((f) => f.source.kind === "key").map((f) => (f.source as { id: string }).id)).toEqual(["flanneld", "kubelet-w1"]);
  });
});
