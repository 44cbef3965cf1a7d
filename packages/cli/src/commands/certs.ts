// k8s-pki certs check: every certificate of a PKI folder (and of its
// kubeconfigs) sorted by expiry, with a threshold for alerting.
import { expiryReport, findCertificates, formatResidual, parseThreshold, prometheusTextfile, writeFileAtomic } from "@k8s/pki";
import { tabulate } from "@k8s/bootstrap";
import type { Command } from "commander";
import { ExitError } from "../errors.js";
import { PlainError, resolvePath, type CliIo } from "../io.js";

/** Exit status when a certificate expires within the threshold (errors exit 1). */
export const EXIT_EXPIRING = 3;

export function registerCerts(program: Command, io: CliIo): void {
  const certs = program.command("certs").description("certificate lifecycle: expiry checks");
  certs
    .command("check")
    .argument("[dir]", "PKI folder to scan (*.pem, *.crt, kubeconfigs)", ".")
    .description(`list every certificate by expiry; exit ${EXIT_EXPIRING} when one expires within --warn`)
    .option("--warn <duration>", "threshold, e.g. 30d, 720h", "30d")
    .option("-o, --output <format>", "table, json or prometheus", "table")
    .option("--textfile <file>", "also write a node_exporter textfile (atomically)")
    .action(async (dir: string, o: { warn: string; output: string; textfile?: string }) => {
      let warnMs: number;
      try {
        warnMs = parseThreshold(o.warn);
      } catch (e) {
        throw new PlainError((e as Error).message);
      }
      if (!["table", "json", "prometheus"].includes(o.output)) throw new PlainError(`unknown output format ${JSON.stringify(o.output)} (table, json, prometheus)`);
      const now = io.now();
      const { found, problems } = await findCertificates(resolvePath(io, dir));
      for (const p of problems) io.stderr(`[certs] ${p.path}: ${p.error}\n`);
      const rows = expiryReport(found, now, warnMs);
      if (o.output === "json") {
        io.stdout(JSON.stringify(rows.map((r) => ({ ...r, notAfter: r.notAfter.toISOString(), residualSeconds: Math.floor(r.residualMs / 1000), residualMs: undefined })), null, 2) + "\n");
      } else if (o.output === "prometheus") {
        io.stdout(prometheusTextfile(rows, now));
      } else {
        const table = [["CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "SIGNED BY", "SUBJECT", "SANS"]];
        for (const r of rows) {
          table.push([r.name, r.notAfter.toISOString().replace(/\.000Z$/, "Z"), formatResidual(r.residualMs) + (r.status === "ok" ? "" : ` (${r.status})`), r.signingCa || "?", r.subject, r.sans.join(",") || "-"]);
        }
        io.stdout(tabulate(table));
      }
      if (o.textfile) await writeFileAtomic(resolvePath(io, o.textfile), Buffer.from(prometheusTextfile(rows, now)), 0o644);
      const bad = rows.filter((r) => r.status !== "ok");
      if (bad.length > 0) {
        io.stderr(`${bad.length} certificate(s) expire within ${o.warn}: ${bad.map((r) => r.name).join(", ")}\n`);
        throw new ExitError(EXIT_EXPIRING);
      }
    });
}
