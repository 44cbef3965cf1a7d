// Issue #7 on the real harness: renew the API server's serving certificate
// in place, restart it, and a client keeps working against the new one.
import { connect } from "node:tls";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { parseCertificatePem } from "@k8s/pki";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { withTempDir } from "../harness/fixtures.js";
import { runCli } from "./cli-runner.js";

const tmp = withTempDir("k8s-pki-renew-");
let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane({ dir: tmp.path });
});
afterAll(async () => {
  await cp?.stop();
});

/** The serial of the certificate the server presents. */
function servedSerial(url: string): Promise<bigint> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.end();
      resolve(BigInt(`0x${serial}`));
    });
    s.on("error", reject);
  });
}

describe("certs renew on the real kube-apiserver", () => {
  it("renews the serving certificate; after a restart the API server serves it and a client keeps working", async () => {
    const file = join(cp.pki.dir, "kube-apiserver.pem");
    const before = parseCertificatePem(readFileSync(file));
    expect(await servedSerial(cp.url)).toBe(before.serialNumber);

    const r = await runCli(["certs", "renew", "kube-apiserver.pem", "--dir", cp.pki.dir]);
    expect(r.code, r.stderr).toBe(0);
    const after = parseCertificatePem(readFileSync(file));
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(after.sans).toEqual(before.sans);

    await cp.restartApiserver();
    expect(await servedSerial(cp.url)).toBe(after.serialNumber);
    // The admin client verifies the new serving certificate against the same CA.
    const ns = await cp.kubeConfig().makeApiClient(k8s.CoreV1Api).listNamespace();
    expect(ns.items.map((n) => n.metadata?.name)).toContain("default");
  });
});
