// Kubeconfigs with embedded certificates (admin, controller-manager, scheduler,
// kube-proxy, pre-signed kubelets) and the kubelet bootstrap kubeconfig (token).
// The node agents' (kubelet, kube-proxy) go through kube-lb where it runs.
import { renderBootstrapKubeconfig } from "@k8s/bootstrap";
import jsYaml from "js-yaml";
import { DeployError } from "../errors.js";
import { apiserverUrlFor, nodeApiserverUrl } from "../plan-model.js";
import type { RenderContext } from "./context.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

/** Whose kubeconfig it is: a control-plane client keeps its API server, a node agent uses the node's endpoint. */
export type KubeconfigClient = "control-plane" | "node-agent";

export function certKubeconfig(c: RenderContext, certId: string, user: string, client: KubeconfigClient = "control-plane"): string {
  const cluster = c.inv.clusterName;
  const server = client === "node-agent" ? nodeApiserverUrl(c.plan, c.node) : apiserverUrlFor(c.plan, c.node);
  return jsYaml.dump(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: cluster, cluster: { server, "certificate-authority-data": b64(c.certPem(c.ids.mainCa)) } }],
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
    server: nodeApiserverUrl(c.plan, c.node),
    caPem: c.certPem(c.ids.mainCa),
    caFile: c.hostPath(c.paths.certPath(c.ids.mainCa)),
    clusterName: c.inv.clusterName,
  });
}
