// k8s-pki certs check: every certificate of a PKI folder (and of its
// kubeconfigs), or of a deployed cluster's nodes, sorted by expiry, with a
// threshold for alerting; certs renew.
import { expiryReport, findCertificates, formatResidual, parseThreshold, prometheusTextfile, renewInFolder, writeFileAtomic, type ExpiryRow } from "@k8s/pki";
import { checkClusterFiles, clusterFilesTextfile, type NodeFileState } from "@k8s/deploy";
import { tabulate } from "@k8s/bootstrap";
import type { Command } from "commander";
import { ExitError } from "../errors.js";
import { PlainError, resolvePath, type CliIo } from "../io.js";
import { deployTarget } from "../deploy-target.js";
import { nodeAccess, nodeAccessOptions, type NodeAccessFlags } from "../node-access.js";
import { outputOption, printStructured } from "../output-format.js";

/** Exit status when a certificate expires within the threshold (errors exit 1). */
export const EXIT_EXPIRING = 3;
/** Exit status of `certs check --inventory` when a node file is stale or missing (before {@link EXIT_EXPIRING}). */
export const EXIT_NODE_DRIFT = 4;

export function registerCerts(program: Command, io: CliIo): void {
  const certs = program.command("certs").description("certificate lifecycle: expiry checks and renewal");
  registerCertsRenew(certs, io);
  const check = certs
    .command("check")
    .argument("[dir]", "PKI folder to scan (*.pem, *.crt, kubeconfigs); default . (not with --inventory)")
    .description(`list every certificate by expiry; exit ${EXIT_EXPIRING} when one expires within --warn`)
    .option("--warn <duration>", "threshold, e.g. 30d, 720h", "30d")
    .addOption(outputOption(["table", "json", "yaml", "prometheus"], "table"))
    .option("--textfile <file>", "also write a node_exporter textfile (atomically)")
    .option("--inventory <file>", "instead of a folder: a cluster deployed with `k8s-pki deploy`; every certificate the plan puts on each node (and the kubelet's own), read from the nodes")
    .option("--state <dir>", "with --inventory: the deploy state; node files whose bytes differ from what it renders are STALE (default: <local dir>/state, else ./deploy-state; not checked when that is absent)");
  nodeAccessOptions(check)
    .addHelpText(
      "after",
      `
Exit status: 0 when all is well; ${EXIT_EXPIRING} when a certificate expires within --warn (or has expired);
${EXIT_NODE_DRIFT} (--inventory) when a node file is STALE (differs from what the state renders) or a
planned file is MISSING on its node (takes precedence over ${EXIT_EXPIRING}); 1 on errors, including a node
that could not be read (reported after the other nodes' certificates).`,
    )
    .action(async (dir: string | undefined, o: CheckFlags) => {
      let warnMs: number;
      try {
        warnMs = parseThreshold(o.warn);
      } catch (e) {
        throw new PlainError((e as Error).message);
      }
      if (o.inventory !== undefined) {
        if (dir !== undefined) throw new PlainError("give a folder or --inventory, not both");
        return checkNodes(io, o, warnMs);
      }
      const nodeFlag = [o.local && "--local", o.state && "--state", o.sshKey && "--ssh-key", o.knownHosts && "--known-hosts"].find(Boolean);
      if (nodeFlag) throw new PlainError(`${nodeFlag} needs --inventory`);
      const now = io.now();
      const { found, problems } = await findCertificates(resolvePath(io, dir ?? "."));
      for (const p of problems) io.stderr(`[certs] ${p.path}: ${p.error}\n`);
      // Nothing to check is a failure: a monitoring check pointed at the wrong folder must not read as healthy.
      if (found.length === 0) throw new PlainError(`no certificates found in ${dir ?? "."} (looked for *.pem, *.crt, *.cert and kubeconfigs, in subfolders too)`);
      const rows = expiryReport(found, now, warnMs);
      if (o.output === "json" || o.output === "yaml") {
        await printStructured(io, o.output, rows.map(jsonRow));
      } else if (o.output === "prometheus") {
        io.stdout(prometheusTextfile(rows, now));
      } else {
        const table = [["CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "SIGNED BY", "SUBJECT", "SANS"]];
        for (const r of rows) table.push([r.name, expires(r), residual(r), r.signingCa || "?", r.subject, r.sans.join(",") || "-"]);
        io.stdout(tabulate(table));
      }
      if (o.textfile) await writeFileAtomic(resolvePath(io, o.textfile), Buffer.from(prometheusTextfile(rows, now)), 0o644);
      failOnExpiring(io, rows, o.warn);
    });
}

interface CheckFlags extends NodeAccessFlags {
  warn: string;
  output: "table" | "json" | "yaml" | "prometheus";
  textfile?: string;
  inventory?: string;
  state?: string;
}

const jsonRow = (r: ExpiryRow): Record<string, unknown> => ({ ...r, notAfter: r.notAfter.toISOString(), residualSeconds: Math.floor(r.residualMs / 1000), residualMs: undefined });
const expires = (r: ExpiryRow): string => r.notAfter.toISOString().replace(/\.000Z$/, "Z");
const residual = (r: ExpiryRow): string => formatResidual(r.residualMs) + (r.status === "ok" ? "" : ` (${r.status})`);

function failOnExpiring(io: CliIo, rows: readonly ExpiryRow[], warn: string): void {
  const bad = rows.filter((r) => r.status !== "ok");
  if (bad.length > 0) {
    io.stderr(`${bad.length} certificate(s) expire within ${warn}: ${bad.map((r) => r.name).join(", ")}\n`);
    throw new ExitError(EXIT_EXPIRING);
  }
}

const STATE_COLUMN: Record<NodeFileState, string> = { current: "current", stale: "STALE", missing: "MISSING", absent: "-", unchecked: "-" };

/** certs check --inventory: the certificates on the nodes of a deployed cluster, compared with the deploy state. */
async function checkNodes(io: CliIo, o: CheckFlags, warnMs: number): Promise<void> {
  const { plan, local, stateDir } = await deployTarget(io, o);
  const r = await checkClusterFiles({
    plan,
    stateDir,
    stateRequired: o.state !== undefined,
    nodes: nodeAccess(o, local),
    warnMs,
    now: () => io.now(),
    rotationMetrics: !!o.textfile || o.output === "prometheus",
    cwd: io.cwd,
    onWarning: (m) => io.stderr(`[certs] ${m}\n`),
  });
  const { rows, missing, failures, stale } = r;
  if (o.output === "json" || o.output === "yaml") {
    const out = [...rows.map(jsonRow), ...missing.map((m) => ({ name: m.name, node: m.file.node, path: m.file.path, state: m.state }))];
    await printStructured(io, o.output, out);
  } else if (o.output === "prometheus") {
    io.stdout(clusterFilesTextfile(r));
  } else {
    const table = [["CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "STATE", "SIGNED BY", "SUBJECT", "SANS"]];
    for (const row of rows) table.push([row.name, expires(row), residual(row), STATE_COLUMN[row.state], row.signingCa || "?", row.subject, row.sans.join(",") || "-"]);
    for (const m of missing) table.push([m.name, "-", "-", STATE_COLUMN[m.state], "-", "-", "-"]);
    io.stdout(tabulate(table));
  }
  if (o.textfile) await writeFileAtomic(resolvePath(io, o.textfile), Buffer.from(clusterFilesTextfile(r)), 0o644);
  if (failures.length > 0) {
    io.stderr(`${failures.length} node(s) could not be read: ${failures.map((f) => f.node).join(", ")}\n`);
    throw new ExitError(1);
  }
  if (stale.length > 0) io.stderr(`${stale.length} node file(s) differ from what the state in ${stateDir} renders (STALE; k8s-pki deploy apply puts them right): ${stale.map((c) => c.name).join(", ")}\n`);
  if (missing.length > 0) io.stderr(`${missing.length} planned file(s) missing on their nodes: ${missing.map((c) => c.name).join(", ")}\n`);
  if (stale.length > 0 || missing.length > 0) {
    const expiring = rows.filter((row) => row.status !== "ok");
    if (expiring.length > 0) io.stderr(`${expiring.length} certificate(s) expire within ${o.warn}: ${expiring.map((row) => row.name).join(", ")}\n`);
    throw new ExitError(EXIT_NODE_DRIFT);
  }
  failOnExpiring(io, rows, o.warn);
}

export function registerCertsRenew(certs: Command, io: CliIo): void {
  certs
    .command("renew")
    .argument("<name>", "certificate file in the folder (e.g. etcd.pem), or all")
    .description("re-issue with the same subject, SANs, usages, lifetime and key, from the CA in the folder; rewrites kubeconfigs that embed it")
    .option("--dir <dir>", "PKI folder (cfssljson layout: x.pem and x-key.pem)", ".")
    .option("--recursive", "also look in the folder's subfolders: their certificates (for all), their CAs and their kubeconfigs; by default only the folder itself")
    .option("--rotate-key", "generate a new key (ECDSA P-256) instead of reusing the old one")
    .action(async (name: string, o: { dir: string; recursive?: boolean; rotateKey?: boolean }) => {
      await renewInFolder({
        dir: o.dir,
        name,
        recursive: o.recursive === true,
        rotateKey: o.rotateKey === true,
        cwd: io.cwd,
        onEvent: (e) => io.stdout(e.kind === "renewed" ? `renewed ${e.name}${e.newKey ? " (new key)" : ""}\n` : `  rewrote ${e.name}\n`),
      });
    });
}
