// k8s-pki approver: run the CSR auto-approver, or print the manifests to run it in-cluster.
import { Approver, createLogger, loadKubeConfig, renderApproverManifests, resolveApproverConfig, type RawApproverOptions } from "@k8s/bootstrap";
import { Option, type Command } from "commander";
import { resolvePath, type CliIo } from "../io.js";

const ENV = "K8S_PKI_APPROVER_";
const collect = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(",").map((s) => s.trim()).filter((s) => s !== "")];
const opt = (flags: string, desc: string, env: string): Option => new Option(flags, desc).env(ENV + env);

export function registerApprover(program: Command, io: CliIo): void {
  const approver = program.command("approver").description("the CSR auto-approver for kubelet client and serving certificates");
  approver
    .command("run")
    .description("run the approver until SIGINT or SIGTERM")
    .addOption(opt("--kubeconfig <file>", "kubeconfig; default in-cluster, $KUBECONFIG or ~/.kube/config", "KUBECONFIG"))
    .addOption(opt("--signers <list>", "signers to handle: kubernetes.io/kube-apiserver-client-kubelet, kubernetes.io/kubelet-serving (or client, serving)", "SIGNERS"))
    .addOption(opt("--dns-pattern <regex>", "extra DNS names a node may put in its serving certificate, a regular expression matched whole; {node} is its name (repeatable)", "DNS_PATTERN").argParser(collect))
    .addOption(opt("--cidr <cidr>", "where serving-certificate IPs may be while the Node object does not exist yet (repeatable)", "CIDR").argParser(collect))
    .addOption(opt("--max-expiration <duration>", "longest spec.expirationSeconds allowed, as a Go duration (default 8808h = 367 days)", "MAX_EXPIRATION"))
    .addOption(opt("--deny-mode <mode>", "deny: write Denied for CSRs that break a rule; pending: leave them and log", "DENY_MODE").default("deny"))
    .addOption(opt("--dry-run", "decide and log, write nothing", "DRY_RUN"))
    .addOption(opt("--log-format <format>", "json or text", "LOG_FORMAT").default("json"))
    .addOption(opt("--no-leader-elect", "run without a Lease (one replica only)", "LEADER_ELECT"))
    .addOption(opt("--lease-name <name>", "Lease name", "LEASE_NAME").default("k8s-pki-approver"))
    .addOption(opt("--lease-namespace <ns>", "Lease namespace", "LEASE_NAMESPACE").default("kube-system"))
    .addOption(opt("--identity <id>", "this replica's identity in the Lease (default hostname_pid)", "IDENTITY"))
    .addOption(opt("--listen <addr>", "address of /healthz, /readyz and /metrics", "LISTEN").default(":8081"))
    .addOption(opt("--workers <n>", "concurrent CSR workers", "WORKERS").default("5"))
    .action(async (o: Record<string, unknown>) => {
      const raw: RawApproverOptions = {
        kubeconfig: o.kubeconfig ? resolvePath(io, String(o.kubeconfig)) : undefined,
        signers: o.signers as string | undefined,
        dnsPattern: o.dnsPattern as string[] | undefined,
        cidr: o.cidr as string[] | undefined,
        maxExpiration: o.maxExpiration as string | undefined,
        denyMode: o.denyMode as string,
        dryRun: o.dryRun as boolean | string | undefined,
        logFormat: o.logFormat as string,
        leaderElect: o.leaderElect as boolean | string | undefined,
        leaseName: o.leaseName as string,
        leaseNamespace: o.leaseNamespace as string,
        identity: o.identity as string | undefined,
        listen: o.listen as string,
        workers: o.workers as string,
      };
      if (typeof raw.dnsPattern === "string") raw.dnsPattern = collect(raw.dnsPattern);
      if (typeof raw.cidr === "string") raw.cidr = collect(raw.cidr);
      const config = resolveApproverConfig(raw);
      const logger = createLogger(config.logFormat, (l) => io.stderr(l));
      const kc = await loadKubeConfig(config.kubeconfig);
      const a = new Approver({ kubeConfig: kc, config, logger });
      await a.start();
      logger.log("info", "approver running", { identity: config.identity, signers: config.policy.signers, listen: `${config.listenHost}:${a.healthPort}`, leaderElect: config.leaderElect, dryRun: config.dryRun, denyMode: config.denyMode });
      await new Promise<void>((resolve) => {
        const stop = (sig: string): void => {
          logger.log("info", "shutting down", { signal: sig });
          process.off("SIGINT", onInt);
          process.off("SIGTERM", onTerm);
          void a.stop().then(resolve, resolve);
        };
        const onInt = (): void => stop("SIGINT");
        const onTerm = (): void => stop("SIGTERM");
        process.on("SIGINT", onInt);
        process.on("SIGTERM", onTerm);
      });
    });
  approver
    .command("manifests")
    .description("print a Namespace, ServiceAccount, least-privilege RBAC and a 2-replica Deployment")
    .option("--namespace <ns>", "namespace", "k8s-pki-approver")
    .option("--image <image>", "container image with k8s-pki", "k8s-pki:latest")
    .action((o: { namespace: string; image: string }) => io.stdout(renderApproverManifests({ namespace: o.namespace, image: o.image })));
}
