import { afterAll, beforeAll, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { withTempDir } from "../harness/fixtures.js";

const tmp = withTempDir("k8s-pki-approver-infra-");
let cp: ControlPlane;

beforeAll(async () => {
  cp = await startControlPlane({ dir: tmp.path });
});
afterAll(async () => {
  await cp?.stop();
});

it("explore", async () => {
  const kc = cp.kubeConfig();
  const log = (...a: unknown[]) => console.log(new Date().toISOString(), ...a);
  const api = kc.makeApiClient(k8s.CertificatesV1Api);
  const { generateKeyAndCsr, parseCsrJson } = await import("@k8s/pki");
  const { csrPem } = await generateKeyAndCsr(parseCsrJson({ CN: "x", key: { algo: "ecdsa", size: 256 } }));
  for (let i = 0; i < 3; i++) await api.createCertificateSigningRequest({ body: { metadata: { name: `c${i}` }, spec: { request: Buffer.from(csrPem).toString("base64"), signerName: "example.com/x", usages: ["client auth"] } } });
  const list = await api.listCertificateSigningRequest({ limit: 1 });
  log("list rv", list.metadata?.resourceVersion, "continue", JSON.stringify(list.metadata?._continue), list.items[0]?.metadata?.creationTimestamp instanceof Date);
  const { execFileSync } = await import("node:child_process");
  const { binaryPath } = await import("../harness/binaries.js");
  const out = execFileSync(binaryPath("etcdctl"), [`--endpoints=${cp.etcd.url}`, `--cacert=${cp.etcd.caCertPath}`, `--cert=${cp.etcd.clientCert.certPath}`, `--key=${cp.etcd.clientCert.keyPath}`, "compact", list.metadata!.resourceVersion!], { encoding: "utf8" });
  log("compact", out);
  const w = new k8s.Watch(kc);
  for (const rv of ["1", "999999999", list.metadata!.resourceVersion!]) {
    const t0 = Date.now();
    await new Promise<void>((resolve) => {
      void w.watch("/apis/certificates.k8s.io/v1/certificatesigningrequests", { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 8 }, (type, obj) => log("rv", rv, "event", type, JSON.stringify(obj).slice(0, 300)), (err) => {
        log("rv", rv, "done after", Date.now() - t0, "err", err && Object.entries(err), String(err));
        resolve();
      }).then((c) => log("watch resolved", typeof c));
    });
  }
  // list continue with compacted token
  try {
    await api.listCertificateSigningRequest({ limit: 1, _continue: list.metadata?._continue });
    log("continue after compaction ok");
  } catch (e) { log("continue after compaction", (e as k8s.ApiException<unknown>).code, JSON.stringify((e as k8s.ApiException<unknown>).body)); }
  // lease shapes
  const co = kc.makeApiClient(k8s.CoordinationV1Api);
  const created = await co.createNamespacedLease({ namespace: "default", body: { metadata: { name: "x" }, spec: { holderIdentity: "a", renewTime: new k8s.V1MicroTime(Date.now()), leaseDurationSeconds: 3 } } });
  log("lease created renewTime", typeof created.spec?.renewTime, created.spec?.renewTime, created.metadata?.creationTimestamp instanceof Date);
  try {
    await co.createNamespacedLease({ namespace: "default", body: { metadata: { name: "y" }, spec: { renewTime: new Date() as k8s.V1MicroTime } } });
    log("plain Date accepted");
  } catch (e) { log("plain Date refused", (e as k8s.ApiException<unknown>).code, JSON.stringify((e as k8s.ApiException<unknown>).body)); }
  try {
    await co.replaceNamespacedLease({ namespace: "default", name: "x", body: { ...created, metadata: { ...created.metadata, resourceVersion: "1" } } });
  } catch (e) { log("409?", (e as k8s.ApiException<unknown>).code, typeof (e as k8s.ApiException<unknown>).body, JSON.stringify((e as k8s.ApiException<unknown>).body)); }
}, 200_000);
