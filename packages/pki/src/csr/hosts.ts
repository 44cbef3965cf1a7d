// cfssl's `hosts`: splitting a -hostname list (signer.SplitHosts) and sorting
// each entry into a SAN type the way csr.Generate and local.OverrideHosts do,
// by trying Go's parsers in cfssl's order (IP, e-mail, URI, else DNS name).
// The parsers are Go's (../go/); the order and the fallback are cfssl's.

import { parseGoMailAddress } from "../go/mail.js";
import { parseGoIp } from "../go/net.js";
import { parseGoRequestUri } from "../go/url.js";

/** What one `hosts` entry becomes in the certificate. */
export type HostSan =
  | { type: "ip"; ip: Uint8Array }
  | { type: "email"; email: string }
  | { type: "uri"; uri: string }
  | { type: "dns"; dns: string };

/**
 * Classifies one `hosts` entry in cfssl's order: IP (`ip` as from
 * {@link parseGoIp}; pass it through `ipForSan` of go/net.ts for the SAN bytes), then
 * e-mail (the bare address), then URI (re-serialised), else the DNS name verbatim.
 */
export function classifyHost(h: string): HostSan {
  const ip = parseGoIp(h);
  if (ip !== undefined) return { type: "ip", ip };
  const email = parseGoMailAddress(h);
  if (email !== undefined) return { type: "email", email };
  const uri = parseGoRequestUri(h);
  if (uri !== undefined) return { type: "uri", uri };
  return { type: "dns", dns: h };
}

/**
 * cfssl's `signer.SplitHosts`: `""` gives no hosts, anything else is split on
 * "," with no trimming and no dropping of empty entries (`"a, b"` → `["a", " b"]`).
 */
export function splitHosts(s: string): string[] {
  return s === "" ? [] : s.split(",");
}
