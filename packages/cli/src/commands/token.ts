// k8s-pki token: kubeadm token's generate/create/list/delete, plus a bootstrap kubeconfig.
import { readFile } from "node:fs/promises";
import {
  BootstrapError,
  buildTokenSecret,
  createToken,
  deleteToken,
  formatTokenTable,
  generateToken,
  listTokens,
  loadKubeConfig,
  parseToken,
  parseTokenId,
  renderBootstrapKubeconfig,
  tokenOutputObject,
  validateCaPem,
  validateServerUrl,
  DEFAULT_GROUPS,
  DEFAULT_TTL,
} from "@k8s/bootstrap";
import type { Command } from "commander";
import { resolvePath, type CliIo } from "../io.js";
import { outputOption } from "../output-format.js";

const list = (v: string): string[] => v.split(",").map((s) => s.trim()).filter((s) => s !== "");

async function readCa(io: CliIo, path: string): Promise<string> {
  try {
    return (await readFile(resolvePath(io, path))).toString();
  } catch (e) {
    throw new BootstrapError("ca-invalid", `--ca-file ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(e)}`, { field: "ca-file", cause: e });
  }
}

export function registerToken(program: Command, io: CliIo): void {
  const token = program.command("token").description("manage bootstrap tokens (kubeadm token)");
  const kubeconfigOpt = ["--kubeconfig <file>", "kubeconfig of a cluster admin (default: $KUBECONFIG, ~/.kube/config, or in-cluster)"] as const;

  token
    .command("generate")
    .description("print a random bootstrap token; creates nothing")
    .action(() => io.stdout(generateToken().value + "\n"));

  token
    .command("create")
    .argument("[token]", "the token to create (default: a random one)")
    .description("create a bootstrap token Secret in kube-system and print the token")
    .option(...kubeconfigOpt)
    .option("--ttl <duration>", "time until the token expires; 0 means never (Go duration, e.g. 24h)", DEFAULT_TTL)
    .option("--usages <list>", "comma-separated usages: signing, authentication", "signing,authentication")
    .option("--groups <list>", "extra groups, each system:bootstrappers:...", DEFAULT_GROUPS.join(","))
    .option("--description <text>", "a human-readable description")
    .option("--print-kubeconfig", "print a bootstrap kubeconfig for a kubelet instead of the token")
    .option("--server <url>", "API server URL for --print-kubeconfig (https://HOST:PORT)")
    .option("--ca-file <file>", "cluster CA certificate for --print-kubeconfig")
    .action(async (value: string | undefined, o: { kubeconfig?: string; ttl: string; usages: string; groups: string; description?: string; printKubeconfig?: boolean; server?: string; caFile?: string }) => {
      const t = value ? parseToken(value) : generateToken();
      const opts = { ttl: o.ttl, usages: list(o.usages), groups: list(o.groups), description: o.description };
      // Validate everything before anything is created.
      buildTokenSecret(t, opts);
      let kubeconfigOpts: { server: string; caPem: string } | undefined;
      if (o.printKubeconfig) {
        if (!o.server) throw new BootstrapError("server-invalid", "--print-kubeconfig needs --server", { field: "server" });
        if (!o.caFile) throw new BootstrapError("ca-invalid", "--print-kubeconfig needs --ca-file", { field: "ca-file" });
        kubeconfigOpts = { server: validateServerUrl(o.server), caPem: validateCaPem(await readCa(io, o.caFile)) };
      }
      const kc = await loadKubeConfig(o.kubeconfig && resolvePath(io, o.kubeconfig));
      await createToken(kc, t, opts);
      io.stdout(kubeconfigOpts ? renderBootstrapKubeconfig(t, kubeconfigOpts) : t.value + "\n");
    });

  token
    .command("list")
    .description("list bootstrap tokens")
    .option(...kubeconfigOpt)
    .addOption(outputOption(["text", "json", "yaml"], "text"))
    .action(async (o: { kubeconfig?: string; output: "text" | "json" | "yaml" }) => {
      const kc = await loadKubeConfig(o.kubeconfig && resolvePath(io, o.kubeconfig));
      const { tokens, invalid } = await listTokens(kc);
      for (const bad of invalid) io.stderr(`[token] skipping ${bad.name}: ${bad.error}\n`);
      if (o.output === "text") io.stdout(formatTokenTable(tokens));
      else if (o.output === "json") for (const t of tokens) io.stdout(JSON.stringify(tokenOutputObject(t), null, 2) + "\n");
      else {
        const yaml = (await import("js-yaml")).default;
        io.stdout(tokens.map((t) => yaml.dump(tokenOutputObject(t))).join("---\n"));
      }
    });

  token
    .command("delete")
    .argument("<token...>", "token ids or whole tokens")
    .description("delete bootstrap tokens")
    .option(...kubeconfigOpt)
    .action(async (values: string[], o: { kubeconfig?: string }) => {
      const ids = values.map(parseTokenId);
      const kc = await loadKubeConfig(o.kubeconfig && resolvePath(io, o.kubeconfig));
      for (const id of ids) {
        await deleteToken(kc, id);
        io.stdout(`bootstrap token "${id}" deleted\n`);
      }
    });
}
