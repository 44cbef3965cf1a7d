// Converts the API's CertificateSigningRequest into the approver's CsrObject.
import type { V1CertificateSigningRequest } from "@kubernetes/client-node";
import type { CsrObject } from "./csr-facts.js";

export function toCsrObject(o: V1CertificateSigningRequest): CsrObject {
  const spec = o.spec;
  const created = o.metadata?.creationTimestamp;
  return {
    name: o.metadata?.name ?? "",
    signerName: spec.signerName,
    request: Buffer.from(spec.request, "base64").toString("latin1"),
    usages: spec.usages ?? [],
    username: spec.username ?? "",
    uid: spec.uid,
    groups: spec.groups ?? [],
    extra: spec.extra,
    expirationSeconds: spec.expirationSeconds,
    conditions: (o.status?.conditions ?? []).map((c) => c.type),
    issued: (o.status?.certificate?.length ?? 0) > 0,
    createdAt: created ? new Date(created) : undefined,
  };
}
