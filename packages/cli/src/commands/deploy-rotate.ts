// k8s-pki deploy rotate-ca start|reissue|finish|status: the CA rotation steps
// of a deploy state; `deploy apply` after each step rolls them out.
import { join } from "node:path";
import {
  buildPlan,
  defaultInventory,
  finishCaRotation,
  loadInventory,
  localInventory,
  readRotation,
  reissueCaRotation,
  renewBootstrapTokens,
  startCaRotation,
  type Plan,
} from "@k8s/deploy";
import type { Command } from "commander";
import { resolvePath, type CliIo } from "../io.js";

interface RotateFlags {
  inventory?: string;
  local?: string;
  state?: string;
}

async function target(io: CliIo, o: RotateFlags): Promise<{ plan: Plan; stateDir: string; applyHint: string }> {
  const base = o.inventory === undefined ? defaultInventory() : await loadInventory(resolvePath(io, o.inventory));
  const local = o.local === undefined ? undefined : resolvePath(io, o.local);
  const plan = buildPlan(local ? localInventory(base) : base);
  const stateDir = o.state !== undefined ? resolvePath(io, o.state) : local !== undefined ? join(local, "state") : resolvePath(io, "deploy-state");
  const flags = [o.inventory && `--inventory ${o.inventory}`, o.local && `--local ${o.local}`, o.state && `--state ${o.state}`].filter(Boolean).join(" ");
  return { plan, stateDir, applyHint: `k8s-pki deploy apply${flags ? ` ${flags}` : ""}` };
}

const commonFlags = (c: Command): Command =>
  c
    .option("--inventory <file>", "inventory (YAML or JSON); default: the built-in three-node cluster")
    .option("--local <dir>", "local mode (as apply --local)")
    .option("--state <dir>", "the deploy state (default: <local dir>/state, else ./deploy-state)");

export function registerRotateCa(deploy: Command, io: CliIo): void {
  const rotate = deploy
    .command("rotate-ca")
    .description("rotate the cluster's CAs in three steps, each followed by `deploy apply`: start, reissue, finish (see the README)");
  commonFlags(
    rotate
      .command("start")
      .description("make a new CA beside each current one; after apply every node trusts both, and nothing is re-issued yet")
      .option("--ca <ids>", "comma-separated CA ids to rotate (default: every CA of the plan, e.g. kubernetes-ca,etcd-ca,front-proxy-ca)"),
  ).action(async (o: RotateFlags & { ca?: string }) => {
    const { plan, stateDir, applyHint } = await target(io, o);
    const cas = o.ca?.split(",").map((s) => s.trim()).filter((s) => s !== "");
    const ids = await startCaRotation(plan, stateDir, { ...(cas ? { cas } : {}), now: () => io.now() });
    io.stdout(`new CAs made for ${ids.join(", ")} in ${stateDir}; the old ones still sign\nnext: ${applyHint}   (every node then trusts old and new), then: k8s-pki deploy rotate-ca reissue\n`);
  });
  commonFlags(
    rotate
      .command("reissue")
      .description("the new CAs sign: the next apply re-issues every leaf and kubeconfig from them; bootstrap tokens are renewed so kubelets can bootstrap again"),
  ).action(async (o: RotateFlags) => {
    const { plan, stateDir, applyHint } = await target(io, o);
    const ids = await reissueCaRotation(stateDir);
    const tokens = plan.inventory.kubeletCerts === "bootstrap" ? await renewBootstrapTokens(plan, stateDir, { now: () => io.now() }) : [];
    io.stdout(
      `${ids.join(", ")} now sign${tokens.length > 0 ? `; new bootstrap tokens for ${tokens.join(", ")}` : ""}\n` +
        `next: ${applyHint}   (re-issues every leaf, restarts the components)\n` +
        (tokens.length > 0 ? "then on each worker: remove /var/lib/kubelet/pki/kubelet-client-current.pem and restart kubelet, so it bootstraps a certificate from the new CA\n" : "") +
        "then: k8s-pki deploy rotate-ca finish\n",
    );
  });
  commonFlags(rotate.command("finish").description("drop the old CAs: after the next apply nothing trusts them")).action(async (o: RotateFlags) => {
    const { stateDir, applyHint } = await target(io, o);
    const ids = await finishCaRotation(stateDir);
    io.stdout(`${ids.join(", ")}: the old CAs are retired (their certificates kept as <id>.previous.pem, keys removed)\nnext: ${applyHint}   (every node then trusts only the new CAs)\n`);
  });
  commonFlags(rotate.command("status").description("print the step of each CA under rotation")).action(async (o: RotateFlags) => {
    const { stateDir } = await target(io, o);
    const r = await readRotation(stateDir);
    const rows = Object.entries(r.cas);
    io.stdout(rows.length === 0 ? "no CA rotation under way\n" : rows.map(([id, step]) => `${id}: ${step}\n`).join(""));
  });
}
