// The programs a node's units run that the operator installs (RenderedNode.hostBinaries,
// e.g. HAProxy for kube-lb): apply checks them on every node before it writes
// anything, so a missing package stops it with the node and path named instead
// of a unit that fails to start halfway through the worker stage.
import { DeployError } from "./errors.js";
import type { RenderedNode } from "./rendered.js";
import { shq, type Transport } from "./transport/transport.js";

/** A shell command printing each path that is not an executable regular file, one per line. */
export function missingBinariesScript(paths: readonly string[]): string {
  const body = 'for p in "$@"; do [ -f "$p" ] && [ -x "$p" ] || echo "$p"; done';
  return `sh -c ${shq(body)} check ${paths.map(shq).join(" ")}`;
}

/** Throws DeployError("binary-missing") naming the node, the first missing path and what provides it. */
export async function checkHostBinaries(node: RenderedNode, t: Transport): Promise<void> {
  const wanted = node.hostBinaries ?? [];
  if (wanted.length === 0) return;
  const r = await t.exec(missingBinariesScript(wanted.map((b) => b.path)));
  if (r.code !== 0) {
    throw new DeployError("transport-failed", `node ${node.name}: checking for ${wanted.map((b) => b.path).join(", ")} failed (exit ${r.code}): ${r.stderr.trim()}`, {
      field: node.name,
    });
  }
  const missing = new Set(r.stdout.split("\n").filter((l) => l !== ""));
  const first = wanted.find((b) => missing.has(b.path));
  if (first !== undefined) {
    throw new DeployError("binary-missing", `node ${node.name}: ${first.path} is missing or not executable (${first.hint}); no node was changed`, {
      field: first.path,
    });
  }
}
