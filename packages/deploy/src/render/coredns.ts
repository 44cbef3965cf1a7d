// CoreDNS as cluster objects: the DNS server behind the kubelets' clusterDNS
// address (the second IP of serviceCidr), in kube-system, labelled
// k8s-app=kube-dns as the upstream manifests and kubeadm label it, so tools
// that look for the cluster DNS by that label find it. The first master applies
// them with kubectl (components/addons.ts).
import { MANAGED_BY } from "@k8s/bootstrap";
import jsYaml from "js-yaml";
import { RESOLV_CONF, type CoreDnsSettings } from "../addons.js";
import type { RenderContext } from "./context.js";

export const COREDNS_NAMESPACE = "kube-system";
/** The ServiceAccount, ConfigMap and Deployment. */
export const COREDNS_NAME = "coredns";
/** The Service keeps kube-dns's name: pods, tools and docs resolve the cluster DNS by it. */
export const DNS_SERVICE_NAME = "kube-dns";
export const COREDNS_SELECTOR = { "k8s-app": "kube-dns" } as const;
/** Inside the CoreDNS container: where the ConfigMap is mounted and the Corefile read. */
export const COREDNS_CONFIG_DIR = "/etc/coredns";
export const COREDNS_PORTS = { dns: 53, metrics: 9153, health: 8080, ready: 8181 } as const;

const RBAC = "rbac.authorization.k8s.io";
const CLUSTER_ROLE = "system:coredns";

/** What the objects are rendered from: the inventory's settings and the plan's DNS Service address. */
export interface CoreDnsInput {
  settings: CoreDnsSettings;
  dnsDomain: string;
  clusterIp: string;
}

/**
 * The Corefile: the cluster domain and the reverse zones answered from the
 * API, everything else forwarded. `loop` stops CoreDNS when the upstream points
 * back at it (a node whose resolv.conf names a local stub resolver).
 */
export function corefile(domain: string, upstream: CoreDnsSettings["upstream"]): string {
  const to = upstream === RESOLV_CONF ? RESOLV_CONF : upstream.join(" ");
  return `.:${COREDNS_PORTS.dns} {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes ${domain} in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :${COREDNS_PORTS.metrics}
    forward . ${to} {
        max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;
}

function deployment(s: CoreDnsSettings, labels: Record<string, string>): Record<string, unknown> {
  const port = (name: string, containerPort: number, protocol: string): Record<string, unknown> => ({ name, containerPort, protocol });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: COREDNS_NAME, namespace: COREDNS_NAMESPACE, labels },
    spec: {
      replicas: s.replicas,
      // One replica down at a time, so a rollout never takes the cluster's DNS away.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      selector: { matchLabels: { ...COREDNS_SELECTOR } },
      template: {
        metadata: { labels: { ...COREDNS_SELECTOR } },
        spec: {
          priorityClassName: "system-cluster-critical",
          serviceAccountName: COREDNS_NAME,
          nodeSelector: { "kubernetes.io/os": "linux" },
          tolerations: [
            { key: "CriticalAddonsOnly", operator: "Exists" },
            { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
          ],
          // Spread over nodes when there are enough, without refusing to run when there are not.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    labelSelector: { matchExpressions: [{ key: "k8s-app", operator: "In", values: [COREDNS_SELECTOR["k8s-app"]] }] },
                    topologyKey: "kubernetes.io/hostname",
                  },
                },
              ],
            },
          },
          containers: [
            {
              name: COREDNS_NAME,
              image: s.image,
              imagePullPolicy: "IfNotPresent",
              args: ["-conf", `${COREDNS_CONFIG_DIR}/Corefile`],
              ports: [port("dns", COREDNS_PORTS.dns, "UDP"), port("dns-tcp", COREDNS_PORTS.dns, "TCP"), port("metrics", COREDNS_PORTS.metrics, "TCP")],
              resources: { requests: { cpu: "100m", memory: "70Mi" }, limits: { memory: "170Mi" } },
              volumeMounts: [{ name: "config-volume", mountPath: COREDNS_CONFIG_DIR, readOnly: true }],
              livenessProbe: {
                httpGet: { path: "/health", port: COREDNS_PORTS.health, scheme: "HTTP" },
                initialDelaySeconds: 60,
                timeoutSeconds: 5,
                successThreshold: 1,
                failureThreshold: 5,
              },
              readinessProbe: { httpGet: { path: "/ready", port: COREDNS_PORTS.ready, scheme: "HTTP" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                // Port 53 without root's other powers.
                capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
                readOnlyRootFilesystem: true,
              },
            },
          ],
          // The node's resolver, not the cluster DNS this pod is: otherwise `forward . /etc/resolv.conf` would forward to itself.
          dnsPolicy: "Default",
          volumes: [{ name: "config-volume", configMap: { name: COREDNS_NAME, items: [{ key: "Corefile", path: "Corefile" }] } }],
        },
      },
    },
  };
}

/** ServiceAccount, ClusterRole, ClusterRoleBinding, ConfigMap, Deployment and Service, in the order they can be created. */
export function coreDnsObjects(input: CoreDnsInput): Record<string, unknown>[] {
  const labels = { ...COREDNS_SELECTOR, ...MANAGED_BY };
  const ns = COREDNS_NAMESPACE;
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: COREDNS_NAME, namespace: ns, labels } },
    {
      apiVersion: `${RBAC}/v1`,
      kind: "ClusterRole",
      metadata: { name: CLUSTER_ROLE, labels },
      rules: [
        { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    },
    {
      apiVersion: `${RBAC}/v1`,
      kind: "ClusterRoleBinding",
      metadata: { name: CLUSTER_ROLE, labels },
      roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: CLUSTER_ROLE },
      subjects: [{ kind: "ServiceAccount", name: COREDNS_NAME, namespace: ns }],
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: COREDNS_NAME, namespace: ns, labels }, data: { Corefile: corefile(input.dnsDomain, input.settings.upstream) } },
    deployment(input.settings, labels),
    {
      apiVersion: "v1",
      kind: "Service",
      // cluster-service: `kubectl cluster-info` lists it.
      metadata: { name: DNS_SERVICE_NAME, namespace: ns, labels: { ...labels, "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS" } },
      spec: {
        selector: { ...COREDNS_SELECTOR },
        clusterIP: input.clusterIp,
        ports: [
          { name: "dns", port: COREDNS_PORTS.dns, targetPort: COREDNS_PORTS.dns, protocol: "UDP" },
          { name: "dns-tcp", port: COREDNS_PORTS.dns, targetPort: COREDNS_PORTS.dns, protocol: "TCP" },
          { name: "metrics", port: COREDNS_PORTS.metrics, targetPort: COREDNS_PORTS.metrics, protocol: "TCP" },
        ],
      },
    },
  ];
}

/** coredns.yaml: the objects as one multi-document YAML file for `kubectl apply`. */
export const coreDnsYaml = (c: RenderContext): string =>
  coreDnsObjects({ settings: c.inv.addons.coredns, dnsDomain: c.inv.dnsDomain, clusterIp: c.plan.derived.dnsServiceIp })
    .map((o) => jsYaml.dump(o, { lineWidth: -1, noRefs: true }))
    .join("---\n");
