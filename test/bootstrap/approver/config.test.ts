import { describe, expect, it } from "vitest";
import jsYaml from "js-yaml";
import { approverManifests, dnsAllowed, renderApproverManifests, resolveApproverConfig, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from "@k8s/bootstrap";

describe("resolveApproverConfig", () => {
  it("has the documented defaults", () => {
    const c = resolveApproverConfig({});
    expect(c.policy.signers).toEqual([KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER]);
    expect(c.policy.maxExpirationSeconds).toBe(367 * 86_400);
    expect(c).toMatchObject({ denyMode: "deny", dryRun: false, logFormat: "json", leaderElect: true, leaseName: "k8s-pki-approver", leaseNamespace: "kube-system" });
    expect(c).toMatchObject({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, listenHost: "0.0.0.0", listenPort: 8081, workers: 5 });
    expect(c.policy).toMatchObject({ maxSans: 32, allowRebootstrap: false, dnsPatterns: [], cidrs: [] });
  });

  it.each([
    [{ maxSans: "8" }, { maxSans: 8 }],
    [{ allowRebootstrap: true }, { allowRebootstrap: true }],
    [{ allowRebootstrap: "true" }, { allowRebootstrap: true }],
    [{ allowRebootstrap: "false" }, { allowRebootstrap: false }],
    [{ allowRebootstrap: "0" }, { allowRebootstrap: false }],
  ])("reads %j", (raw, want) => expect(resolveApproverConfig(raw).policy).toMatchObject(want));

  it("keeps each --dns-pattern whole: commas belong to the regular expression", () => {
    const c = resolveApproverConfig({ dnsPattern: ["n{1,3}\\.example", "{node}\\.a,b"] });
    expect(c.policy.dnsPatterns).toEqual(["n{1,3}\\.example", "{node}\\.a,b"]);
    expect(["n.example", "nnn.example", "nnnn.example", "n1.a,b"].map((d) => dnsAllowed(d, "n1", c.policy.dnsPatterns))).toEqual([true, true, false, true]);
  });

  it("splits the environment variable's patterns by lines, and only by lines", () => {
    const c = resolveApproverConfig({ dnsPattern: "n{1,3}\\.example\n  {node}\\.internal  \r\n\n" });
    expect(c.policy.dnsPatterns).toEqual(["n{1,3}\\.example", "{node}\\.internal"]);
  });

  it("splits CIDRs on commas and newlines, from flags or the environment", () => {
    expect(resolveApproverConfig({ cidr: ["10.0.0.0/8,fd00::/8", "192.168.0.0/16"] }).policy.cidrs).toEqual(["10.0.0.0/8", "fd00::/8", "192.168.0.0/16"]);
    expect(resolveApproverConfig({ cidr: "10.0.0.0/8\nfd00::/8" }).policy.cidrs).toEqual(["10.0.0.0/8", "fd00::/8"]);
  });

  it("reads aliases, lists, durations and booleans given as strings (environment variables)", () => {
    const c = resolveApproverConfig({ signers: "serving", cidr: ["10.0.0.0/8", "fd00::/8"], maxExpiration: "24h", dryRun: "true", leaderElect: "false", listen: "127.0.0.1:9000" });
    expect(c.policy.signers).toEqual([KUBELET_SERVING_SIGNER]);
    expect(c.policy.cidrs).toEqual(["10.0.0.0/8", "fd00::/8"]);
    expect(c.policy.maxExpirationSeconds).toBe(86_400);
    expect(c).toMatchObject({ dryRun: true, leaderElect: false, listenHost: "127.0.0.1", listenPort: 9000 });
  });

  it.each([
    [{ signers: "kubernetes.io/legacy-unknown" }, /--signers: unknown signer/],
    [{ signers: "" }, /--signers: at least one/],
    [{ cidr: ["10.0.0.0"] }, /--cidr: "10.0.0.0" is not a CIDR/],
    [{ cidr: ["10.0.0.0/40"] }, /--cidr/],
    // Forms Go's net.ParseCIDR refuses: leading zeros, hex, an empty octet, a zone.
    [{ cidr: ["010.0.0.0/8"] }, /--cidr: "010.0.0.0\/8" is not a CIDR/],
    [{ cidr: ["0x0a.0.0.0/8"] }, /--cidr: "0x0a.0.0.0\/8" is not a CIDR/],
    [{ cidr: ["10..0.0/8"] }, /--cidr/],
    [{ cidr: ["fe80::%eth0/64"] }, /--cidr/],
    [{ dnsPattern: ["([a-z"] }, /--dns-pattern: "\(\[a-z" is not a valid regular expression/],
    [{ maxExpiration: "30d" }, /--max-expiration: time: unknown unit "d"/],
    [{ maxExpiration: "5m" }, /--max-expiration: must be at least 10m/],
    [{ denyMode: "drop" }, /--deny-mode: expected deny or pending/],
    [{ logFormat: "xml" }, /--log-format/],
    [{ dryRun: "maybe" }, /--dry-run: expected true or false/],
    [{ listen: "8081" }, /--listen: expected HOST:PORT/],
    [{ workers: "0" }, /--workers: expected 1..64/],
    [{ maxSans: "0" }, /--max-sans: expected a whole number of at least 1/],
    [{ maxSans: "1e3" }, /--max-sans/],
    [{ maxSans: "-1" }, /--max-sans/],
    [{ allowRebootstrap: "maybe" }, /--allow-rebootstrap: expected true or false/],
    [{ dnsPattern: ["n{1,3}\\.example("] }, /--dns-pattern: "n\{1,3\}\\\\.example\(" is not a valid regular expression/],
    [{ dnsPattern: [""] }, /--dns-pattern: an empty pattern/],
  ])("rejects %j", (raw, re) => expect(() => resolveApproverConfig(raw)).toThrow(re));
});

describe("approverManifests", () => {
  const objs = approverManifests();
  const kinds = objs.map((o) => o.kind);

  it("has a namespace, service account, RBAC and a two-replica deployment with probes", () => {
    expect(kinds).toEqual(["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service", "PodDisruptionBudget"]);
    const d = objs.find((o) => o.kind === "Deployment") as any;
    expect(d.spec.replicas).toBe(2);
    const c = d.spec.template.spec.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe("/healthz");
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    expect(c.args.slice(0, 2)).toEqual(["approver", "run"]);
  });

  it("grants only the verbs the approver uses", () => {
    const role = objs.find((o) => o.kind === "ClusterRole") as any;
    const verbs = role.rules.flatMap((r: any) => r.resources.map((res: string) => `${res}:${r.verbs.join("+")}`));
    expect(verbs.sort()).toEqual(
      ["certificatesigningrequests:get+list+watch", "certificatesigningrequests/approval:update", "signers:approve", "subjectaccessreviews:create", "nodes:get+list", "events:create"].sort(),
    );
    expect(role.rules.find((r: any) => r.resources[0] === "signers").resourceNames).toEqual([KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER]);
    expect(JSON.stringify(role)).not.toContain('"*"');
  });

  it("renders as multi-document YAML", () => {
    expect(jsYaml.loadAll(renderApproverManifests())).toEqual(objs);
  });
});
