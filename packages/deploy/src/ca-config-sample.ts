// The cfssl signing configuration (ca-config.json) of the classic scripts,
// from the profiles the deployer itself signs with, so the sample and the
// plan agree; printed by `k8s-pki deploy print-defaults ca-config`.
import { defaultInventory } from "./default-inventory.js";
import type { Inventory } from "./inventory.js";
import { PROFILE_USAGES } from "./pki-layouts.js";

/**
 * ca-config.json: leaves expire after the inventory's leaf lifetime; profile
 * `kubernetes` is the classic scripts' all-purpose one (signing, key
 * encipherment, server auth, client auth), `server`, `client` and `peer` the
 * hardened layout's. cfssl and `k8s-pki gencert -config` read it as it is.
 */
export function caConfigJson(inv: Inventory = defaultInventory()): string {
  const expiry = inv.lifetimes.leaf;
  const profile = (p: "kubernetes" | "server" | "client" | "peer"): { usages: string[]; expiry: string } => ({ usages: [...PROFILE_USAGES[p]], expiry });
  const config = {
    signing: {
      default: { expiry },
      profiles: { kubernetes: profile("kubernetes"), server: profile("server"), client: profile("client"), peer: profile("peer") },
    },
  };
  return JSON.stringify(config, null, 2) + "\n";
}
