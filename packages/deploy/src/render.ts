// Render: the plan's files and units with their bytes, per node.
import { join } from "node:path";
import { buildTokenSecret, csrRbacObjects, renderRbacYaml } from "@k8s/bootstrap";
import jsYaml from "js-yaml";
import { DeployError } from "./errors.js";
import { buildPlan, findCert, type Plan, type PlannedFile, type Template } from "./plan.js";
import { buildPki, pkiItem, type BuildPkiOptions, type Pki } from "./pki-build.js";
import type { RenderedFile, RenderedNode } from "./rendered.js";
import { clusterSecrets } from "./state/secrets.js";
import type { Inventory } from "./inventory.js";
import { approverRbacYaml, approverUnit } from "./render/approver.js";
import { containerdConfig, containerdUnit } from "./render/containerd.js";
import { makeContext, type ClusterSecrets, type RenderContext } from "./render/context.js";
import { encryptionConfig } from "./render/encryption-config.js";
import { etcdUnit } from "./render/etcd.js";
import { flannelConflist, flanneldUnit, networkConfigUnit, podNetworkConfig } from "./render/flannel.js";
import { apiserverUnit } from "./render/kube-apiserver.js";
import { controllerManagerUnit } from "./render/kube-controller-manager.js";
import { kubeProxyConfig, kubeProxyUnit } from "./render/kube-proxy.js";
import { schedulerConfig, schedulerUnit } from "./render/kube-scheduler.js";
import { bootstrapKubeconfig, certKubeconfig } from "./render/kubeconfig.js";
import { kubeletConfig, kubeletUnit } from "./render/kubelet.js";
import { checkedDirs, checkService, renewalTimer, renewService } from "./render/renewal-timer.js";
import { renderUnit } from "./render/systemd.js";

export interface RenderOptions {
  pki: Pki;
  /** Base time of the bootstrap tokens' expiry. */
  now?: () => Date;
  /** Source of the encryption key and the bootstrap tokens. */
  randomBytes?: (n: number) => Uint8Array;
  /** Bootstrap token lifetime (Go-ish duration as `k8s-pki token create --ttl`); default 24h. */
  tokenTtl?: string;
  /** Reuse these secrets (encryption key, bootstrap tokens) instead of drawing new ones: a stable re-render. */
  secrets?: ClusterSecrets;
  /**
   * Local mode: every node's `/` is `<root>/<node name>` on this machine and the
   * units run as processes (ProcessServiceManager), not under systemd: flannel
   * on the alloc backend without iptables rules, a kubelet that only bootstraps
   * (no container runtime; containerd and kube-proxy are left out), no binaries
   * copied (they run from the local binaries folder), and paths inside config
   * files pointing under the node's root.
   */
  local?: { root: string };
}

/** Units local mode cannot run on a development machine (they need a container runtime, nftables, root). */
export const LOCAL_MODE_SKIPPED_UNITS: readonly string[] = [
  "containerd.service",
  "kube-proxy.service",
  // Timers need systemd; their services go with them.
  "k8s-pki-certs-check.timer",
  "k8s-pki-certs-check.service",
  "k8s-pki-certs-renew.timer",
  "k8s-pki-certs-renew.service",
];

function clusterObjectsUnit(c: RenderContext): string {
  const m = `${c.paths.conf}/manifests`;
  const files = ["csr-crb.yaml", "approver.yaml", ...(c.inv.kubeletCerts === "bootstrap" ? ["bootstrap-tokens.yaml"] : [])];
  return renderUnit({
    description: "Cluster objects: csr-crb RBAC, the CSR approver's RBAC and bootstrap tokens",
    after: ["network-online.target", "kube-apiserver.service"],
    wants: ["kube-apiserver.service"],
    service: [
      ["Type", "oneshot"],
      ["RemainAfterExit", "yes"],
    ],
    exec: {
      path: c.bin("kubectl"),
      flags: [`--kubeconfig=${c.paths.kubeconfig.admin}`, "apply", "--server-side", "--force-conflicts", ...files.map((f) => `--filename=${m}/${f}`)],
    },
    serviceAfter: [
      ["Restart", "on-failure"],
      ["RestartSec", "5"],
    ],
  });
}

function bootstrapTokensYaml(c: RenderContext, ttl: string): string {
  return [...c.secrets.tokens.entries()]
    .map(([node, token]) => jsYaml.dump(buildTokenSecret(token, { ttl, description: `kubelet bootstrap token of ${node}`, now: c.secrets.now }), { lineWidth: -1, noRefs: true }))
    .join("---\n");
}

function renderTemplate(c: RenderContext, t: Template, tokenTtl: string): string {
  const { ids } = c;
  switch (t) {
    case "etcd.service":
      return etcdUnit(c);
    case "flannel-net-conf.json":
      return podNetworkConfig(c) + "\n";
    case "flannel-network-config.service":
      return networkConfigUnit(c);
    case "flanneld.service":
      return flanneldUnit(c);
    case "10-flannel.conflist":
      return flannelConflist();
    case "containerd-config.toml":
      return containerdConfig(c);
    case "containerd.service":
      return containerdUnit(c);
    case "kube-apiserver.service":
      return apiserverUnit(c);
    case "encryption-config.yaml":
      return encryptionConfig(c);
    case "kube-controller-manager.kubeconfig":
      return certKubeconfig(c, "kube-controller-manager", findCert(c.plan, "kube-controller-manager").cn);
    case "kube-controller-manager.service":
      return controllerManagerUnit(c);
    case "kube-scheduler.kubeconfig":
      return certKubeconfig(c, "kube-scheduler", findCert(c.plan, "kube-scheduler").cn);
    case "kube-scheduler.yaml":
      return schedulerConfig(c);
    case "kube-scheduler.service":
      return schedulerUnit(c);
    case "admin.kubeconfig":
      return certKubeconfig(c, "admin", "admin");
    case "csr-crb.yaml":
      return renderRbacYaml(csrRbacObjects({ apiserverKubeletUser: findCert(c.plan, ids.apiserverKubeletClient).cn }));
    case "approver.yaml":
      return approverRbacYaml(c);
    case "bootstrap-tokens.yaml":
      return bootstrapTokensYaml(c, tokenTtl);
    case "cluster-objects.service":
      return clusterObjectsUnit(c);
    case "k8s-pki-approver.kubeconfig":
      return certKubeconfig(c, "k8s-pki-approver", findCert(c.plan, "k8s-pki-approver").cn);
    case "k8s-pki-approver.service":
      return approverUnit(c);
    case "kubelet-config.yaml":
      return kubeletConfig(c);
    case "kubelet-bootstrap.kubeconfig":
      return bootstrapKubeconfig(c);
    case "kubelet.kubeconfig":
      return certKubeconfig(c, `kubelet-${c.node.name}`, `system:node:${c.node.name}`);
    case "kubelet.service":
      return kubeletUnit(c);
    case "kube-proxy.kubeconfig":
      return certKubeconfig(c, "kube-proxy", "system:kube-proxy");
    case "kube-proxy-config.yaml":
      return kubeProxyConfig(c);
    case "kube-proxy.service":
      return kubeProxyUnit(c);
    case "k8s-pki-certs-check.service":
      return checkService(c.bin("k8s-pki"), c.inv.renewal!, checkedDirs(c.node));
    case "k8s-pki-certs-check.timer":
      return renewalTimer("k8s-pki-certs-check.service", c.inv.renewal!, "certificate expiry check");
    case "k8s-pki-certs-renew.service":
      return renewService(c.bin("k8s-pki"), c.inv.renewal!);
    case "k8s-pki-certs-renew.timer":
      return renewalTimer("k8s-pki-certs-renew.service", c.inv.renewal!, "renew and apply certificates near expiry");
  }
}

function renderFile(c: RenderContext, f: PlannedFile, tokenTtl: string): RenderedFile {
  const base = { path: f.path, mode: f.mode, owner: f.owner };
  const s = f.source;
  switch (s.kind) {
    case "cert":
    case "public-key":
      return { ...base, content: Buffer.from(c.certPem(s.id)) };
    case "signing-cert":
      return { ...base, content: Buffer.from(pkiItem(c.pki, s.id).cert) };
    case "key":
      return { ...base, content: Buffer.from(c.keyPem(s.id)) };
    case "binary":
      return { ...base, content: { localPath: join(c.inv.binDir, s.name) } };
    case "config":
      try {
        return { ...base, content: Buffer.from(renderTemplate(c, s.template, tokenTtl)) };
      } catch (e) {
        if (e instanceof DeployError) throw e;
        throw new DeployError("render-failed", `${c.node.name}: ${f.path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, field: f.path });
      }
  }
}

export { clusterSecrets } from "./state/secrets.js";

/** Every node's files (with bytes, or the local path of a binary) and units. */
export function renderCluster(plan: Plan, opts: RenderOptions): RenderedNode[] {
  const secrets = opts.secrets ?? clusterSecrets(plan, opts);
  const ttl = opts.tokenTtl ?? "24h";
  return plan.nodes.map((node) => {
    const local = opts.local === undefined ? undefined : { nodeRoot: join(opts.local.root, node.name) };
    const c = makeContext(plan, node, opts.pki, secrets, local);
    const rendered: RenderedNode = {
      name: node.name,
      address: node.address,
      roles: [...node.roles],
      files: node.files.map((f) => renderFile(c, f, ttl)),
      units: node.units.map((u) => ({ name: u.name, inputs: [...u.inputs], stage: u.stage })),
    };
    return local === undefined ? rendered : localizeNode(rendered, plan.paths.units);
  });
}

/** Local mode: no binaries to copy, no containerd or kube-proxy. */
function localizeNode(node: RenderedNode, unitDir: string): RenderedNode {
  const dropped = new Set(node.files.filter((f) => !Buffer.isBuffer(f.content)).map((f) => f.path));
  for (const u of LOCAL_MODE_SKIPPED_UNITS) dropped.add(`${unitDir}/${u}`);
  return {
    ...node,
    files: node.files.filter((f) => !dropped.has(f.path)),
    units: node.units.filter((u) => !LOCAL_MODE_SKIPPED_UNITS.includes(u.name)).map((u) => ({ ...u, inputs: u.inputs.filter((p) => !dropped.has(p)) })),
  };
}

/** Plan, PKI and render in one step. */
export async function renderInventory(inv: Inventory, opts: BuildPkiOptions & { tokenTtl?: string } = {}): Promise<{ plan: Plan; pki: Pki; nodes: RenderedNode[] }> {
  const plan = buildPlan(inv);
  const pki = await buildPki(plan, opts);
  return { plan, pki, nodes: renderCluster(plan, { pki, ...opts }) };
}

/** One line per file: mode, owner, path, and for binaries where they come from. */
export function manifestText(node: RenderedNode): string {
  const lines = node.files.map((f) => {
    const src = Buffer.isBuffer(f.content) ? `${f.content.length} bytes` : `binary from ${f.content.localPath}`;
    return `${f.mode.toString(8).padStart(4, "0")} ${f.owner ?? "root:root"} ${f.path} (${src})`;
  });
  for (const u of node.units) lines.push(`unit ${u.name} stage=${u.stage} inputs=${u.inputs.join(",")}`);
  return lines.join("\n") + "\n";
}
