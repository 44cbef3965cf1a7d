// What every template gets: the plan, this node, the PKI and the cluster's secrets.
import { posix } from "node:path";
import type { Inventory } from "../inventory.js";
import { pkiItem, trustPem, type Pki } from "../pki-build.js";
import { pkiLayout, type CertIds, type LayoutPaths, type PkiLayoutSpec } from "../pki-layouts.js";
import type { Plan, PlanNode } from "../plan-model.js";
import type { ClusterSecrets } from "../state/secrets.js";

export type { ClusterSecrets };

export interface RenderContext {
  plan: Plan;
  inv: Inventory;
  node: PlanNode;
  pki: Pki;
  paths: LayoutPaths;
  layout: PkiLayoutSpec;
  ids: CertIds;
  secrets: ClusterSecrets;
  /** Bootstrap token lifetime (RenderOptions.tokenTtl). */
  tokenTtl: string;
  has(role: "etcd" | "master" | "worker"): boolean;
  bin(name: string): string;
  certPem(id: string): string;
  keyPem(id: string): string;
  /** Local mode: the node's files live under `nodeRoot` on this machine (see RenderOptions.local). */
  local?: { nodeRoot: string };
  /** Where a node path is on the machine that runs the component: the node path itself, or under the local root. */
  hostPath(path: string): string;
}

export function makeContext(plan: Plan, node: PlanNode, pki: Pki, secrets: ClusterSecrets, local?: { nodeRoot: string }, tokenTtl = "24h"): RenderContext {
  const layout = pkiLayout(plan.inventory);
  return {
    ...(local === undefined ? {} : { local }),
    hostPath: (path) => (local === undefined ? path : posix.join(local.nodeRoot, path)),
    plan,
    inv: plan.inventory,
    node,
    pki,
    paths: plan.paths,
    layout,
    ids: layout.ids,
    secrets,
    tokenTtl,
    has: (r) => node.roles.includes(r),
    bin: (name) => `${plan.paths.bin}/${name}`,
    // A CA id gives what the node trusts: during a rotation both CAs.
    certPem: (id) => (pki.trust?.has(id) ? trustPem(pki, id) : pkiItem(pki, id).cert),
    keyPem: (id) => pkiItem(pki, id).key,
  };
}
