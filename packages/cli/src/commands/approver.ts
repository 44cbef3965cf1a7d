// k8s-pki approver: run the CSR auto-approver, or print the manifests to run it in-cluster.
import { Approver, approverFlag, approverImage, APPROVER_POLICY_FLAGS, createKubePorts, createLogger, loadKubeConfig, renderApproverManifests, resolveApproverConfig, type ManifestPolicy, type RawApproverOptions } from "@k8s/bootstrap";
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
/** An `approver run` policy option from the library's flag table. */
function policyOpt(name: string): Option {
  const f = approverFlag(name);
  if (f.value === undefined) return boolOpt(`--${f.name}`, f.help, f.env);
  const o = opt(`--${f.name} ${f.value}`, f.help, f.env);
  if (f.repeatable) o.argParser(collect);
  if (f.default !== undefined) o.default(f.default);
  return o;
}

export function registerApprover(program: Command, io: CliIo): void {
  const approver = program.command("approver").description("the CSR auto-approver for kubelet client and serving certificates");
  approver
    .command("run")
    .description("run the approver until SIGINT or SIGTERM")
    .addOption(opt("--kubeconfig <file>", "kubeconfig; default in-cluster, $KUBECONFIG or ~/.kube/config", "KUBECONFIG"))
    .addOption(policyOpt("signers"))
    .addOption(policyOpt("dns-pattern"))
    .addOption(policyOpt("cidr"))
    .addOption(policyOpt("max-sans"))
    .addOption(policyOpt("allow-rebootstrap"))
    .addOption(policyOpt("max-expiration"))
    .addOption(policyOpt("deny-mode"))
    .addOption(policyOpt("dry-run"))
    .addOption(policyOpt("log-format"))
    .addOption(boolOpt("--no-leader-elect", "run without a Lease (one replica only)", BOOL_ENV.leaderElect))
    .addOption(policyOpt("lease-name"))
    .addOption(opt("--lease-namespace <ns>", "Lease namespace", "LEASE_NAMESPACE").default("kube-system"))
    .addOption(opt("--identity <id>", "this replica's identity in the Lease (default hostname_pid)", "IDENTITY"))
    .addOption(opt("--listen <addr>", "address of /livez, /healthz, /readyz and /metrics", "LISTEN").default(":8081"))
    .addOption(policyOpt("workers"))
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
      const ports = createKubePorts(kc, { namespace: config.leaseNamespace, name: config.leaseName });
      const a = new Approver({ ports, config, logger, version: VERSION });
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
  const manifests = approver
    .command("manifests")
    .description("print a Namespace, ServiceAccount, least-privilege RBAC, a 2-replica Deployment with the policy as its arguments, a metrics Service, a PodDisruptionBudget (and a ServiceMonitor)")
    .option("--namespace <ns>", "namespace of the objects and of the Lease", "k8s-pki-approver")
    .option("--image <image>", "container image with k8s-pki (scripts/build-image.sh builds it)", approverImage(VERSION))
    .option("--image-pull-policy <policy>", "IfNotPresent, Always or Never", "IfNotPresent")
    .option("--replicas <n>", "Deployment replicas; one leads through the Lease", "2")
    .option("--service-monitor", "also a monitoring.coreos.com/v1 ServiceMonitor (needs the Prometheus Operator's CRD)");
  // The policy flags of `approver run`, written into the Deployment's arguments.
  for (const f of APPROVER_POLICY_FLAGS) {
    const flags = f.value === undefined ? `--${f.name}` : `--${f.name} ${f.value}`;
    if (f.repeatable) manifests.option(flags, f.manifestHelp, collect);
    else manifests.option(flags, f.manifestHelp);
  }
  manifests.action((o: ManifestFlags) => {
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
          policy: manifestPolicy(o),
        }),
      );
    });
}

interface ManifestFlags extends Record<string, unknown> {
  namespace: string;
  image: string;
  imagePullPolicy: string;
  replicas: string;
  serviceMonitor?: boolean;
}

/** The policy flags given to `approver manifests`, by the flag table. */
function manifestPolicy(o: ManifestFlags): ManifestPolicy {
  const p: Record<string, unknown> = {};
  for (const f of APPROVER_POLICY_FLAGS) p[f.policyKey] = o[f.optionKey];
  return p as ManifestPolicy;
}
