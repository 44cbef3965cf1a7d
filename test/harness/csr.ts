// Test-side CSR handling: find a CSR, approve it through the /approval
// subresource (what kubectl certificate approve does), read the issued cert.
import { CertificatesV1Api, type KubeConfig, type V1CertificateSigningRequest } from "@kubernetes/client-node";
import { waitFor, type ManagedProcess } from "./process.js";

export const KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";

export interface CsrWaitOptions {
  timeoutMs?: number;
  /** Fail early, with their log tail, if these exit. */
  processes?: readonly ManagedProcess[];
}

export async function waitForCsr(
  kc: KubeConfig,
  what: string,
  match: (csr: V1CertificateSigningRequest) => boolean,
  opts: CsrWaitOptions = {},
): Promise<V1CertificateSigningRequest> {
  const api = kc.makeApiClient(CertificatesV1Api);
  return waitFor(async () => (await api.listCertificateSigningRequest()).items.find(match), {
    what,
    timeoutMs: opts.timeoutMs ?? 90_000,
    intervalMs: 250,
    processes: opts.processes,
  });
}

export async function approveCsr(kc: KubeConfig, csr: V1CertificateSigningRequest, reason = "HarnessApproved"): Promise<V1CertificateSigningRequest> {
  const name = csr.metadata?.name;
  if (!name) throw new Error("CSR has no name");
  const now = new Date();
  const body: V1CertificateSigningRequest = {
    ...csr,
    status: {
      ...csr.status,
      conditions: [
        ...(csr.status?.conditions ?? []),
        { type: "Approved", status: "True", reason, message: "approved by the integration test", lastUpdateTime: now },
      ],
    },
  };
  return kc.makeApiClient(CertificatesV1Api).replaceCertificateSigningRequestApproval({ name, body });
}

/** Resolves to the issued certificate (PEM) once the signer has written status.certificate. */
export async function waitForIssuedCertificate(kc: KubeConfig, name: string, opts: CsrWaitOptions = {}): Promise<string> {
  const api = kc.makeApiClient(CertificatesV1Api);
  const outcome = await waitFor(
    async () => {
      const csr = await api.readCertificateSigningRequest({ name });
      const refused = csr.status?.conditions?.find((c) => (c.type === "Failed" || c.type === "Denied") && c.status === "True");
      // Denied or Failed is final: report it now instead of polling until the timeout.
      if (refused) return { error: `CSR ${name} is ${refused.type}: ${refused.reason ?? ""} ${refused.message ?? ""}` };
      const cert = csr.status?.certificate;
      return cert ? { pem: Buffer.from(cert, "base64").toString("utf8") } : undefined;
    },
    { what: `certificate for CSR ${name}`, timeoutMs: opts.timeoutMs ?? 60_000, processes: opts.processes },
  );
  if ("error" in outcome) throw new Error(outcome.error);
  return outcome.pem;
}
