import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCertificatePem, formatIp } from "@k8s/pki";
import jsYaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPki, buildPlan, defaultInventory, execStartOf, renderCluster, validateInventory, writeRendered, type Pki, type Plan, type RenderedNode } from "@k8s/deploy";

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
      expect(kc.clusters[0].cluster.server).toBe(`https://${n.address}:6443`);
    }
  });

  it("the csr-crb RBAC binds the apiserver-kubelet-client user; approver manifests are rendered", () => {
    const rbac = jsYaml.loadAll(text(nodes[0]!, "/etc/kubernetes/manifests/csr-crb.yaml")) as any[];
    const b = rbac.find((o) => o.metadata.name === "kube-apiserver:kubelet-apis");
    expect(b.subjects).toEqual([{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "kube-apiserver-kubelet-client" }]);
    const approver = jsYaml.loadAll(text(nodes[0]!, "/etc/kubernetes/manifests/approver.yaml")) as any[];
    expect(approver.map((o) => o.kind)).toContain("Deployment");
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
