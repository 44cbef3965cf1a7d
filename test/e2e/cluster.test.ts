// The proof of issue 16, on real machines through the path users take: three
// systemd-nspawn machines (scripts/testbed.sh up 3), `k8s-pki deploy apply`
// over SSH with the bed's inventory in the seed's classic layout (each
// machine etcd + master + worker), then `deploy verify --smoke`: pods on
// every node, pod to pod across nodes over flannel, a Service's ClusterIP
// through kube-proxy, DNS through CoreDNS, logs and exec through the kubelets'
// approved serving certificates. Then one master's kube-apiserver stops: the
// nodes' load balancers carry the kubelets and kube-proxies to the other two,
// the workloads keep running and the smoke test passes again; started again,
// `deploy verify` is green; a second apply changes nothing.
// Nothing comes from a registry: the images stage imports archives made by
// scripts/fixtures.sh (pause, busybox, CoreDNS). Timings are printed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BedCluster, must, until } from "../harness/bed-cluster.js";

const c = new BedCluster();
const { deploy, ssh, smokeImage } = c;

/** kubectl on m2 with its admin kubeconfig (the classic layout's path), through m2's own API server. */
const kubectlOnM2 = async (args: string): Promise<string> =>
  must(await c.onMachine("10.213.0.12", `/opt/k8s/bin/kubectl --kubeconfig /etc/kubernetes/kubectl.kubeconfig ${args}`), `kubectl ${args}`);

/** Every pod with its node, phase and restart count: what "workloads keep running" compares. */
const podsState = (): Promise<string> =>
  kubectlOnM2(`get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} {.spec.nodeName} {.status.phase} {.status.containerStatuses[*].restartCount}{"\\n"}{end}'`);

// The seed's classic layout, each machine etcd + master + worker.
beforeAll(() => c.up(["3"], "pki: { layout: classic }\n"), 900_000);
afterAll(() => c.down(), 300_000);

describe("a cluster deployed over SSH onto three machines runs workloads", () => {
  it("deploy apply over SSH stands the cluster up", async () => {
    const r = await c.timed("deploy apply (first)", () => c.k8sPki("deploy", "apply", ...deploy, ...ssh));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/applied: m1, m2, m3 changed/);
  });

  it("deploy verify turns green once the kubelets registered and CoreDNS is available", async () => {
    const r = await c.timed("apply to verify green", () => until(300_000, () => c.k8sPki("deploy", "verify", ...deploy)));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^ok +CoreDNS available: Service kube-dns at 10\.254\.0\.2; Deployment coredns [12]\/2 available/m);
    expect(r.out).toMatch(/^ok +nodes listed: 3 node\(s\): m1, m2, m3/m);
  });

  it("deploy verify --smoke is green: a pod on every node, pod to pod, Service, DNS, logs and exec", async () => {
    const r = await c.timed("verify --smoke", () => c.k8sPki("deploy", "verify", ...deploy, "--smoke", ...smokeImage));
    console.log(r.out);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^ok +smoke pods ready, one per worker: .* on m1 .* on m2 .* on m3 /m);
    expect(r.out).toMatch(/^smoke test: all 11 checks passed$/m);
  });

  it("with m1's kube-apiserver stopped, m1's node keeps reaching the API through its load balancer, workloads keep running, the smoke test passes", async () => {
    const before = await podsState();
    expect(before).toMatch(/^kube-system\/coredns-\S+ m\d Running 0$/m);
    const stop = await c.timed("systemctl stop kube-apiserver on m1", () => c.onMachine("10.213.0.11", "systemctl stop kube-apiserver"));
    try {
      must(stop, "stop kube-apiserver on m1");
      expect(must(await c.onMachine("10.213.0.11", "systemctl is-active kube-apiserver || true"), "is-active").trim()).toBe("inactive");
      // The stop drained for up to a minute, longer than the node controller's grace: a kubelet cut off from the API
      // would be NotReady now. m1's kubelet renews its node Lease every 10 s, through kube-lb to m2 or m3.
      const renewed = new Date((await kubectlOnM2("get lease -n kube-node-lease m1 -o jsonpath={.spec.renewTime}")).trim());
      expect(Date.now() - renewed.getTime(), `m1's node Lease renewed at ${renewed.toISOString()}`).toBeLessThan(30_000);
      const r = await c.timed("verify --smoke-only (m1's API server stopped)", () => c.k8sPki("deploy", "verify", ...deploy, "--smoke-only", ...smokeImage));
      console.log(r.out);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/^ok +smoke API server: https:\/\/10\.213\.0\.1[23]:6443 \(passed over https:\/\/10\.213\.0\.11:6443/m);
      expect(r.out).toMatch(/^ok +smoke pods ready, one per worker: .* on m1 .* on m2 .* on m3 /m);
      // The pods that ran before still run, none restarted (the smoke namespace is gone again).
      const after = (await podsState()).split("\n").filter((l) => !l.startsWith("k8s-pki-smoke-"));
      expect(after).toEqual(before.split("\n").filter((l) => !l.startsWith("k8s-pki-smoke-")));
    } finally {
      must(await c.onMachine("10.213.0.11", "systemctl start kube-apiserver"), "start kube-apiserver on m1");
    }
  });

  it("started again, deploy verify is green", async () => {
    const r = await c.timed("verify green after restart", () => until(120_000, () => c.k8sPki("deploy", "verify", ...deploy)));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^ok +kube-apiserver m1 \/readyz/m);
  });

  it("a second deploy apply changes nothing", async () => {
    const r = await c.timed("deploy apply (second)", () => c.k8sPki("deploy", "apply", ...deploy, ...ssh));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^nothing changed$/m);
  });

  it("the bed's memory with the cluster up", async () => {
    const s = must(await c.testbed("status"), "testbed.sh status");
    console.log(s);
    expect(s).toMatch(/^m1 .* running +answers$/m);
    expect(s).toMatch(/memory: rss=\d+MiB memory-cgroup-usage=\d+MiB/);
  });
});
