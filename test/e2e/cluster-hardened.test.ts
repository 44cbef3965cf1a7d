// The second layout on real machines: the hardened PKI (three CAs, kubeadm's
// names) with split roles, as a cluster grows past the seed's all-in-one
// machines: three masters with etcd (m3 also a worker) and m4 a worker only,
// which reaches the API through its kube-lb alone. `deploy apply` over SSH,
// `verify` green, `verify --smoke` green (pods on m3 and m4, pod to pod across
// them, Service, DNS, logs, exec), and a second apply changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BedCluster, must, until } from "../harness/bed-cluster.js";

const c = new BedCluster();
const { deploy, ssh, smokeImage } = c;

beforeAll(() => c.up(["4", "--roles", "m1=etcd,master m2=etcd,master m3=etcd,master,worker m4=worker"], ""), 900_000);
afterAll(() => c.down(), 300_000);

describe("the hardened layout with a worker-only machine", () => {
  it("deploy apply over SSH stands it up; the worker's node agents go through kube-lb", async () => {
    const r = await c.timed("deploy apply (hardened, first)", () => c.k8sPki("deploy", "apply", ...deploy, ...ssh));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/applied: m1, m2, m3, m4 changed/);
    const kc = must(await c.onMachine("10.213.0.14", "grep -h 'server:' /etc/kubernetes/kube-proxy.kubeconfig /etc/kubernetes/kubelet-bootstrap.kubeconfig"), "m4's kubeconfigs");
    expect(kc.trim().split("\n").map((l) => l.trim())).toEqual(["server: https://127.0.0.1:6444", "server: https://127.0.0.1:6444"]);
    // Its own machine is no master: the load balancer's three backends are the others.
    const cfg = must(await c.onMachine("10.213.0.14", "grep -c '^  server ' /etc/k8s-pki/kube-lb/haproxy.cfg"), "m4's haproxy.cfg");
    expect(cfg.trim()).toBe("3");
  });

  it("deploy verify turns green, then verify --smoke is green with pods on both workers", async () => {
    const v = await c.timed("apply to verify green (hardened)", () => until(300_000, () => c.k8sPki("deploy", "verify", ...deploy)));
    expect(v.code, v.out).toBe(0);
    expect(v.out).toMatch(/^ok +nodes listed: 2 node\(s\): m3, m4/m);
    const r = await c.timed("verify --smoke (hardened)", () => c.k8sPki("deploy", "verify", ...deploy, "--smoke-only", ...smokeImage));
    console.log(r.out);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^ok +smoke pods ready, one per worker: .* on m3 .* on m4 /m);
    expect(r.out).toMatch(/^ok +smoke pod-to-pod across nodes: 2 GETs between 2 nodes/m);
    expect(r.out).toMatch(/^smoke test: all 11 checks passed$/m);
  });

  it("a second deploy apply changes nothing", async () => {
    const r = await c.timed("deploy apply (hardened, second)", () => c.k8sPki("deploy", "apply", ...deploy, ...ssh));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^nothing changed$/m);
  });
});
