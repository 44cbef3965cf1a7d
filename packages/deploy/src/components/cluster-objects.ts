// The cluster objects, applied once by a oneshot unit on the first master
// with kubectl and the admin kubeconfig: the csr-crb RBAC (kubelet CSRs and
// the API server's kubelet client), the CSR approver's RBAC, and the kubelet
// bootstrap tokens when kubelets bootstrap.
import { buildTokenSecret, csrRbacObjects, renderRbacYaml } from "@k8s/bootstrap";
import jsYaml from "js-yaml";
import { findCert } from "../plan-model.js";
import { approverRbacYaml } from "../render/approver.js";
import type { RenderContext } from "../render/context.js";
import { kubectlApplyUnit, manifestsDir } from "../render/kubectl-apply-unit.js";
import type { Component } from "./component.js";


const clusterObjectsUnit = (c: RenderContext): string =>
  kubectlApplyUnit(c, "Cluster objects: csr-crb RBAC, the CSR approver's RBAC and bootstrap tokens", [
    "csr-crb.yaml",
    "approver.yaml",
    ...(c.inv.kubeletCerts === "bootstrap" ? ["bootstrap-tokens.yaml"] : []),
  ]);

function bootstrapTokensYaml(c: RenderContext): string {
  return [...c.secrets.tokens.entries()]
    .map(([node, token]) => jsYaml.dump(buildTokenSecret(token, { ttl: c.tokenTtl, description: `kubelet bootstrap token of ${node}`, now: c.secrets.issued.get(node) ?? c.secrets.now }), { lineWidth: -1, noRefs: true }))
    .join("---\n");
}

export const clusterObjects: Component = {
  name: "cluster-objects",
  stage: "bootstrap",
  roles: ["master"],
  plan(b) {
    if (b.node.name !== b.derived.firstMaster) return;
    const m = manifestsDir(b.paths.conf);
    b.unit("cluster-objects.service", [
      b.bin("kubectl"),
      b.config(b.paths.kubeconfig.admin, "admin.kubeconfig", true),
      b.config(`${m}/csr-crb.yaml`, "csr-crb.yaml"),
      b.config(`${m}/approver.yaml`, "approver.yaml"),
      ...(b.inv.kubeletCerts === "bootstrap" ? [b.config(`${m}/bootstrap-tokens.yaml`, "bootstrap-tokens.yaml", true)] : []),
    ]);
  },
  templates: {
    "cluster-objects.service": clusterObjectsUnit,
    "csr-crb.yaml": (c) => renderRbacYaml(csrRbacObjects({ apiserverKubeletUser: findCert(c.plan, c.ids.apiserverKubeletClient).cn })),
    "approver.yaml": approverRbacYaml,
    "bootstrap-tokens.yaml": bootstrapTokensYaml,
  },
};
