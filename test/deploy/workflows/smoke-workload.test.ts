// The smoke workload's objects: a namespace marked as ours, one pod per node
// (required anti-affinity on the hostname), the serving command the checks
// rely on, and a Service from port 80 to the pods' 8080.
import { describe, expect, it } from "vitest";
import { readyLine, smokeDeployment, smokeNamespace, smokeNamespaceName, smokeService } from "../../../packages/deploy/src/workflows/smoke-workload.js";

describe("smokeNamespaceName", () => {
  it.each([
    { random: () => 0, name: "k8s-pki-smoke-aaaaa" },
    { random: () => 0.999, name: "k8s-pki-smoke-99999" },
  ])("$name", ({ random, name }) => {
    expect(smokeNamespaceName(random)).toBe(name);
  });

  it("is a DNS label of the prefix and 5 lowercase letters or digits", () => {
    for (let i = 0; i < 50; i++) expect(smokeNamespaceName()).toMatch(/^k8s-pki-smoke-[a-z0-9]{5}$/);
  });
});

describe("the smoke objects", () => {
  it("labels the namespace as managed by k8s-pki", () => {
    expect(smokeNamespace("k8s-pki-smoke-x1y2z").metadata).toEqual({ name: "k8s-pki-smoke-x1y2z", labels: { "app.kubernetes.io/managed-by": "k8s-pki" } });
  });

  it("spreads the Deployment's replicas one per node and serves the pod's hostname on 8080", () => {
    const d = smokeDeployment("ns1", "busybox:test", 3);
    expect(d.spec?.replicas).toBe(3);
    const pod = d.spec!.template.spec!;
    const anti = pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    expect(anti).toHaveLength(1);
    expect(anti[0]!.topologyKey).toBe("kubernetes.io/hostname");
    // The anti-affinity must select the Deployment's own pods, or it spreads nothing.
    expect(anti[0]!.labelSelector?.matchLabels).toEqual(d.spec!.selector.matchLabels);
    expect(d.spec!.template.metadata?.labels).toMatchObject(d.spec!.selector.matchLabels!);
    const c = pod.containers[0]!;
    expect(c).toMatchObject({ name: "smoke", image: "busybox:test", imagePullPolicy: "IfNotPresent", readinessProbe: { tcpSocket: { port: 8080 } } });
    expect(c.command).toEqual(["sh", "-c", "echo k8s-pki-smoke $(hostname) ready; mkdir -p /tmp/www && hostname > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]);
  });

  it("the log line the command prints is the one the logs check looks for", () => {
    // `echo k8s-pki-smoke $(hostname) ready` with the hostname being the pod's name.
    const cmd = smokeDeployment("ns1", "busybox", 1).spec!.template.spec!.containers[0]!.command![2]!;
    const echoed = /^echo (.*?);/.exec(cmd)![1]!.replace("$(hostname)", "smoke-abc-123");
    expect(echoed).toBe(readyLine("smoke-abc-123"));
  });

  it("points the Service's port 80 at the pods' 8080 through the same selector", () => {
    const s = smokeService("ns1");
    expect(s.spec).toMatchObject({ type: "ClusterIP", ports: [{ port: 80, targetPort: 8080 }] });
    expect(s.spec?.selector).toEqual(smokeDeployment("ns1", "busybox", 1).spec!.selector.matchLabels);
  });
});
