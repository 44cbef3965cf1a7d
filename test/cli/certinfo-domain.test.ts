// certinfo -domain against a TLS server on loopback (issue #14, defect 5b):
// an IP address is dialled without SNI, as Go's crypto/tls does, so Node
// prints no DEP0123 warning; a host name is sent as SNI.
import { lookup } from "node:dns/promises";
import { createServer, type Server, type TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalSigner, genCert, initCa, parseCsrJson } from "@k8s/pki";
import { k8sPki } from "../helpers/exec.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  server = undefined;
});

async function tlsServer(host = "127.0.0.1"): Promise<{ port: number; sni: (string | false | null)[] }> {
  const ca = await initCa(parseCsrJson({ CN: "certinfo test CA", key: { algo: "ecdsa", size: 256 } }));
  const leaf = await genCert(parseCsrJson({ CN: "served", hosts: ["localhost", "127.0.0.1"], key: { algo: "ecdsa", size: 256 } }), createLocalSigner({ caCert: ca.cert, caKey: ca.key }));
  const sni: (string | false | null)[] = [];
  server = createServer({ key: leaf.key, cert: leaf.cert }, (s: TLSSocket) => {
    sni.push(s.servername);
    s.end();
  });
  await new Promise<void>((ok) => server!.listen(0, host, ok));
  return { port: (server!.address() as { port: number }).port, sni };
}

describe("k8s-pki certinfo -domain", () => {
  it("reads an IP address's certificate with no deprecation warning and no SNI", async () => {
    const { port, sni } = await tlsServer();
    const r = await k8sPki(["certinfo", "-domain", `127.0.0.1:${port}`], { cwd: process.cwd(), env: { ...process.env, NODE_OPTIONS: "" } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toMatchObject({ subject: { common_name: "served" }, sans: ["localhost", "127.0.0.1"] });
    expect(sni).toEqual([false]);
  });

  it("sends a host name as SNI", async () => {
    // Where this machine's resolver puts localhost (127.0.0.1 or ::1), so the CLI's dial lands on the server.
    const { port, sni } = await tlsServer((await lookup("localhost")).address);
    const r = await k8sPki(["certinfo", "-domain", `localhost:${port}`], { cwd: process.cwd() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(sni).toEqual(["localhost"]);
  });
});
