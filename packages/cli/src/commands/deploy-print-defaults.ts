// k8s-pki deploy print-defaults inventory|ca-config: sample files from the
// tool itself (as `kubeadm config print init-defaults`), printed as they are.
import { Argument, type Command } from "commander";
import { ANNOTATED_INVENTORY_YAML, caConfigJson } from "@k8s/deploy";
import type { CliIo } from "../io.js";

const SAMPLES: Record<string, () => string> = {
  inventory: () => ANNOTATED_INVENTORY_YAML,
  "ca-config": () => caConfigJson(),
};

export function registerDeployPrintDefaults(deploy: Command, io: CliIo): void {
  deploy
    .command("print-defaults")
    .description("print a sample file: an annotated inventory (deploy plan --inventory takes it unchanged), or a cfssl ca-config.json with the kubernetes profile")
    .addArgument(new Argument("<type>", "inventory or ca-config").choices(Object.keys(SAMPLES)))
    .addHelpText(
      "after",
      `
Examples:
  k8s-pki deploy print-defaults inventory > cluster.yaml     # edit the nodes, then: k8s-pki deploy plan --inventory cluster.yaml
  k8s-pki deploy print-defaults ca-config > ca-config.json   # k8s-pki gencert -config ca-config.json -profile kubernetes ...`,
    )
    .action((type: string) => io.stdout(SAMPLES[type]!()));
}
