// The smoke test's client-node adapter against a real kube-apiserver (no
// kubelet, no controllers): the admin certificate and CA as runSmokeTest
// passes them, the workload objects accepted as they are built (the
// Deployment's anti-affinity, probe and command pass validation), a ClusterIP
// allocated from the service range, the exec and logs paths failing with the
// API's own words for a pod that is not there, the namespace deleted, and a
// wrong CA refused rather than trusted.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { requireBinaries } from "../harness/binaries.js";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { withTempDir } from "../harness/fixtures.js";
import { createUnrelatedCa } from "../harness/pki.js";
import { createSmokeKubeApi, type SmokeKubeApiOptions } from "../../packages/deploy/src/workflows/smoke-kube-api.js";
import { smokeDeployment, smokeNamespace, smokeService, SMOKE_SELECTOR } from "../../packages/deploy/src/workflows/smoke-workload.js";

const tmp = withTempDir("k8s-pki-smoke-api-");
let cp: ControlPlane;
let creds: SmokeKubeApiOptions;

beforeAll(async () => {
  requireBinaries("etcd", "kube-apiserver");
  cp = await startControlPlane({ dir: tmp.path });
  const user = cp.kubeConfig().getCurrentUser()!;
  creds = { server: cp.url, ca: cp.caPem, cert: Buffer.from(user.certData!, "base64").toString(), key: Buffer.from(user.keyData!, "base64").toString() };
});
afterAll(async () => {
  await cp?.stop();
});

describe("createSmokeKubeApi on a real API server", () => {
  const ns = "k8s-pki-smoke-it001";

  it("creates the smoke workload as built, allocates a ClusterIP, lists no pods without controllers", async () => {
    const api = await createSmokeKubeApi(creds);
    expect(await api.listNodes()).toEqual([]);
    await api.createNamespace(smokeNamespace(ns));
    await api.createDeployment(ns, smokeDeployment(ns, "docker.io/library/busybox:1.36", 3));
    const { clusterIP } = await api.createService(ns, smokeService(ns));
    expect(clusterIP).toMatch(/^10\.0\.0\.\d+$/);
    expect(await api.listPods(ns, SMOKE_SELECTOR)).toEqual([]);
    // What the API server kept is what was built: the anti-affinity and the probe survived validation and defaulting.
    const d = await cp.kubeConfig().makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: ns, name: "smoke" });
    expect(d.spec?.replicas).toBe(3);
    expect(d.spec?.template.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0]?.topologyKey).toBe("kubernetes.io/hostname");
    expect(d.spec?.template.spec?.containers[0]?.readinessProbe?.tcpSocket?.port).toBe(8080);
  });

  it("exec and logs of a pod that does not exist fail with the API's answer, not a hang", async () => {
    const api = await createSmokeKubeApi(creds);
    await expect(api.readLog(ns, "nope")).rejects.toThrow(/^logs of nope: HTTP 404: pods "nope" not found/);
    const t0 = Date.now();
    const e = await api.exec(ns, "nope", ["hostname"], 10_000).then(() => undefined, (x: Error) => x);
    // ws's ErrorEvent for the refused upgrade, turned into words.
    expect(e?.message).toBe("exec in nope: Unexpected server response: 404");
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("deletes the namespace", async () => {
    const api = await createSmokeKubeApi(creds);
    await api.deleteNamespace(ns);
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    const left = await core.readNamespace({ name: ns }).then(
      (n) => n.status?.phase,
      () => "gone",
    );
    expect(["Terminating", "gone"]).toContain(left);
  });

  it("refuses an API server whose certificate does not chain to the given CA", async () => {
    const other = await createUnrelatedCa(join(tmp.path, "other-ca"), "not-the-cluster-ca");
    const api = await createSmokeKubeApi({ ...creds, ca: other.caCert });
    await expect(api.listNodes()).rejects.toThrow(/^listing nodes: .*(certificate|self.signed|verify)/i);
  });
});
