// A oneshot unit on the first master that applies manifests with kubectl and
// the admin kubeconfig (server-side apply, so applying the same objects again
// changes none of them), retried until the API server answers. The cluster
// objects (RBAC, tokens) and the add-ons (CoreDNS) each have one.
import type { RenderContext } from "./context.js";
import { renderUnit } from "./systemd.js";

/** Where the applied manifests live on the first master. */
export const manifestsDir = (conf: string): string => `${conf}/manifests`;

/** The unit applying `files` (names in {@link manifestsDir}), in order. */
export function kubectlApplyUnit(c: RenderContext, description: string, files: readonly string[]): string {
  const m = manifestsDir(c.paths.conf);
  return renderUnit({
    description,
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
