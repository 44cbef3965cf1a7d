// k8s-pki certs check: every certificate of a PKI folder (and of its
// kubeconfigs), or of a deployed cluster's nodes, sorted by expiry, with a
// threshold for alerting; certs renew.
import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  expiryReport,
  findCertificates,
  findIssuer,
  formatResidual,
  parsePrivateKeyPem,
  parseThreshold,
  prometheusTextfile,
  renewCertificate,
  replaceEmbeddedCertificate,
  writeFileAtomic,
  type ExpiryRow,
} from "@k8s/pki";
import {
  caRotationTextfile,
  checkNodeCertFiles,
  loadState,
  nodeCertFiles,
  nodeCertReport,
  nodeFileStateTextfile,
  readNodeFiles,
  readRotation,
  renderCluster,
  renderedContents,
  type NodeFileState,
} from "@k8s/deploy";
import { tabulate } from "@k8s/bootstrap";
import type { Command } from "commander";
import { ExitError } from "../errors.js";
import { PlainError, resolvePath, type CliIo } from "../io.js";
import { deployTarget } from "../deploy-target.js";
import { nodeAccessOptions, nodeTransportFor, type NodeAccessFlags } from "../node-access.js";
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
  let expected: Map<string, Buffer> | undefined;
  const stateThere = await stat(join(stateDir, "pki")).then(
    () => true,
    () => false,
  );
  if (o.state === undefined && !stateThere) {
    io.stderr(`[certs] no deploy state in ${stateDir}: STALE not checked (--state DIR)\n`);
  } else {
    try {
      const { pki, secrets } = await loadState(plan, stateDir);
      expected = renderedContents(renderCluster(plan, { pki, secrets, ...(local ? { local: { root: local } } : {}) }));
    } catch (e) {
      throw new PlainError(`cannot render the nodes' files from the state in ${stateDir}: ${(e as Error).message} (k8s-pki deploy plan --state shows what the next apply would issue)`, { cause: e });
    }
  }
  const files = nodeCertFiles(plan);
  const transportFor = await nodeTransportFor(io, o, local);
  const { read, failures } = await readNodeFiles(files, plan.nodes, transportFor);
  for (const f of failures) io.stderr(`[certs] ${f.error}\n`);
  const checks = checkNodeCertFiles(files, read, expected);
  for (const c of checks) if (c.error !== undefined) io.stderr(`[certs] ${c.name}: ${c.error}\n`);
  const now = io.now();
  const { rows, missing } = nodeCertReport(checks, now, warnMs);
  // The rotation step is only known with a deploy state.
  const rotation = expected && (o.textfile || o.output === "prometheus") ? caRotationTextfile(plan, await readRotation(stateDir)) : "";
  const textfile = (): string => prometheusTextfile(rows, now) + nodeFileStateTextfile(checks) + rotation;
  if (o.output === "json" || o.output === "yaml") {
    const out = [...rows.map(jsonRow), ...missing.map((m) => ({ name: m.name, node: m.file.node, path: m.file.path, state: m.state }))];
    await printStructured(io, o.output, out);
  } else if (o.output === "prometheus") {
    io.stdout(textfile());
  } else {
    const table = [["CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "STATE", "SIGNED BY", "SUBJECT", "SANS"]];
    for (const r of rows) table.push([r.name, expires(r), residual(r), STATE_COLUMN[r.state], r.signingCa || "?", r.subject, r.sans.join(",") || "-"]);
    for (const m of missing) table.push([m.name, "-", "-", STATE_COLUMN[m.state], "-", "-", "-"]);
    io.stdout(tabulate(table));
  }
  if (o.textfile) await writeFileAtomic(resolvePath(io, o.textfile), Buffer.from(textfile()), 0o644);
  if (failures.length > 0) {
    io.stderr(`${failures.length} node(s) could not be read: ${failures.map((f) => f.node).join(", ")}\n`);
    throw new ExitError(1);
  }
  const stale = checks.filter((c) => c.state === "stale");
  if (stale.length > 0) io.stderr(`${stale.length} node file(s) differ from what the state in ${stateDir} renders (STALE; k8s-pki deploy apply puts them right): ${stale.map((c) => c.name).join(", ")}\n`);
  if (missing.length > 0) io.stderr(`${missing.length} planned file(s) missing on their nodes: ${missing.map((c) => c.name).join(", ")}\n`);
  if (stale.length > 0 || missing.length > 0) {
    const expiring = rows.filter((r) => r.status !== "ok");
    if (expiring.length > 0) io.stderr(`${expiring.length} certificate(s) expire within ${o.warn}: ${expiring.map((r) => r.name).join(", ")}\n`);
    throw new ExitError(EXIT_NODE_DRIFT);
  }
  failOnExpiring(io, rows, o.warn);
}

const keyPathOf = (certPath: string): string => certPath.replace(/\.pem$/, "-key.pem");

export function registerCertsRenew(certs: Command, io: CliIo): void {
  certs
    .command("renew")
    .argument("<name>", "certificate file in the folder (e.g. etcd.pem), or all")
    .description("re-issue with the same subject, SANs, usages, lifetime and key, from the CA in the folder; rewrites kubeconfigs that embed it")
    .option("--dir <dir>", "PKI folder (cfssljson layout: x.pem and x-key.pem)", ".")
    .option("--recursive", "also look in the folder's subfolders: their certificates (for all), their CAs and their kubeconfigs; by default only the folder itself")
    .option("--rotate-key", "generate a new key (ECDSA P-256) instead of reusing the old one")
    .action(async (name: string, o: { dir: string; recursive?: boolean; rotateKey?: boolean }) => {
      const dir = resolvePath(io, o.dir);
      // Only the folder given: a rendered cluster or a deploy state below it has its own lifecycle (deploy apply).
      const recursive = o.recursive === true;
      const { found } = await findCertificates(dir, { recursive });
      const files = found.filter((f) => f.kind === "file" && !f.name.includes("#"));
      const cas = files.filter((f) => f.certificate.basicConstraints?.isCa);
      const targets = name === "all" ? files.filter((f) => !f.certificate.basicConstraints?.isCa) : files.filter((f) => f.name === name || f.name === `${name}.pem`);
      if (targets.length === 0) throw new PlainError(`no certificate ${JSON.stringify(name)} in ${o.dir}${recursive ? "" : " (subfolders are searched only with --recursive)"}`);
      const kubeconfigs = (await readdir(dir, { recursive })).map(String).filter((f) => /(^|\/)(kubeconfig|[^/]*\.(kubeconfig|conf))$/.test(f));
      for (const t of targets) {
        // The CA whose key verifies the signature: a leaf may have its CA's very name (cfssl's kubernetes.pem).
        const ca = findIssuer(t.certificate, cas, (c) => c.certificate);
        if (!ca) throw new PlainError(`${t.name}: its signing CA is not in ${o.dir} (no CA certificate there verifies its signature)`);
        const caName = ca.name;
        const caPath = ca.path;
        const caKey = await readFile(keyPathOf(caPath), "utf8").catch(() => {
          throw new PlainError(`${t.name}: the CA key ${keyPathOf(caName)} is not in ${o.dir}`);
        });
        const key = o.rotateKey
          ? undefined
          : parsePrivateKeyPem(
              await readFile(keyPathOf(t.path)).catch(() => {
                throw new PlainError(`${t.name}: its key ${keyPathOf(t.name)} is not in ${o.dir} (or pass --rotate-key)`);
              }),
              "key",
            );
        const oldPem = await readFile(t.path, "utf8");
        const embedding: { path: string; name: string; text: string }[] = [];
        for (const k of kubeconfigs) {
          const text = await readFile(join(dir, k), "utf8");
          if (replaceEmbeddedCertificate(text, oldPem, oldPem).replaced > 0) embedding.push({ path: join(dir, k), name: k, text });
        }
        // Refuse before writing anything: a rotated key would also need client-key-data replaced.
        if (o.rotateKey && embedding.length > 0) {
          throw new PlainError(`${embedding.map((e) => e.name).join(", ")} embeds ${t.name}; renewing it with --rotate-key would need client-key-data rewritten too, which certs renew does not do yet`);
        }
        const renewed = await renewCertificate(t.certificate, { caCert: await readFile(caPath, "utf8"), caKey, key, rotateKey: o.rotateKey ? { algo: "ecdsa", size: 256 } : undefined });
        // Key before certificate: an interrupted rotation leaves an unused key, never a certificate without its key.
        if (renewed.key) await writeFileAtomic(keyPathOf(t.path), Buffer.from(renewed.key), 0o600, true);
        await writeFileAtomic(t.path, Buffer.from(renewed.cert), 0o644);
        io.stdout(`renewed ${t.name}${renewed.key ? " (new key)" : ""}\n`);
        for (const e of embedding) {
          await writeFileAtomic(e.path, Buffer.from(replaceEmbeddedCertificate(e.text, oldPem, renewed.cert).text), 0o600, true);
          io.stdout(`  rewrote ${e.name}\n`);
        }
      }
    });
}
