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
  const list = await kc.makeApiClient(k8s.CertificatesV1Api).listCertificateSigningRequest({ limit: 1 });
  log("list rv", list.metadata?.resourceVersion, "continue", JSON.stringify(list.metadata?._continue));
  const w = new k8s.Watch(kc);
  for (const rv of ["1", "999999999"]) {
    const t0 = Date.now();
    await new Promise<void>((resolve) => {
      void w.watch("/apis/certificates.k8s.io/v1/certificatesigningrequests", { resourceVersion: rv, allowWatchBookmarks: true }, (type, obj, raw) => log("rv", rv, "event", type, JSON.stringify(obj), JSON.stringify(raw).slice(0, 50)), (err) => {
        log("rv", rv, "done after", Date.now() - t0, "err", err && Object.entries(err), String(err));
        resolve();
      }).then((c) => log("watch resolved", typeof c));
    });
  }
  // bookmarks
  const t0 = Date.now();
  let ctl: AbortController | undefined;
  await new Promise<void>((resolve) => {
    void w.watch("/apis/certificates.k8s.io/v1/certificatesigningrequests", { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 75 }, (type, obj) => {
      log("bookmark test event", type, Date.now() - t0, JSON.stringify(obj));
    }, (err) => { log("bookmark watch done", Date.now() - t0, String(err)); resolve(); }).then((c) => (ctl = c));
  });
  ctl?.abort();
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
