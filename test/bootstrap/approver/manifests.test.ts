import { describe, expect, it } from "vitest";
import { approverImage, approverManifests, policyArgs, APPROVER_IMAGE_NAME } from "@k8s/bootstrap";

const find = (objs: Record<string, unknown>[], kind: string): any => objs.find((o) => o.kind === kind);

describe("policyArgs", () => {
  it("writes each policy flag as one --flag=value argument, patterns unsplit, unset flags left out", () => {
    expect(policyArgs({})).toEqual([]);
    expect(
      policyArgs({ signers: "serving", dnsPatterns: ["n{1,3}\\.example\\.com", "{node}\\.a b"], cidrs: ["10.0.0.0/8"], maxSans: "4", allowRebootstrap: true, maxExpiration: "24h", denyMode: "pending", dryRun: true, logFormat: "text", workers: "2", leaseName: "x" }),
    ).toEqual([
      "--signers=serving",
      "--dns-pattern=n{1,3}\\.example\\.com",
      "--dns-pattern={node}\\.a b",
      "--cidr=10.0.0.0/8",
      "--max-sans=4",
      "--allow-rebootstrap",
      "--max-expiration=24h",
      "--deny-mode=pending",
      "--dry-run",
      "--log-format=text",
      "--workers=2",
      "--lease-name=x",
    ]);
  });

  it.each([
    { name: "deny mode", policy: { denyMode: "drop" }, error: /^--deny-mode: expected deny or pending/ },
    { name: "CIDR", policy: { cidrs: ["10.0.0.0/33"] }, error: /^--cidr: / },
    { name: "expiration", policy: { maxExpiration: "1m" }, error: /^--max-expiration: must be at least 10m/ },
    { name: "pattern", policy: { dnsPatterns: ["("] }, error: /^--dns-pattern: / },
    { name: "signer", policy: { signers: "kubernetes.io/legacy-unknown" }, error: /^--signers: unknown signer/ },
    { name: "lease name", policy: { leaseName: "Bad_Name" }, error: /^--lease-name: "Bad_Name" is not a DNS-1123 name/ },
  ])("refuses a bad $name as approver run would, naming the flag", ({ policy, error }) => {
    expect(() => policyArgs(policy)).toThrow(error);
  });
});

describe("approverManifests", () => {
  it("defaults to the versioned image, pulled only if not present", () => {
    const c = find(approverManifests({ image: approverImage("1.2.3") }), "Deployment").spec.template.spec.containers[0];
    expect(c.image).toBe(`${APPROVER_IMAGE_NAME}:1.2.3`);
    expect(c.imagePullPolicy).toBe("IfNotPresent");
  });

  it("points the Service, the PodDisruptionBudget and the ServiceMonitor at the Deployment's pods and metrics port", () => {
    const objs = approverManifests({ namespace: "ops", serviceMonitor: true, replicas: 3 });
    const dep = find(objs, "Deployment");
    const podLabels = dep.spec.template.metadata.labels;
    const matches = (sel: Record<string, string>): boolean => Object.entries(sel).every(([k, v]) => podLabels[k] === v);
    expect(dep.spec.replicas).toBe(3);
    const port = dep.spec.template.spec.containers[0].ports[0];
    const svc = find(objs, "Service");
    expect(matches(svc.spec.selector)).toBe(true);
    expect(svc.spec.ports).toEqual([{ name: "metrics", port: port.containerPort, targetPort: port.name, protocol: "TCP" }]);
    const pdb = find(objs, "PodDisruptionBudget");
    expect(matches(pdb.spec.selector.matchLabels)).toBe(true);
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: pdb.spec.selector });
    const sm = find(objs, "ServiceMonitor");
    expect(sm.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v)).toBe(true);
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ["ops"] });
    expect(sm.spec.endpoints).toEqual([{ port: "metrics", path: "/metrics", interval: "30s" }]);
    for (const o of objs) if (o.kind !== "Namespace" && o.kind !== "ClusterRole" && o.kind !== "ClusterRoleBinding") expect((o.metadata as any).namespace).toBe("ops");
    expect(find(approverManifests(), "ServiceMonitor")).toBeUndefined();
  });

  it("puts the Lease in its own namespace and the policy after the fixed arguments", () => {
    const args = find(approverManifests({ namespace: "ops", policy: { denyMode: "pending" } }), "Deployment").spec.template.spec.containers[0].args;
    expect(args).toEqual(["approver", "run", "--lease-namespace=ops", "--listen=:8081", "--deny-mode=pending"]);
  });

  it.each([
    { name: "namespace", o: { namespace: "Bad_NS" }, error: /^--namespace: "Bad_NS" is not a DNS-1123 label/ },
    { name: "image", o: { image: "a b" }, error: /^--image: "a b" is not an image reference/ },
    { name: "replica count", o: { replicas: 0 }, error: /^--replicas: expected a whole number of at least 1/ },
  ])("refuses a bad $name", ({ o, error }) => {
    expect(() => approverManifests(o)).toThrow(error);
  });
});
