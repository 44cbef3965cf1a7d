// The PKI layouts (pki-layouts.ts) against what TLS clients accept: no leaf
// may carry its CA's subject (OpenSSL, so Node's TLS and the approver, takes
// such a leaf for self-issued and refuses it as "self-signed certificate"),
// and the API server's certificate of each layout passes a real Node TLS
// handshake against the CA a node trusts.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { describe, expect, it } from "vitest";
import { buildPlan, validateInventory } from "@k8s/deploy";
import { pkiLayout } from "../../packages/deploy/src/pki-layouts.js";
import { buildPki, pkiItem } from "../../packages/deploy/src/pki-build.js";

const inventory = (layout: "classic" | "hardened") =>
  validateInventory({
    nodes: [
      { name: "m1", address: "10.0.0.11", roles: ["etcd", "master", "worker"] },
      { name: "w1", address: "10.0.1.1", roles: ["worker"] },
    ],
    pki: { layout },
  });

const subject = (cn: string, o: readonly string[]): string => JSON.stringify([cn, [...o].sort()]);

describe.each(["classic", "hardened"] as const)("the %s layout", (layout) => {
  it("no certificate has the subject (CN and O) of the CA that signs it", () => {
    const plan = buildPlan(inventory(layout));
    const byId = new Map(plan.certs.map((c) => [c.id, c]));
    const leaves = plan.certs.filter((c) => c.kind === "cert");
    expect(leaves.length).toBeGreaterThan(5);
    for (const c of leaves) {
      const ca = byId.get(c.ca!)!;
      expect(subject(c.cn, c.o), `${c.id} vs its CA ${ca.id}`).not.toBe(subject(ca.cn, ca.o));
    }
  });

  it("Node's TLS client accepts the API server's certificate with the main CA as its only trust", async () => {
    const plan = buildPlan(inventory(layout));
    const pki = await buildPki(plan);
    const ids = pkiLayout(plan.inventory).ids;
    const served = pkiItem(pki, ids.apiserver);
    const server = tls.createServer({ cert: served.cert, key: served.key }, (s) => s.end("ok"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as AddressInfo;
      const reply = await new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port, ca: pkiItem(pki, ids.mainCa).cert, servername: "kubernetes.default.svc" }, () => undefined);
        let data = "";
        s.on("data", (d: Buffer) => (data += d.toString()));
        s.on("end", () => resolve(data));
        s.on("error", reject);
      });
      expect(reply).toBe("ok");
    } finally {
      server.close();
    }
  });
});
