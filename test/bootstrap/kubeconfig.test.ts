import { describe, expect, it } from "vitest";
import jsYaml from "js-yaml";
import { initCa, parseCsrJson, selfSign, selfSignProfile } from "@k8s/pki";
import { buildTokenKubeconfig, parseToken, renderBootstrapKubeconfig } from "@k8s/bootstrap";

const token = parseToken("abcdef.0123456789abcdef");

describe("renderBootstrapKubeconfig", () => {
  it("embeds the CA, the server and the token", async () => {
    const ca = await initCa(parseCsrJson({ CN: "kubernetes" }));
    const doc = jsYaml.load(renderBootstrapKubeconfig(token, { server: "https://10.0.0.1:6443/", caPem: ca.cert })) as Record<string, any>;
    expect(doc.kind).toBe("Config");
    expect(doc.clusters[0].cluster.server).toBe("https://10.0.0.1:6443");
    expect(Buffer.from(doc.clusters[0].cluster["certificate-authority-data"], "base64").toString()).toBe(ca.cert);
    expect(doc.users[0].user.token).toBe(token.value);
    expect(doc["current-context"]).toBe(doc.contexts[0].name);
  });

  it("with caFile, references the CA file instead of embedding it (still checking the CA)", async () => {
    const ca = await initCa(parseCsrJson({ CN: "kubernetes" }));
    const doc = jsYaml.load(renderBootstrapKubeconfig(token, { server: "https://10.0.0.1:6443", caPem: ca.cert, caFile: "/etc/kubernetes/pki/ca.pem" })) as Record<string, any>;
    expect(doc.clusters[0].cluster["certificate-authority"]).toBe("/etc/kubernetes/pki/ca.pem");
    expect(doc.clusters[0].cluster["certificate-authority-data"]).toBeUndefined();
    expect(() => buildTokenKubeconfig(token, { server: "https://a:6443", caPem: "garbage", caFile: "/ca.pem" })).toThrow(/not a PEM certificate/);
  });

  it.each([
    ["http://10.0.0.1:6443", /must be an https/],
    ["10.0.0.1:6443", /is not a URL|must be an https/],
    ["not a url", /is not a URL/],
  ])("refuses server %s", async (server, re) => {
    const ca = await initCa(parseCsrJson({ CN: "kubernetes" }));
    expect(() => buildTokenKubeconfig(token, { server, caPem: ca.cert })).toThrow(re);
  });

  it("refuses a CA file that is not a CA certificate", async () => {
    const leaf = await selfSign(parseCsrJson({ CN: "leaf" }), selfSignProfile());
    expect(() => buildTokenKubeconfig(token, { server: "https://a:6443", caPem: leaf.cert })).toThrow(/not a CA certificate/);
    expect(() => buildTokenKubeconfig(token, { server: "https://a:6443", caPem: "garbage" })).toThrow(/not a PEM certificate/);
  });
});
