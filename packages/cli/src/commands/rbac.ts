// k8s-pki rbac: print or apply the csr-crb RBAC objects.
import { applyRbac, csrRbacObjects, loadKubeConfig, renderRbacYaml } from "@k8s/bootstrap";
import type { Command } from "commander";
import { resolvePath, type CliIo } from "../io.js";

export function registerRbac(program: Command, io: CliIo): void {
  const rbac = program.command("rbac").description("the csr-crb RBAC objects: who may request and renew node certificates");
  const userOpt = ["--apiserver-kubelet-user <name>", "user the API server authenticates as to kubelets (CN of its kubelet client certificate)", "kubernetes"] as const;
  rbac
    .command("print")
    .description("print the objects as YAML (a csr-crb.yaml)")
    .option(...userOpt)
    .action((o: { apiserverKubeletUser: string }) => io.stdout(renderRbacYaml(csrRbacObjects({ apiserverKubeletUser: o.apiserverKubeletUser }))));
  rbac
    .command("apply")
    .description("create or update the objects; reports each as created, configured or unchanged")
    .option("--kubeconfig <file>", "kubeconfig of a cluster admin (default: $KUBECONFIG, ~/.kube/config, or in-cluster)")
    .option(...userOpt)
    .action(async (o: { kubeconfig?: string; apiserverKubeletUser: string }) => {
      const kc = await loadKubeConfig(o.kubeconfig && resolvePath(io, o.kubeconfig));
      for (const r of await applyRbac(kc, csrRbacObjects({ apiserverKubeletUser: o.apiserverKubeletUser }))) {
        io.stdout(`${r.kind.toLowerCase()}.rbac.authorization.k8s.io/${r.name} ${r.outcome}\n`);
      }
    });
}
