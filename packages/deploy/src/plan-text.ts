// renderPlanText: the plan as deterministic, diffable text (what `k8s-pki deploy plan` prints).
import { describeAddons } from "./addons.js";
import { COMPONENTS } from "./components/index.js";
import { nodeApiserverUrl, planNotes, runsKubeLb, type Plan, type PlanNode, type PlannedFile } from "./plan.js";
import { defaultLoadBalancerKind, defaultLoadBalancerReason, KUBE_LB_ADDRESS, kubeLbBackends } from "./render/kube-lb.js";

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd());
}

function source(f: PlannedFile): string {
  const s = f.source;
  switch (s.kind) {
    case "cert":
      return `certificate ${s.id}`;
    case "signing-cert":
      return `CA certificate ${s.id} (alone, for signing)`;
    case "key":
      return `private key ${s.id}`;
    case "public-key":
      return `public key ${s.id}`;
    case "binary":
      return `binary ${s.name}`;
    case "local-file":
      return `copy of ${s.localPath}`;
    case "config":
      return `template ${s.template}`;
  }
}

/** The node load balancer's setting, and why: the default rule's reason, or that the inventory chose otherwise. */
function loadBalancerText(plan: Plan): string {
  const inv = plan.inventory;
  const lb = inv.loadBalancer;
  const def = defaultLoadBalancerKind(inv.nodes, inv.apiserver);
  const reason = defaultLoadBalancerReason(inv.nodes, inv.apiserver);
  const what =
    lb.kind === "haproxy"
      ? `kube-lb (HAProxy ${lb.binary}) on every worker at ${KUBE_LB_ADDRESS}:${lb.port} over ${kubeLbBackends(inv.nodes, inv.apiserver.port).length} API server(s)`
      : "none: nodes use the API server endpoint above";
  const why = lb.kind === def ? `default: ${reason}` : `loadBalancer.kind ${lb.kind}; the default would be ${def}: ${reason}`;
  return `${what} (${why})`;
}

/** kube-lb's backends and the programs the node needs from the operator. */
function nodeNotes(plan: Plan, n: PlanNode): string[] {
  const out: string[] = [];
  if (runsKubeLb(plan, n)) {
    const backends = kubeLbBackends(plan.inventory.nodes, plan.inventory.apiserver.port);
    out.push(`  kube-lb: ${nodeApiserverUrl(plan, n)} (kubelet, kube-proxy) -> ${backends.map((b) => `${b.name} ${b.endpoint}`).join(", ")}`);
  }
  const needs = COMPONENTS.filter((c) => c.roles.some((r) => n.roles.includes(r))).flatMap((c) => c.hostBinaries?.(plan, n) ?? []);
  for (const b of needs) out.push(`  needs on the node: ${b.path} (${b.hint})`);
  return out;
}

export function renderPlanText(plan: Plan): string {
  const inv = plan.inventory;
  const d = plan.derived;
  const out: string[] = [];
  out.push(`# k8s-pki deploy plan: cluster ${inv.clusterName}, ${inv.nodes.length} nodes, PKI layout ${inv.pki.layout}`);
  out.push("");
  out.push("## cluster");
  out.push(
    ...table([
      ["service CIDR", `${inv.serviceCidr} (kubernetes Service ${d.apiserverServiceIp}, DNS ${d.dnsServiceIp})`],
      ["pod CIDR", `${inv.podCidr}, /${inv.podSubnetLen} per node (flannel vxlan, etcd prefix ${d.flannelEtcdPrefix})`],
      ["DNS domain", inv.dnsDomain],
      ["API server", `${d.clusterEndpoint}${inv.apiserver.vip ? ` (VIP ${inv.apiserver.vip})` : ""}${inv.apiserver.lbName ? ` (LB ${inv.apiserver.lbName})` : ""}`],
      ["node LB", loadBalancerText(plan)],
      ["etcd", d.etcdInitialCluster],
      ["SA issuer", d.serviceAccountIssuer],
      ["keys", `${inv.pki.keyAlgo}-${inv.pki.keySize}`],
      ["lifetimes", `CA ${inv.lifetimes.ca}, leaf ${inv.lifetimes.leaf}`],
      ["kubelet certs", inv.kubeletCerts === "bootstrap" ? "TLS bootstrap (a bootstrap token per worker; serving CSRs via the approver)" : "pre-signed per worker"],
      ["encryption", `${inv.encryptionProvider} (Secrets)`],
      ["kube-proxy", inv.kubeProxyMode],
      ["add-ons", describeAddons(inv.addons, d.firstMaster)],
      ["versions", Object.entries(inv.versions).map(([k, v]) => `${k} ${v}`).join(", ")],
      ["binaries", inv.binDir],
    ]).map((l) => "  " + l),
  );
  const notes = planNotes(plan);
  if (notes.length > 0) {
    out.push("");
    out.push("## notes");
    for (const n of notes) out.push(`  - ${n}`);
  }
  out.push("");
  out.push("## certificates");
  out.push(
    ...table([
      ["NAME", "SIGNED BY", "PROFILE", "LIFETIME", "CN", "O", "SANS"],
      ...plan.certs.map((c) => [c.id, c.kind === "ca" ? "(self)" : (c.ca ?? "-"), c.profile, c.lifetime, c.cn || "-", c.o.join(",") || "-", c.sans.join(",") || "-"]),
    ]).map((l) => "  " + l),
  );
  out.push("");
  out.push("## profiles");
  const profiles = new Map<string, string>();
  for (const c of plan.certs) if (c.profile !== "none") profiles.set(c.profile, c.usages.join(", "));
  for (const [p, u] of [...profiles.entries()].sort()) out.push(`  ${p}: ${u}`);
  out.push("");
  out.push("## purposes");
  for (const c of plan.certs) out.push(`  ${c.id}: ${c.purpose}`);
  for (const n of plan.nodes) {
    out.push("");
    out.push(`## node ${n.name} ${n.address} (${n.roles.join(", ")})`);
    out.push(...nodeNotes(plan, n));
    out.push("  files:");
    out.push(...table(n.files.map((f) => [f.mode.toString(8).padStart(4, "0"), f.owner, f.path, source(f)])).map((l) => "    " + l));
    out.push("  units:");
    for (const u of n.units) {
      out.push(`    ${u.name} (stage ${u.stage})`);
      for (const i of u.inputs) out.push(`      ${i}`);
    }
  }
  return out.join("\n") + "\n";
}
