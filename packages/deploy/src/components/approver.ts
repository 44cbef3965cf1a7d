// The CSR approver (`k8s-pki approver run`) on every master, one leader at a
// time through its Lease, with its own client certificate's kubeconfig
// (render/approver.ts). Verified by its Lease and by no CSR left pending.
import { findCert } from "../plan-model.js";
import { approverUnit } from "../render/approver.js";
import { certKubeconfig } from "../render/kubeconfig.js";
import type { Component } from "./component.js";
import { checkLease, errorText } from "./verify-context.js";
import { APPROVER_LEASE, APPROVER_NAME, APPROVER_PORT } from "./well-known.js";

export { APPROVER_LEASE, APPROVER_NAME, APPROVER_PORT };

export const approver: Component = {
  name: APPROVER_NAME,
  stage: "bootstrap",
  roles: ["master"],
  plan(b) {
    // On every master; its Lease elects one leader.
    b.unit("k8s-pki-approver.service", [b.bin("k8s-pki"), b.config(b.paths.kubeconfig[APPROVER_NAME], "k8s-pki-approver.kubeconfig", true)]);
  },
  templates: {
    "k8s-pki-approver.service": approverUnit,
    "k8s-pki-approver.kubeconfig": (c) => certKubeconfig(c, APPROVER_NAME, findCert(c.plan, APPROVER_NAME).cn),
  },
  verify: {
    async api(v) {
      await checkLease(v, APPROVER_LEASE.name);
      try {
        const l = (await v.apiGet("/apis/certificates.k8s.io/v1/certificatesigningrequests")) as {
          items?: { metadata?: { name?: string }; spec?: { signerName?: string }; status?: { conditions?: { type?: string }[]; certificate?: string } }[];
        };
        const items = l.items ?? [];
        const state = (c: (typeof items)[number]): string => c.status?.conditions?.find((x) => x.type === "Approved" || x.type === "Denied")?.type ?? "Pending";
        const pending = items.filter((c) => state(c) === "Pending").map((c) => c.metadata?.name ?? "?");
        const approved = items.filter((c) => state(c) === "Approved" && c.status?.certificate !== undefined).length;
        v.add("CSRs approved", pending.length === 0, `${approved} approved and issued, ${pending.length} pending${pending.length ? `: ${pending.join(", ")}` : ""}, ${items.filter((c) => state(c) === "Denied").length} denied`);
      } catch (e) {
        v.add("CSRs approved", false, errorText(e));
      }
    },
  },
};
