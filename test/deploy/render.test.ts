import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCertificatePem, formatIp } from "@k8s/pki";
import jsYaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPROVER_NODE_OPTIONS } from "@k8s/bootstrap";
import {
  buildPlan,
  defaultInventory,
  renderCluster,
  validateInventory,
  writeRendered,
  type Pki,
  type Plan,
  type RenderedNode,
} from "@k8s/deploy";
import { buildPki } from "../../packages/deploy/src/pki-build.js";
import { execStartOf } from "../../packages/deploy/src/render/systemd.js";
import { parseUnitFile } from "../../packages/deploy/src/process-service-manager.js";

const fixedRandom = (n: number): Uint8Array => new Uint8Array(n).fill(7);
const text = (node: RenderedNode, path: string): string => {
  const f = node.files.find((x) => x.path === path);
  if (!f || !Buffer.isBuffer(f.content)) throw new Error(`no rendered ${path} on ${node.name}`);
  return f.content.toString();
};

// Flags and fields deploy.md §4 lists as removed or deprecated.
const REMOVED = [
  "--insecure-port",
  "--insecure-bind-address",
  "--kubelet-https",
  "--experimental-",
  "--enable-swagger-ui",
  "--audit-dynamic-configuration",
  "--apiserver-count",
  "--logtostderr",
  "--alsologtostderr",
  "--log-dir",
  "--port=",
  "--address=",
  "--horizontal-pod-autoscaler-use-rest-clients",
  "--pod-eviction-timeout",
  "--allow-privileged=true --kubelet",
  "--network-plugin",
  "--cni-",
  "--container-runtime=",
  "--pod-infra-container-image",
  "--image-pull-progress-deadline",
  "--enable-v2",
  "docker",
  "dockershim",
  "Initializers",
  "RotateKubelet",
  "api/all",
];

describe("render", () => {
  let plan: Plan;
  let pki: Pki;
  let nodes: RenderedNode[];
  beforeAll(async () => {
    plan = buildPlan(defaultInventory());
    pki = await buildPki(plan, { now: () => new Date("2026-09-01T00:00:00Z") });
    nodes = renderCluster(plan, { pki, randomBytes: fixedRandom, now: () => new Date("2026-09-01T00:00:00Z") });
  });

  it("issues every certificate of the plan with its CN, O, SANs, CA and lifetime", () => {
    for (const c of plan.certs) {
      const m = pki.items.get(c.id)!;
      expect(m, c.id).toBeDefined();
      if (c.kind === "keypair") {
        expect(m.cert).toMatch(/^-----BEGIN PUBLIC KEY-----/);
        continue;
      }
      const x = parseCertificatePem(m.cert);
      expect(x.subject.commonName).toBe(c.cn);
      expect(x.subject.organization).toEqual(c.o);
      expect([...x.sans.ip.map(formatIp), ...x.sans.dns]).toEqual(c.sans);
      const issuer = parseCertificatePem(pki.items.get(c.ca ?? c.id)!.cert);
      expect(x.issuer.commonName).toBe(issuer.subject.commonName);
      const hours = (x.notAfter.getTime() - x.notBefore.getTime()) / 3_600_000;
      expect(Math.round(hours)).toBe(Number(c.lifetime.replace("h", "")));
      expect(x.basicConstraints?.isCa ?? false).toBe(c.kind === "ca");
    }
  });

  it("units and files follow the plan; units list their inputs and stage", () => {
    expect(nodes.map((n) => n.name)).toEqual(["node1", "node2", "node3"]);
    for (const [i, n] of nodes.entries()) {
      expect(n.files.map((f) => [f.path, f.mode])).toEqual(plan.nodes[i]!.files.map((f) => [f.path, f.mode]));
      expect(n.units.map((u) => `${u.name}:${u.stage}`)).toEqual(plan.nodes[i]!.units.map((u) => `${u.name}:${u.stage}`));
    }
    expect(nodes[0]!.units.map((u) => u.name)).toContain("flannel-network-config.service");
    expect(nodes[1]!.units.map((u) => u.name)).not.toContain("flannel-network-config.service");
    const binary = nodes[0]!.files.find((f) => f.path === "/usr/local/bin/etcd")!;
    expect(binary.content).toEqual({ localPath: join("./bin", "etcd") });
  });

  it("renders no removed flag, no docker, no plaintext etcd listener", () => {
    for (const n of nodes) {
      for (const f of n.files) {
        if (!Buffer.isBuffer(f.content) || !/\.(service|yaml|toml|conflist)$/.test(f.path)) continue;
        const s = f.content.toString();
        for (const bad of REMOVED) expect(s.includes(bad), `${n.name} ${f.path} contains ${bad}`).toBe(false);
        expect(s).not.toMatch(/http:\/\/[^ ]*:2379/);
      }
    }
  });

  it("renders the pod network config JSON and the etcd v3 put of it", () => {
    expect(text(nodes[0]!, "/etc/flannel/net-conf.json")).toBe('{"Network":"172.30.0.0/16","SubnetLen":21,"Backend":{"Type":"vxlan"}}\n');
    const cmd = execStartOf(text(nodes[0]!, "/etc/systemd/system/flannel-network-config.service"));
    expect(cmd.slice(-2)).toEqual(["put", "/kubernetes/network/config"]);
  });

  it("the encryption key comes from the injected random source", () => {
    const enc = jsYaml.load(text(nodes[0]!, "/etc/kubernetes/encryption-config.yaml")) as any;
    expect(enc.kind).toBe("EncryptionConfiguration");
    expect(enc.apiVersion).toBe("apiserver.config.k8s.io/v1");
    expect(enc.resources[0].providers[0].secretbox.keys[0].secret).toBe(Buffer.alloc(32, 7).toString("base64"));
    expect(enc.resources[0].providers[1]).toEqual({ identity: {} });
    // Same key on every master.
    expect(text(nodes[1]!, "/etc/kubernetes/encryption-config.yaml")).toBe(text(nodes[0]!, "/etc/kubernetes/encryption-config.yaml"));
  });

  it("bootstrap tokens: one per worker in the kubelet kubeconfig and in the Secrets on the first master", () => {
    const secrets = jsYaml.loadAll(text(nodes[0]!, "/etc/kubernetes/manifests/bootstrap-tokens.yaml")) as any[];
    expect(secrets).toHaveLength(3);
    for (const [i, n] of nodes.entries()) {
      const kc = jsYaml.load(text(n, "/etc/kubernetes/kubelet-bootstrap.kubeconfig")) as any;
      const token: string = kc.users[0].user.token;
      const s = secrets[i].stringData;
      expect(token).toBe(`${s["token-id"]}.${s["token-secret"]}`);
      expect(s.expiration).toBe("2026-09-02T00:00:00Z");
      // Every node is a worker of three masters without a VIP: the kubelet goes through kube-lb.
      expect(kc.clusters[0].cluster.server).toBe("https://127.0.0.1:6444");
    }
  });

  it("the csr-crb RBAC binds the apiserver-kubelet-client user; the approver's RBAC binds its own user, no Deployment", () => {
    const rbac = jsYaml.loadAll(text(nodes[0]!, "/etc/kubernetes/manifests/csr-crb.yaml")) as any[];
    const b = rbac.find((o) => o.metadata.name === "kube-apiserver:kubelet-apis");
    expect(b.subjects).toEqual([{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "kube-apiserver-kubelet-client" }]);
    const approver = jsYaml.loadAll(text(nodes[0]!, "/etc/kubernetes/manifests/approver.yaml")) as any[];
    expect(approver.map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`)).toEqual([
      "ClusterRole /k8s-pki-approver",
      "ClusterRoleBinding /k8s-pki-approver",
      "Role kube-system/k8s-pki-approver",
      "RoleBinding kube-system/k8s-pki-approver",
    ]);
    const user = [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "system:k8s-pki-approver" }];
    for (const o of approver.filter((x) => x.kind.endsWith("Binding"))) expect(o.subjects).toEqual(user);
    const verbs = (o: any): string[] => o.rules.flatMap((r: any) => r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${res}${r.resourceNames ? `(${r.resourceNames.join(",")})` : ""}:${v}`)));
    expect(verbs(approver[0])).toEqual([
      "certificatesigningrequests:get",
      "certificatesigningrequests:list",
      "certificatesigningrequests:watch",
      "certificatesigningrequests/approval:update",
      "signers(kubernetes.io/kube-apiserver-client-kubelet,kubernetes.io/kubelet-serving):approve",
      "subjectaccessreviews:create",
      "nodes:get",
      "nodes:list",
      "events:create",
    ]);
    expect(verbs(approver[2])).toEqual(["leases:create", "leases(k8s-pki-approver):get", "leases(k8s-pki-approver):update"]);
    // cluster-objects.service applies it with the other objects.
    expect(execStartOf(text(nodes[0]!, "/etc/systemd/system/cluster-objects.service"))).toContain("--filename=/etc/kubernetes/manifests/approver.yaml");
  });

  it("every master runs the approver: its own client certificate, leader election on its Lease, /metrics on the node's address", () => {
    const cert = plan.certs.find((c) => c.id === "k8s-pki-approver")!;
    expect(cert).toMatchObject({ ca: "kubernetes-ca", profile: "client", cn: "system:k8s-pki-approver", o: [] });
    for (const n of nodes) {
      const unit = text(n, "/etc/systemd/system/k8s-pki-approver.service");
      expect(execStartOf(unit)).toEqual([
        "/usr/local/bin/k8s-pki",
        "approver",
        "run",
        "--kubeconfig=/etc/kubernetes/k8s-pki-approver.kubeconfig",
        "--lease-namespace=kube-system",
        "--lease-name=k8s-pki-approver",
        `--identity=${n.name}`,
        `--listen=${n.address}:8081`,
        "--log-format=json",
      ]);
      expect(unit).not.toContain("leader-elect");
      expect(n.units.find((u) => u.name === "k8s-pki-approver.service")).toEqual({
        name: "k8s-pki-approver.service",
        stage: "bootstrap",
        inputs: ["/etc/systemd/system/k8s-pki-approver.service", "/usr/local/bin/k8s-pki", "/etc/kubernetes/k8s-pki-approver.kubeconfig"],
      });
      // Local mode reads Environment= as systemd does: one quoted assignment with spaces.
      expect(parseUnitFile(unit)).toMatchObject({ env: { NODE_OPTIONS: APPROVER_NODE_OPTIONS }, restart: "always", type: "simple" });
      const kc = jsYaml.load(text(n, "/etc/kubernetes/k8s-pki-approver.kubeconfig")) as any;
      expect(kc.clusters[0].cluster.server).toBe(`https://${n.address}:6443`);
      expect(Buffer.from(kc.users[0].user["client-certificate-data"], "base64").toString()).toBe(pki.items.get("k8s-pki-approver")!.cert);
      expect(n.files.find((f) => f.path === "/etc/kubernetes/k8s-pki-approver.kubeconfig")!.mode).toBe(0o600);
    }
    // The in-tree approver is off, so this one is the only one that approves kubelet CSRs.
    expect(execStartOf(text(nodes[0]!, "/etc/systemd/system/kube-controller-manager.service"))).toContain("--controllers=*,bootstrapsigner,tokencleaner,-csrapproving");
  });

  it("kubelet and kube-proxy take their settings from config files", () => {
    const kubelet = execStartOf(text(nodes[0]!, "/etc/systemd/system/kubelet.service"));
    expect(kubelet.slice(1).map((f) => f.split("=")[0])).toEqual(["--config", "--kubeconfig", "--bootstrap-kubeconfig", "--cert-dir", "--hostname-override", "--node-ip", "--v"]);
    const cfg = jsYaml.load(text(nodes[0]!, "/var/lib/kubelet/config.yaml")) as any;
    expect(cfg).toMatchObject({ kind: "KubeletConfiguration", cgroupDriver: "systemd", containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock", clusterDNS: ["10.254.0.2"], rotateCertificates: true, serverTLSBootstrap: true, readOnlyPort: 0 });
    expect(execStartOf(text(nodes[0]!, "/etc/systemd/system/kube-proxy.service")).slice(1)).toEqual(["--config=/var/lib/kube-proxy/config.yaml", "--v=2"]);
    expect(jsYaml.load(text(nodes[0]!, "/var/lib/kube-proxy/config.yaml"))).toMatchObject({ kind: "KubeProxyConfiguration", mode: "nftables", clusterCIDR: "172.30.0.0/16", hostnameOverride: "node1" });
  });

  describe("writeRendered", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "deploy-render-"));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    it("writes DIR/<node>/<path> with each file's mode and a manifest", async () => {
      const n = await writeRendered(nodes, dir);
      expect(n).toBe(nodes.reduce((a, x) => a + x.files.filter((f) => Buffer.isBuffer(f.content)).length, 0));
      expect((await stat(join(dir, "node1/etc/kubernetes/pki/sa.key"))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, "node1/etc/kubernetes/pki/ca.pem"))).mode & 0o777).toBe(0o644 & ~process.umask());
      expect(await readFile(join(dir, "node2/etc/kubernetes/pki/etcd/server.pem"), "utf8")).toBe(pki.items.get("etcd-server-node2")!.cert);
      expect(await readFile(join(dir, "node1.manifest.txt"), "utf8")).toMatch(/^0755 root:root \/usr\/local\/bin\/etcd \(binary from bin\/etcd\)$/m);
    });
  });

  it("RSA-2048 keys when the inventory asks for them", async () => {
    const inv = validateInventory({ nodes: [{ name: "solo", address: "10.0.0.5", roles: ["etcd", "master", "worker"] }], pki: { keyAlgo: "rsa" } });
    const p = buildPlan(inv);
    const k = await buildPki(p);
    expect(k.items.get("apiserver")!.key).toMatch(/BEGIN RSA PRIVATE KEY/);
  });
});
