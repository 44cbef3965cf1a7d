// k8s-pki approver: run the CSR auto-approver, or print the manifests to run it in-cluster.
import { Approver, approverImage, createLogger, loadKubeConfig, renderApproverManifests, resolveApproverConfig, type RawApproverOptions } from "@k8s/bootstrap";
import { Option, type Command } from "commander";
import { PlainError, resolvePath, type CliIo } from "../io.js";
import { VERSION } from "../version.js";

const ENV = "K8S_PKI_APPROVER_";
/** Past this after SIGTERM/SIGINT the process exits whatever is still open (the approver itself stops within about 2.5 s). */
const STOP_DEADLINE_MS = 5_000;
// One value per flag, never split: a comma may be part of a regular expression
// (`n{1,3}`). config.ts splits the environment variables' values.
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const opt = (flags: string, desc: string, env: string): Option => new Option(flags, desc).env(ENV + env);
// commander sets a boolean option whenever its variable is defined, whatever
// the value, so K8S_PKI_APPROVER_ALLOW_REBOOTSTRAP=false would allow it. The
// booleans read their variable in the action instead, and config.ts checks it.
const BOOL_ENV = { allowRebootstrap: "ALLOW_REBOOTSTRAP", dryRun: "DRY_RUN", leaderElect: "LEADER_ELECT" } as const;
const boolOpt = (flags: string, desc: string, env: string): Option => new Option(flags, `${desc} (env: ${ENV}${env}=true|false)`);

export function registerApprover(program: Command, io: CliIo): void {
  const approver = program.command("approver").description("the CSR auto-approver for kubelet client and serving certificates");
  approver
    .command("run")
    .description("run the approver until SIGINT or SIGTERM")
    .addOption(opt("--kubeconfig <file>", "kubeconfig; default in-cluster, $KUBECONFIG or ~/.kube/config", "KUBECONFIG"))
    .addOption(opt("--signers <list>", "signers to handle: kubernetes.io/kube-apiserver-client-kubelet, kubernetes.io/kubelet-serving (or client, serving)", "SIGNERS"))
    .addOption(
      opt(
        "--dns-pattern <regex>",
        "extra DNS names a node may put in its serving certificate, a regular expression matched whole; {node} is its name (repeatable; commas are part of the pattern; in the environment variable, one pattern per line)",
        "DNS_PATTERN",
      ).argParser(collect),
    )
    .addOption(
      opt(
        "--cidr <cidr>",
        "where serving-certificate IPs may be while the Node object does not exist yet, never an IP another Node lists (repeatable, or comma-separated)",
        "CIDR",
      ).argParser(collect),
    )
    .addOption(
      opt(
        "--max-sans <n>",
        "most DNS names and IP addresses in one serving certificate; a kubelet asks for its hostname and its addresses (a handful), so more is not a kubelet (default 32)",
        "MAX_SANS",
      ),
    )
    .addOption(
      boolOpt(
        "--allow-rebootstrap",
        "let a bootstrap token get the client certificate of a node that is already registered (re-bootstrap after a lost key); by default that is denied (rule registered-node), since it hands over a running node's identity",
        BOOL_ENV.allowRebootstrap,
      ),
    )
    .addOption(opt("--max-expiration <duration>", "longest spec.expirationSeconds allowed, as a Go duration (default 8808h = 367 days)", "MAX_EXPIRATION"))
    .addOption(opt("--deny-mode <mode>", "deny: write Denied for CSRs that break a rule; pending: leave them and log", "DENY_MODE").default("deny"))
    .addOption(boolOpt("--dry-run", "decide and log, write nothing", BOOL_ENV.dryRun))
    .addOption(opt("--log-format <format>", "json or text", "LOG_FORMAT").default("json"))
    .addOption(boolOpt("--no-leader-elect", "run without a Lease (one replica only)", BOOL_ENV.leaderElect))
    .addOption(opt("--lease-name <name>", "Lease name", "LEASE_NAME").default("k8s-pki-approver"))
    .addOption(opt("--lease-namespace <ns>", "Lease namespace", "LEASE_NAMESPACE").default("kube-system"))
    .addOption(opt("--identity <id>", "this replica's identity in the Lease (default hostname_pid)", "IDENTITY"))
    .addOption(opt("--listen <addr>", "address of /livez, /healthz, /readyz and /metrics", "LISTEN").default(":8081"))
    .addOption(opt("--workers <n>", "concurrent CSR workers", "WORKERS").default("5"))
    .addHelpText(
      "after",
      [
        "",
        "Denied CSRs carry the condition and Event reason NonCanonicalRequest when the request is not exactly what",
        "the kubelet writes (rule non-canonical-request: extra or malformed PEM, non-DER, repeated extension values,",
        "other string or SAN types) and AutoDenied for every other rule (the message names the rule).",
      ].join("\n"),
    )
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const bool = (key: keyof typeof BOOL_ENV): boolean | string | undefined =>
        cmd.getOptionValueSource(key) === "cli" ? (o[key] as boolean) : (io.env[ENV + BOOL_ENV[key]] ?? (o[key] as boolean | undefined));
      const raw: RawApproverOptions = {
        kubeconfig: o.kubeconfig ? resolvePath(io, String(o.kubeconfig)) : undefined,
        signers: o.signers as string | undefined,
        // From the environment the whole value arrives as one entry: config.ts splits it by lines.
        dnsPattern: cmd.getOptionValueSource("dnsPattern") === "env" ? (o.dnsPattern as string[]).join("\n") : (o.dnsPattern as string[] | undefined),
        cidr: o.cidr as string[] | undefined,
        maxExpiration: o.maxExpiration as string | undefined,
        maxSans: o.maxSans as string | undefined,
        allowRebootstrap: bool("allowRebootstrap"),
        denyMode: o.denyMode as string,
        dryRun: bool("dryRun"),
        logFormat: o.logFormat as string,
        leaderElect: bool("leaderElect"),
        leaseName: o.leaseName as string,
        leaseNamespace: o.leaseNamespace as string,
        identity: o.identity as string | undefined,
        listen: o.listen as string,
        workers: o.workers as string,
      };
      const config = resolveApproverConfig(raw);
      const logger = createLogger(config.logFormat, (l) => io.stderr(l));
      // Before connecting, so that what the approver will allow is on record even when it cannot start.
      const { signers, dnsPatterns, cidrs, maxExpirationSeconds, maxSans, allowRebootstrap } = config.policy;
      logger.log("info", "approver configuration", { signers, dnsPatterns, cidrs, maxExpirationSeconds, maxSans, allowRebootstrap, denyMode: config.denyMode, dryRun: config.dryRun, leaderElect: config.leaderElect });
      const kc = await loadKubeConfig(config.kubeconfig);
      const a = new Approver({ kubeConfig: kc, config, logger, version: VERSION });
      // Handlers before start(): a signal during start-up stops it too. A second signal kills (the default action).
      const stopped = new Promise<void>((resolve) => {
        const stop = (sig: string): void => {
          logger.log("info", "shutting down", { signal: sig });
          process.off("SIGINT", onInt);
          process.off("SIGTERM", onTerm);
          let done = false;
          // Approver.stop() bounds every wait; this only covers what it cannot see (a socket left open keeps Node alive).
          setTimeout(() => {
            logger.log("error", `not stopped ${STOP_DEADLINE_MS / 1000} s after ${sig}; exiting`, {});
            process.exit(done ? 0 : 1);
          }, STOP_DEADLINE_MS).unref();
          void a
            .stop()
            .catch(() => undefined)
            .then(() => {
              done = true;
              resolve();
            });
        };
        const onInt = (): void => stop("SIGINT");
        const onTerm = (): void => stop("SIGTERM");
        process.on("SIGINT", onInt);
        process.on("SIGTERM", onTerm);
      });
      await a.start();
      logger.log("info", "approver running", { identity: config.identity, signers: config.policy.signers, listen: `${config.listenHost}:${a.healthPort}`, leaderElect: config.leaderElect, dryRun: config.dryRun, denyMode: config.denyMode });
      await stopped;
    });
  approver
    .command("manifests")
    .description("print a Namespace, ServiceAccount, least-privilege RBAC, a 2-replica Deployment with the policy as its arguments, a metrics Service, a PodDisruptionBudget (and a ServiceMonitor)")
    .option("--namespace <ns>", "namespace of the objects and of the Lease", "k8s-pki-approver")
    .option("--image <image>", "container image with k8s-pki (scripts/build-image.sh builds it)", approverImage(VERSION))
    .option("--image-pull-policy <policy>", "IfNotPresent, Always or Never", "IfNotPresent")
    .option("--replicas <n>", "Deployment replicas; one leads through the Lease", "2")
    .option("--service-monitor", "also a monitoring.coreos.com/v1 ServiceMonitor (needs the Prometheus Operator's CRD)")
    // The policy flags of `approver run`, written into the Deployment's arguments.
    .option("--signers <list>", "as approver run --signers")
    .option("--dns-pattern <regex>", "as approver run --dns-pattern (repeatable, never split on commas)", collect)
    .option("--cidr <cidr>", "as approver run --cidr (repeatable, or comma-separated)", collect)
    .option("--max-sans <n>", "as approver run --max-sans")
    .option("--allow-rebootstrap", "as approver run --allow-rebootstrap")
    .option("--max-expiration <duration>", "as approver run --max-expiration")
    .option("--deny-mode <mode>", "as approver run --deny-mode: deny or pending")
    .option("--dry-run", "as approver run --dry-run")
    .option("--log-format <format>", "as approver run --log-format: json or text")
    .option("--workers <n>", "as approver run --workers")
    .option("--lease-name <name>", "as approver run --lease-name")
    .action((o: ManifestFlags) => {
      const pull = o.imagePullPolicy;
      if (pull !== "IfNotPresent" && pull !== "Always" && pull !== "Never") throw new PlainError(`--image-pull-policy: expected IfNotPresent, Always or Never, got ${JSON.stringify(pull)}`);
      if (!/^\d+$/.test(o.replicas)) throw new PlainError(`--replicas: expected a whole number of at least 1, got ${JSON.stringify(o.replicas)}`);
      io.stdout(
        renderApproverManifests({
          namespace: o.namespace,
          image: o.image,
          imagePullPolicy: pull,
          replicas: Number(o.replicas),
          serviceMonitor: o.serviceMonitor === true,
          policy: {
            signers: o.signers,
            dnsPatterns: o.dnsPattern,
            cidrs: o.cidr,
            maxSans: o.maxSans,
            allowRebootstrap: o.allowRebootstrap,
            maxExpiration: o.maxExpiration,
            denyMode: o.denyMode,
            dryRun: o.dryRun,
            logFormat: o.logFormat,
            workers: o.workers,
            leaseName: o.leaseName,
          },
        }),
      );
    });
}

interface ManifestFlags {
  namespace: string;
  image: string;
  imagePullPolicy: string;
  replicas: string;
  serviceMonitor?: boolean;
  signers?: string;
  dnsPattern?: string[];
  cidr?: string[];
  maxSans?: string;
  allowRebootstrap?: boolean;
  maxExpiration?: string;
  denyMode?: string;
  dryRun?: boolean;
  logFormat?: string;
  workers?: string;
  leaseName?: string;
}
