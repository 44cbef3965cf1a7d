// A readiness probe: one HTTPS request that says whether a restarted unit
// serves again. The components own their probes; unit-readiness.ts polls them.
import { https } from "../https-probe.js";
import type { Pki } from "../pki-build.js";
import type { CertIds } from "../pki-layouts.js";
import type { Plan } from "../plan-model.js";

/** Resolves undefined when the unit serves, else why not. */
export type Probe = () => Promise<string | undefined>;

export interface ProbeContext {
  plan: Plan;
  pki: Pki;
  ids: CertIds;
  /** Per request. */
  timeoutMs: number;
}

const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** GET `url`; serving when `ok(status, body)`. */
export function httpsProbe(
  p: ProbeContext,
  url: string,
  tls: { ca?: string; cert?: string; key?: string; insecure?: boolean },
  ok: (status: number, body: string) => boolean,
): Probe {
  return async () => {
    try {
      const r = await https(url, { ...tls, timeoutMs: p.timeoutMs });
      return ok(r.status, r.body) ? undefined : `${url}: HTTP ${r.status} ${r.body.trim().slice(0, 200)}`;
    } catch (e) {
      return `${url}: ${why(e)}`;
    }
  };
}
