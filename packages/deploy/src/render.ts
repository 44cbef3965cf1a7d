// Render: the plan's files and units with their bytes, per node; each
// config file by the template of the component that declared it (components/).
import { join } from "node:path";
import { COMPONENTS } from "./components/index.js";
import { DeployError } from "./errors.js";
import { buildPlan, type Plan, type PlanNode, type PlannedFile, type Template } from "./plan.js";
import { buildPki, pkiItem, type BuildPkiOptions, type Pki } from "./pki-build.js";
import type { HostBinary, RenderedFile, RenderedNode } from "./rendered.js";
import { clusterSecrets } from "./state/secrets.js";
import type { Inventory } from "./inventory.js";
import { makeContext, type ClusterSecrets, type RenderContext } from "./render/context.js";

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

/** Units local mode cannot run on a development machine: those of the components it skips (they need a container runtime, nftables, root, systemd). */
export const LOCAL_MODE_SKIPPED_UNITS: readonly string[] = COMPONENTS.filter((c) => c.skippedInLocalMode).flatMap((c) =>
  Object.keys(c.templates).filter((t) => t.endsWith(".service") || t.endsWith(".timer")),
);

type TemplateFn = (c: RenderContext, path: string) => string;

/** Every component's templates, by name. */
const TEMPLATES: ReadonlyMap<Template, TemplateFn> = new Map(COMPONENTS.flatMap((comp) => Object.entries(comp.templates) as [Template, TemplateFn][]));

/** `path`: the file being rendered, for a template that renders several (one hosts.toml per registry). */
function renderTemplate(c: RenderContext, t: Template, path: string): string {
  const render = TEMPLATES.get(t);
  if (render === undefined) throw new DeployError("render-failed", `no component renders ${t}`, { field: t });
  return render(c, path);
}

function renderFile(c: RenderContext, f: PlannedFile): RenderedFile {
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
    case "local-file":
      return { ...base, content: { localPath: s.localPath } };
    case "config":
      try {
        return { ...base, content: Buffer.from(renderTemplate(c, s.template, f.path)) };
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
    const c = makeContext(plan, node, opts.pki, secrets, local, ttl);
    const rendered: RenderedNode = {
      name: node.name,
      address: node.address,
      roles: [...node.roles],
      files: node.files.map((f) => renderFile(c, f)),
      units: node.units.map((u) => ({ name: u.name, inputs: [...u.inputs], stage: u.stage })),
    };
    const hostBinaries = hostBinariesOf(plan, node, local !== undefined);
    if (hostBinaries.length > 0) rendered.hostBinaries = hostBinaries;
    return local === undefined ? rendered : localizeNode(rendered, plan.paths.units);
  });
}

/** The programs the node's components need from the operator (local mode leaves out the components it skips). */
function hostBinariesOf(plan: Plan, node: PlanNode, local: boolean): HostBinary[] {
  return COMPONENTS.filter((c) => c.roles.some((r) => node.roles.includes(r)) && !(local && c.skippedInLocalMode)).flatMap((c) => c.hostBinaries?.(plan, node) ?? []);
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

/** One line per file: mode, owner, path, and for binaries (and image archives) where they come from. */
export function manifestText(node: RenderedNode): string {
  const lines = node.files.map((f) => {
    const src = Buffer.isBuffer(f.content) ? `${f.content.length} bytes` : `binary from ${f.content.localPath}`;
    return `${f.mode.toString(8).padStart(4, "0")} ${f.owner ?? "root:root"} ${f.path} (${src})`;
  });
  for (const u of node.units) lines.push(`unit ${u.name} stage=${u.stage} inputs=${u.inputs.join(",")}`);
  return lines.join("\n") + "\n";
}
