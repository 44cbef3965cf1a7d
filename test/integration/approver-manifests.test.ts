// `approver manifests` against the real kube-apiserver: every object passes a
// server-side dry run with strict field validation (admission, defaulting and
// the API's own validation, nothing stored), the ServiceMonitor against a
// minimal CRD of our own holding only the fields the manifest uses (with the
// Prometheus Operator's types), and the Deployment's arguments are exactly the
// policy `approver run` then enforces.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import jsYaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binaryPath } from "../harness/binaries.js";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { withTempDir } from "../harness/fixtures.js";
import { runCli } from "./cli-runner.js";

const run = promisify(execFile);
const tmp = withTempDir("k8s-pki-approver-manifests-");
let cp: ControlPlane;

/** The monitoring.coreos.com/v1 ServiceMonitor, reduced to what the manifests use; unknown fields are refused. */
const SERVICE_MONITOR_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "servicemonitors.monitoring.coreos.com" },
  spec: {
    group: "monitoring.coreos.com",
    scope: "Namespaced",
    names: { kind: "ServiceMonitor", listKind: "ServiceMonitorList", plural: "servicemonitors", singular: "servicemonitor" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            required: ["spec"],
            properties: {
              apiVersion: { type: "string" },
              kind: { type: "string" },
              metadata: { type: "object" },
              spec: {
                type: "object",
                required: ["selector", "endpoints"],
                properties: {
                  selector: { type: "object", properties: { matchLabels: { type: "object", additionalProperties: { type: "string" } } } },
                  namespaceSelector: { type: "object", properties: { any: { type: "boolean" }, matchNames: { type: "array", items: { type: "string" } } } },
                  endpoints: {
                    type: "array",
                    items: {
                      type: "object",
                      properties: {
                        port: { type: "string" },
                        path: { type: "string" },
                        scheme: { type: "string", enum: ["http", "https"] },
                        interval: { type: "string", pattern: "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$" },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};

async function kubectl(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(binaryPath("kubectl"), ["--kubeconfig", cp.adminKubeconfigPath, ...args]);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === "number" ? x.code : 1, out: `${x.stdout ?? ""}${x.stderr ?? ""}` };
  }
}

/** Server-side apply with dryRun=All and strict field validation. */
const dryRun = (file: string): Promise<{ code: number; out: string }> =>
  kubectl(["apply", "--server-side", "--dry-run=server", "--validate=strict", "--field-manager=k8s-pki-test", "-f", file]);

/** The output of a dry run that must fail. */
async function refused(file: string): Promise<string> {
  const r = await dryRun(file);
  expect(r.code, r.out).not.toBe(0);
  return r.out;
}

function writeYaml(name: string, docs: unknown[]): string {
  const file = join(tmp.path, name);
  writeFileSync(file, docs.map((d) => jsYaml.dump(d, { lineWidth: -1, noRefs: true })).join("---\n"));
  return file;
}

const POLICY_FLAGS = [
  "--signers=client,serving",
  "--dns-pattern={node}\\.nodes\\.example\\.com",
  "--dns-pattern=n{1,3}\\.example\\.com",
  "--cidr=10.20.0.0/16,192.168.95.0/24",
  "--max-sans=8",
  "--allow-rebootstrap",
  "--max-expiration=720h",
  "--deny-mode=pending",
  "--workers=3",
];

let manifests: Record<string, unknown>[];

beforeAll(async () => {
  cp = await startControlPlane({ dir: tmp.path });
  const r = await runCli(["approver", "manifests", "--namespace", "approver-test", "--service-monitor", ...POLICY_FLAGS]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  manifests = jsYaml.loadAll(r.stdout) as Record<string, unknown>[];
  // The dry run of namespaced objects needs their Namespace, and the ServiceMonitor its CRD: both created for real.
  const ns = await kubectl(["create", "namespace", "approver-test"]);
  expect(ns.code, ns.out).toBe(0);
  const crd = await kubectl(["apply", "--server-side", "-f", writeYaml("crd.yaml", [SERVICE_MONITOR_CRD])]);
  expect(crd.code, crd.out).toBe(0);
  const est = await kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/servicemonitors.monitoring.coreos.com"]);
  expect(est.code, est.out).toBe(0);
}, 120_000);

afterAll(async () => {
  await cp?.stop();
});

describe("approver manifests on the real API server", () => {
  it("passes a strict server-side dry run for every object, ServiceMonitor included", async () => {
    const kinds = manifests.map((m) => m.kind);
    expect(kinds).toEqual(["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service", "PodDisruptionBudget", "ServiceMonitor"]);
    const r = await dryRun(writeYaml("manifests.yaml", manifests));
    expect(r.code, r.out).toBe(0);
    for (const m of manifests) {
      const name = (m.metadata as { name: string }).name;
      expect(r.out).toMatch(new RegExp(`${String(m.kind).toLowerCase()}[^ ]*/${name} serverside-applied \\(server dry run\\)`));
    }
    // A dry run stores nothing.
    const get = await kubectl(["-n", "approver-test", "get", "deployment,service,poddisruptionbudget,servicemonitor", "-o", "name"]);
    expect(get.code, get.out).toBe(0);
    expect(get.out.trim()).toBe("");
  });

  it("is a real check: the same dry run refuses a broken Deployment, PodDisruptionBudget and ServiceMonitor", async () => {
    const broken = structuredClone(manifests);
    const dep = broken.find((m) => m.kind === "Deployment") as any;
    // A port name longer than 15 characters is invalid (IANA_SVC_NAME).
    dep.spec.template.spec.containers[0].ports[0].name = "metrics-port-too-long";
    expect(await refused(writeYaml("bad-deployment.yaml", [dep]))).toMatch(/Invalid value.*must be no more than 15 characters/);
    const pdb = broken.find((m) => m.kind === "PodDisruptionBudget") as any;
    pdb.spec.minAvailable = 1; // minAvailable and maxUnavailable together are refused
    expect(await refused(writeYaml("bad-pdb.yaml", [pdb]))).toMatch(/minAvailable and maxUnavailable cannot be both set|cannot be set/);
    const sm = broken.find((m) => m.kind === "ServiceMonitor") as any;
    sm.spec.endpoints[0].intervall = "30s";
    // Server-side apply words it "field not declared in schema"; a strict create "unknown field".
    expect(await refused(writeYaml("bad-sm.yaml", [sm]))).toMatch(/spec\.endpoints\[0\]\.intervall.*(field not declared in schema|unknown field)|unknown field "spec\.endpoints\[0\]\.intervall"/);
  });

  it("puts the policy flags into the Deployment, and approver run reads them back as that policy", async () => {
    const dep = manifests.find((m) => m.kind === "Deployment") as any;
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toMatch(/^k8s-pki-approver:\d+\.\d+\.\d+/);
    expect(c.imagePullPolicy).toBe("IfNotPresent");
    expect(c.args).toEqual(["approver", "run", "--lease-namespace=approver-test", "--listen=:8081", ...POLICY_FLAGS]);
    // The container's own command line, up to where it would connect: the configuration is logged first.
    const r = await runCli([...c.args, "--kubeconfig", join(tmp.path, "no-such.kubeconfig")]);
    expect(r.code).not.toBe(0);
    const config = r.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "approver configuration");
    expect(config).toMatchObject({
      signers: ["kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/kubelet-serving"],
      dnsPatterns: ["{node}\\.nodes\\.example\\.com", "n{1,3}\\.example\\.com"],
      cidrs: ["10.20.0.0/16", "192.168.95.0/24"],
      maxSans: 8,
      allowRebootstrap: true,
      maxExpirationSeconds: 720 * 3600,
      denyMode: "pending",
    });
  });

  it("refuses a bad policy value before printing anything, naming the flag", async () => {
    const r = await runCli(["approver", "manifests", "--cidr", "10.0.0.0/33"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/--cidr: "10\.0\.0\.0\/33" is not a CIDR/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
