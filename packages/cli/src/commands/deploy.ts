// k8s-pki deploy plan|render: the thin deployer's offline half (inventory -> plan -> rendered files).
import {
  buildPki,
  buildPlan,
  defaultInventory,
  loadInventory,
  renderCluster,
  renderPlanText,
  writeRendered,
  type Inventory,
} from "@k8s/deploy";
import type { Command } from "commander";
import { resolvePath, type CliIo } from "../io.js";

const inventoryOpt = ["--inventory <file>", "inventory (YAML or JSON); default: the built-in three-node cluster (192.168.95.11-13)"] as const;

async function inventoryFrom(io: CliIo, file: string | undefined): Promise<Inventory> {
  return file === undefined ? defaultInventory() : loadInventory(resolvePath(io, file));
}

export function registerDeploy(program: Command, io: CliIo): void {
  const deploy = program.command("deploy").description("deploy etcd, flannel, masters and workers from binaries");
  deploy
    .command("plan")
    .description("print every certificate, file (with mode) and unit per node; deterministic")
    .option(...inventoryOpt)
    .action(async (o: { inventory?: string }) => {
      io.stdout(renderPlanText(buildPlan(await inventoryFrom(io, o.inventory))));
    });
  deploy
    .command("render")
    .description("make the PKI and write every node's files to DIR/<node>/<path> with their modes")
    .option(...inventoryOpt)
    .requiredOption("--out <dir>", "output folder")
    .action(async (o: { inventory?: string; out: string }) => {
      const plan = buildPlan(await inventoryFrom(io, o.inventory));
      const pki = await buildPki(plan, { now: () => io.now() });
      const nodes = renderCluster(plan, { pki, now: () => io.now() });
      const out = resolvePath(io, o.out);
      const n = await writeRendered(nodes, out);
      const certs = plan.certs.length;
      io.stdout(`rendered ${nodes.length} nodes, ${certs} certificates and keys, ${n} files into ${out} (binaries listed in <node>.manifest.txt)\n`);
    });
}
