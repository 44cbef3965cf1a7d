// k8s-pki deploy rotate-ca start|reissue|finish|status: the CA rotation steps
// of a deploy state; `deploy apply` after each step rolls them out.
import {
  checkCaRetirement,
  finishCaRotation,
  readRotation,
  reissueCaRotation,
  renewBootstrapTokens,
  startCaRotation,
  type Plan,
} from "@k8s/deploy";
import type { Command } from "commander";
import { PlainError, type CliIo } from "../io.js";
import { nodeAccess, type NodeAccessFlags } from "../node-access.js";
import { deployTarget, type DeployTarget, type TargetFlags } from "../deploy-target.js";
import { outputOption, printStructured } from "../output-format.js";

type RotateFlags = TargetFlags;

async function target(io: CliIo, o: RotateFlags): Promise<DeployTarget & { applyHint: string }> {
  const t = await deployTarget(io, o);
  const flags = [o.inventory && `--inventory ${o.inventory}`, o.local && `--local ${o.local}`, o.state && `--state ${o.state}`].filter(Boolean).join(" ");
  return { ...t, applyHint: `k8s-pki deploy apply${flags ? ` ${flags}` : ""}` };
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
        (tokens.length > 0 ? "then on each worker: remove /var/lib/kubelet/pki/kubelet-*-current.pem and restart kubelet, so it bootstraps certificates from the new CA\n" : "") +
        "then: k8s-pki deploy rotate-ca finish\n",
    );
  });
  commonFlags(
    rotate
      .command("finish")
      .description(
        "drop the old CAs: after the next apply nothing trusts them. First reads every node's certificates (as certs check --inventory does) and refuses while one is still signed only by an old CA",
      )
      .option("--ssh-user <user>", "SSH user for reading the nodes (sudo -n when not root)", "root")
      .option("--ssh-key <file>", "SSH private key (OpenSSH format)")
      .option("--ssh-port <port>", "SSH port", "22")
      .option("--known-hosts <file>", "OpenSSH known_hosts holding every node's host key (default ~/.ssh/known_hosts)")
      .option("--force", "finish without reading the nodes"),
  ).action(async (o: RotateFlags & NodeAccessFlags & { force?: boolean }) => {
    const { plan, local, stateDir, applyHint } = await target(io, o);
    if (!o.force) await refuseOldCaLeftovers(io, o, plan, local, stateDir);
    const ids = await finishCaRotation(stateDir);
    io.stdout(`${ids.join(", ")}: the old CAs are retired (their certificates kept as <id>.previous.pem, keys removed)\nnext: ${applyHint}   (every node then trusts only the new CAs)\n`);
  });
  commonFlags(rotate.command("status").description("print the step of each CA under rotation"))
    .addOption(outputOption(["text", "json", "yaml"], "text"))
    .action(async (o: RotateFlags & { output: "text" | "json" | "yaml" }) => {
      const { stateDir } = await target(io, o);
      const r = await readRotation(stateDir);
      const rows = Object.entries(r.cas);
      if (o.output !== "text") return printStructured(io, o.output, { stateDir, rotating: rows.length > 0, cas: rows.map(([id, step]) => ({ id, step })) });
      io.stdout(rows.length === 0 ? "no CA rotation under way\n" : rows.map(([id, step]) => `${id}: ${step}\n`).join(""));
    });
}

/** Throws naming the node certificates only a retiring CA signed, or the nodes it could not read. */
async function refuseOldCaLeftovers(io: CliIo, o: NodeAccessFlags, plan: Plan, local: string | undefined, stateDir: string): Promise<void> {
  const { retiring, failures, leftovers } = await checkCaRetirement({ plan, stateDir, nodes: nodeAccess(o, local), cwd: io.cwd });
  if (failures.length > 0) {
    throw new PlainError(`cannot check every node before retiring the old CA (${failures.map((f) => f.error).join("; ")}); fix access, or finish with --force`);
  }
  if (leftovers.length > 0) {
    throw new PlainError(
      `refusing to retire ${retiring.join(", ")}: still signed by it on the nodes:\n  ${leftovers.join("\n  ")}\n` +
        "apply after `rotate-ca reissue` first; a kubelet's own certificates need the kubelet to bootstrap again (remove /var/lib/kubelet/pki/kubelet-*-current.pem, restart kubelet); or finish with --force",
    );
  }
}
