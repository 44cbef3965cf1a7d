// renderToFolder: `deploy render` as one call. Every node's files, with
// their modes, under <out>/<node>/<path>, from a kept state (its CAs reused,
// as apply does) or from a new PKI made for this render alone.
import { readdir } from "node:fs/promises";
import { DeployError } from "../errors.js";
import { buildPki, type Pki } from "../pki-build.js";
import type { Plan } from "../plan.js";
import type { ClusterSecrets } from "../render/context.js";
import { renderCluster } from "../render.js";
import { loadOrCreateState } from "../state.js";
import { writeRendered } from "../write-rendered.js";
import type { StateEvent } from "./apply-cluster.js";

export interface RenderToFolderOptions {
  plan: Plan;
  /** Output folder (absolute); without `stateDir` it must be new or empty. */
  out: string;
  /** Keep the PKI and secrets here and reuse them (absolute). */
  stateDir?: string;
  /** Clock of the certificates and tokens made. */
  now?: () => Date;
  /** Randomness of the keys, serials and secrets made; default Node's CSPRNG. */
  randomBytes?: (n: number) => Uint8Array;
  /** The state is ready (only with `stateDir`); before anything is rendered. */
  onEvent?(e: StateEvent): void;
}

export interface RenderToFolderResult {
  out: string;
  nodes: number;
  /** Certificates (and keys) in the plan. */
  certs: number;
  /** Files written. */
  files: number;
}

/**
 * Renders the cluster into `out`. Without a state every render makes new
 * CAs, so a non-empty `out` (which may hold an earlier render's CA keys) is
 * refused with DeployError("render-failed", field "out").
 */
export async function renderToFolder(o: RenderToFolderOptions): Promise<RenderToFolderResult> {
  const { plan, out } = o;
  // Only what was given: the library's own defaults otherwise, as deploy render always had.
  const entropy = { ...(o.now ? { now: o.now } : {}), ...(o.randomBytes ? { randomBytes: o.randomBytes } : {}) };
  let pki: Pki;
  let secrets: ClusterSecrets | undefined;
  if (o.stateDir !== undefined) {
    const st = await loadOrCreateState(plan, o.stateDir, entropy);
    ({ pki, secrets } = st);
    o.onEvent?.({ kind: "state", stateDir: o.stateDir, created: st.created, issued: st.issued, wouldWrite: st.wouldWrite, dryRun: false });
  } else {
    // Without a state every render makes new CAs: never put them over CA keys an earlier render left there.
    const present = await readdir(out).catch(() => [] as string[]);
    if (present.length > 0) {
      throw new DeployError("render-failed", `${out} is not empty: a render without --state makes new CAs and would replace the CA keys there; pass --state DIR to keep the PKI, or choose a new folder`, {
        field: "out",
      });
    }
    pki = await buildPki(plan, entropy);
  }
  const nodes = renderCluster(plan, { pki, ...(secrets ? { secrets } : {}), ...entropy });
  const files = await writeRendered(nodes, out);
  return { out, nodes: nodes.length, certs: plan.certs.length, files };
}
