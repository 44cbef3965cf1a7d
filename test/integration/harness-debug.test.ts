import { join } from "node:path";
import { afterAll, beforeAll, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { withTempDir } from "../harness/fixtures.js";
import { httpsRequest } from "../harness/https-request.js";
import { createUnrelatedCa } from "../harness/pki.js";
const tmp = withTempDir();
let cp: ControlPlane;
beforeAll(async () => { cp = await startControlPlane({ dir: tmp.path }); });
afterAll(async () => { tmp.keep(); await cp?.stop(); });
it("debug", async () => {
  const other = await createUnrelatedCa(join(tmp.path, "o"));
  const f = await other.mintClientCert("x");
  for (const creds of [{ ca: cp.caPem }, { ca: cp.caPem, ...f }]) {
    try { const r = await httpsRequest(`${cp.etcd.url}/health`, creds); console.log("etcd", r.status, r.body); } catch (e) { console.log("etcd err", (e as NodeJS.ErrnoException).code, (e as Error).message); }
  }
  const g = await other.mintClientCert("alice", ["system:masters"]);
  const r = await httpsRequest(`${cp.url}/api/v1/namespaces`, { ca: cp.caPem, ...g }); console.log("api", r.status, r.body);
  const r2 = await httpsRequest(`${cp.url}/api/v1/namespaces`, { ca: cp.caPem }); console.log("anon", r2.status, r2.body.slice(0,200));
});
