// Cluster add-ons (inventory `addons`, addons.ts): workloads the cluster runs
// for itself, CoreDNS for now, applied by their own oneshot unit on the first
// master with `kubectl apply --server-side`, as cluster-objects.service applies
// the RBAC. A unit apart from that one, so that the objects nodes need to join
// (RBAC, tokens) never wait on an add-on's manifest, a change to an add-on
// re-runs only this apply, and turning every add-on off leaves no unit behind.
import { RESOLV_CONF } from "../addons.js";
import { COREDNS_CONFIG_DIR, COREDNS_NAME, COREDNS_NAMESPACE, coreDnsYaml, DNS_SERVICE_NAME } from "../render/coredns.js";
import type { RenderContext } from "../render/context.js";
import { kubectlApplyUnit, manifestsDir } from "../render/kubectl-apply-unit.js";
import type { Component } from "./component.js";
import { errorText, type VerifyContext } from "./verify-context.js";

export const ADDONS_UNIT = "cluster-addons.service";
export const COREDNS_CHECK = "CoreDNS available";

/** The manifest files the unit applies, in order. */
export const addonFiles = (inv: { addons: { coredns: { enabled: boolean } } }): string[] => (inv.addons.coredns.enabled ? ["coredns.yaml"] : []);

const addonsUnit = (c: RenderContext): string => kubectlApplyUnit(c, "Cluster add-ons: CoreDNS", addonFiles(c.inv));

/** What the API server returned for the kube-dns Service and the coredns Deployment (the fields the check reads). */
export interface CoreDnsObjects {
  service: { spec?: { clusterIP?: string } };
  deployment: { spec?: { replicas?: number }; status?: { availableReplicas?: number } };
}

/**
 * "CoreDNS available", decided from the objects: the Service at the kubelets'
 * clusterDNS address and at least one replica available. `local`: no
 * container runtime runs pods, so only the objects' existence and the
 * Service's address count, and the detail says so.
 */
export function judgeCoreDns(o: CoreDnsObjects, dnsServiceIp: string, local: boolean): { ok: boolean; detail: string } {
  const ip = o.service.spec?.clusterIP ?? "none";
  const ipOk = ip === dnsServiceIp;
  const service = `Service ${DNS_SERVICE_NAME} at ${ip}${ipOk ? "" : ` (clusterDNS is ${dnsServiceIp})`}`;
  if (local) return { ok: ipOk, detail: `${service}; Deployment ${COREDNS_NAME} exists; local mode: pods are not checked (no container runtime)` };
  const available = o.deployment.status?.availableReplicas ?? 0;
  return { ok: ipOk && available >= 1, detail: `${service}; Deployment ${COREDNS_NAME} ${available}/${o.deployment.spec?.replicas ?? "?"} available` };
}

// verify knows it runs against local mode by `requireNodes: false` (as the kubelet's "nodes listed" does).
async function checkCoreDns(v: VerifyContext): Promise<void> {
  try {
    const service = (await v.apiGet(`/api/v1/namespaces/${COREDNS_NAMESPACE}/services/${DNS_SERVICE_NAME}`)) as CoreDnsObjects["service"];
    const deployment = (await v.apiGet(`/apis/apps/v1/namespaces/${COREDNS_NAMESPACE}/deployments/${COREDNS_NAME}`)) as CoreDnsObjects["deployment"];
    const r = judgeCoreDns({ service, deployment }, v.plan.derived.dnsServiceIp, v.opts.requireNodes === false);
    v.add(COREDNS_CHECK, r.ok, r.detail);
  } catch (e) {
    v.add(COREDNS_CHECK, false, errorText(e));
  }
}

export const addons: Component = {
  name: "addons",
  stage: "bootstrap",
  roles: ["master"],
  plan(b) {
    const files = addonFiles(b.inv);
    if (b.node.name !== b.derived.firstMaster || files.length === 0) return;
    const m = manifestsDir(b.paths.conf);
    b.unit(ADDONS_UNIT, [b.bin("kubectl"), b.config(b.paths.kubeconfig.admin, "admin.kubeconfig", true), b.config(`${m}/coredns.yaml`, "coredns.yaml")]);
  },
  templates: {
    [ADDONS_UNIT]: addonsUnit,
    "coredns.yaml": coreDnsYaml,
  },
  verify: {
    async api(v) {
      if (v.inv.addons.coredns.enabled) await checkCoreDns(v);
    },
  },
  // The paths in coredns.yaml are inside the CoreDNS container (its ConfigMap mount, the
  // resolv.conf the kubelet gives a dnsPolicy: Default pod), not files the plan ships.
  runtimePaths: (plan, node) =>
    node.name === plan.derived.firstMaster && plan.inventory.addons.coredns.enabled ? [COREDNS_CONFIG_DIR, ...(plan.inventory.addons.coredns.upstream === RESOLV_CONF ? [RESOLV_CONF] : [])] : [],
};
