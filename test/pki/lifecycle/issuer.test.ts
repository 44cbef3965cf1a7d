// Issuer by signature (issue #14, defect 2): a leaf with its CA's very
// subject, as cfssl's own `kubernetes` layout makes, is neither self-signed
// nor unplaced; a CA of the same name with another key did not sign it.
import { describe, expect, it } from "vitest";
import { createLocalSigner, expiryReport, findIssuer, genCert, initCa, isSignedBy, parseCertificatePem, parseCsrJson, renewCertificate, parsePrivateKeyPem, type FoundCertificate } from "@k8s/pki";
import { isSelfSigned } from "../../../packages/pki/src/lifecycle/issuer.js";

const subject = { CN: "kubernetes", names: [{ C: "CN", ST: "BeiJing", L: "BeiJing", O: "k8s", OU: "System" }] };

async function sameNameLayout() {
  const ca = await initCa(parseCsrJson({ ...subject, key: { algo: "ecdsa", size: 256 } }));
  // A second CA with the same subject and another key: names alone cannot tell the two apart.
  const impostor = await initCa(parseCsrJson({ ...subject, key: { algo: "ecdsa", size: 256 } }));
  const signer = createLocalSigner({ caCert: ca.cert, caKey: ca.key });
  const leaf = await genCert(parseCsrJson({ ...subject, hosts: ["kubernetes", "10.254.0.1"], key: { algo: "ecdsa", size: 256 } }), signer);
  return { ca, impostor, leaf, caCert: parseCertificatePem(ca.cert), impostorCert: parseCertificatePem(impostor.cert), leafCert: parseCertificatePem(leaf.cert) };
}

const found = (name: string, pem: string): FoundCertificate => ({ name, path: `/x/${name}`, kind: "file", certificate: parseCertificatePem(pem) });

describe("isSelfSigned", () => {
  it("is true for a CA and false for a leaf whose issuer name equals its subject", async () => {
    const { caCert, leafCert } = await sameNameLayout();
    expect(leafCert.issuer.raw.equals(leafCert.subject.raw)).toBe(true);
    expect(isSelfSigned(caCert)).toBe(true);
    expect(isSelfSigned(leafCert)).toBe(false);
  });
});

describe("findIssuer", () => {
  it("picks the CA whose key verifies the signature, not another CA of the same name", async () => {
    const { caCert, impostorCert, leafCert } = await sameNameLayout();
    expect(isSignedBy(leafCert, caCert)).toBe(true);
    expect(isSignedBy(leafCert, impostorCert)).toBe(false);
    // The impostor comes first and has the right name: it must still lose.
    expect(findIssuer(leafCert, [impostorCert, caCert], (c) => c)).toBe(caCert);
    expect(findIssuer(leafCert, [impostorCert], (c) => c)).toBeUndefined();
    // A certificate is never its own issuer here.
    expect(findIssuer(caCert, [caCert], (c) => c)).toBeUndefined();
  });
});

describe("expiryReport", () => {
  it("reports the leaf as signed by its CA and the CAs as self-signed", async () => {
    const { ca, impostor, leaf } = await sameNameLayout();
    const rows = expiryReport([found("impostor.pem", impostor.cert), found("ca.pem", ca.cert), found("kubernetes.pem", leaf.cert)], new Date(), 0);
    const by = new Map(rows.map((r) => [r.name, r.signingCa]));
    expect(Object.fromEntries(by)).toEqual({ "ca.pem": "self", "impostor.pem": "self", "kubernetes.pem": "ca.pem" });
  });
});

describe("renewCertificate", () => {
  it("renews from the CA that signed it and refuses a same-name CA with another key", async () => {
    const { ca, impostor, leaf, caCert, leafCert } = await sameNameLayout();
    const key = parsePrivateKeyPem(leaf.key);
    await expect(renewCertificate(leafCert, { caCert: impostor.cert, caKey: impostor.key, key })).rejects.toMatchObject({ code: "certificate-verify-failed", field: "ca" });
    const renewed = parseCertificatePem((await renewCertificate(leafCert, { caCert: ca.cert, caKey: ca.key, key })).cert);
    expect(isSignedBy(renewed, caCert)).toBe(true);
    expect(renewed.subject.raw.equals(leafCert.subject.raw)).toBe(true);
  });
});
