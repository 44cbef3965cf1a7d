// kube-apiserver for Kubernetes 1.35+: no insecure port, no --kubelet-https, no klog file flags;
// bound service-account tokens with a dedicated key (classic: the CA key), encryption at rest.
import type { LayoutPaths } from "../pki-layouts.js";
import type { RenderContext } from "./context.js";
import { renderUnit } from "./systemd.js";

export const encryptionConfigPath = (paths: LayoutPaths): string => `${paths.conf}/encryption-config.yaml`;

export function apiserverFlags(c: RenderContext): string[] {
  const { paths, ids, node, inv, plan } = c;
  return [
    `--advertise-address=${node.address}`,
    `--bind-address=${node.address}`,
    `--secure-port=${inv.apiserver.port}`,
    "--allow-privileged=true",
    "--anonymous-auth=false",
    "--authorization-mode=Node,RBAC",
    "--enable-admission-plugins=NodeRestriction",
    "--enable-bootstrap-token-auth=true",
    `--client-ca-file=${paths.certPath(ids.mainCa)}`,
    `--tls-cert-file=${paths.certPath(ids.apiserver)}`,
    `--tls-private-key-file=${paths.keyPath(ids.apiserver)}`,
    `--etcd-servers=${plan.derived.etcdEndpoints.join(",")}`,
    `--etcd-cafile=${paths.certPath(ids.etcdCa)}`,
    `--etcd-certfile=${paths.certPath(ids.apiserverEtcdClient)}`,
    `--etcd-keyfile=${paths.keyPath(ids.apiserverEtcdClient)}`,
    `--kubelet-certificate-authority=${paths.certPath(ids.mainCa)}`,
    `--kubelet-client-certificate=${paths.certPath(ids.apiserverKubeletClient)}`,
    `--kubelet-client-key=${paths.keyPath(ids.apiserverKubeletClient)}`,
    "--kubelet-preferred-address-types=InternalIP,Hostname",
    `--encryption-provider-config=${encryptionConfigPath(paths)}`,
    `--service-account-issuer=${plan.derived.serviceAccountIssuer}`,
    `--service-account-key-file=${paths.certPath(ids.saKey)}`,
    `--service-account-signing-key-file=${paths.keyPath(ids.saKey)}`,
    `--service-cluster-ip-range=${inv.serviceCidr}`,
    "--service-node-port-range=30000-32767",
    // Local mode: 1.37 refuses a loopback advertise address for the `kubernetes` Service endpoints.
    `--endpoint-reconciler-type=${c.local ? "none" : "lease"}`,
    `--requestheader-client-ca-file=${paths.certPath(ids.frontCa)}`,
    `--requestheader-allowed-names=${c.plan.certs.find((x) => x.id === ids.proxyClient)?.cn ?? "front-proxy-client"}`,
    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    "--requestheader-group-headers=X-Remote-Group",
    "--requestheader-username-headers=X-Remote-User",
    `--proxy-client-cert-file=${paths.certPath(ids.proxyClient)}`,
    `--proxy-client-key-file=${paths.keyPath(ids.proxyClient)}`,
    "--enable-aggregator-routing=true",
    "--v=2",
  ];
}

export const apiserverUnit = (c: RenderContext): string =>
  renderUnit({
    description: "Kubernetes API server",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/",
    after: ["network-online.target", "etcd.service"],
    wants: ["network-online.target"],
    service: [["Type", "notify"]],
    exec: { path: c.bin("kube-apiserver"), flags: apiserverFlags(c) },
    serviceAfter: [
      ["Restart", "on-failure"],
      ["RestartSec", "5"],
      ["LimitNOFILE", "65536"],
    ],
  });
