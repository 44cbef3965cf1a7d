// Kubeconfigs with embedded certificates (admin, controller-manager, scheduler,
// kube-proxy, pre-signed kubelets) and the kubelet bootstrap kubeconfig (token).
import { renderBootstrapKubeconfig } from "@k8s/bootstrap";
import jsYaml from "js-yaml";
import { DeployError } from "../errors.js";
import { apiserverUrlFor } from "../plan-model.js";
import type { RenderContext } from "./context.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

export function certKubeconfig(c: RenderContext, certId: string, user: string): string {
  const cluster = c.inv.clusterName;
  return jsYaml.dump(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: cluster, cluster: { server: apiserverUrlFor(c.plan, c.node), "certificate-authority-data": b64(c.certPem(c.ids.mainCa)) } }],
      users: [{ name: user, user: { "client-certificate-data": b64(c.certPem(certId)), "client-key-data": b64(c.keyPem(certId)) } }],
      contexts: [{ name: "default", context: { cluster, user } }],
      "current-context": "default",
      preferences: {},
    },
    { lineWidth: -1, noRefs: true },
  );
}

export function bootstrapKubeconfig(c: RenderContext): string {
  const token = c.secrets.tokens.get(c.node.name);
  if (!token) throw new DeployError("render-failed", `no bootstrap token for ${c.node.name}`, { field: c.node.name });
  // The CA file, not its bytes: the kubelet carries the reference into the kubeconfig it writes,
  // so it follows the CA bundle through a rotation instead of trusting the old CA for good.
  return renderBootstrapKubeconfig(token, {
    server: apiserverUrlFor(c.plan, c.node),
    caPem: c.certPem(c.ids.mainCa),
    caFile: c.hostPath(c.paths.certPath(c.ids.mainCa)),
    clusterName: c.inv.clusterName,
  });
}
