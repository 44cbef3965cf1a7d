// k8s-pki certs check: every certificate of a PKI folder (and of its
// kubeconfigs) sorted by expiry, with a threshold for alerting.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import {
  expiryReport,
  findCertificates,
  formatResidual,
  parsePrivateKeyPem,
  parseThreshold,
  prometheusTextfile,
  renewCertificate,
  replaceEmbeddedCertificate,
  writeFileAtomic,
} from "@k8s/pki";
import { tabulate } from "@k8s/bootstrap";
import type { Command } from "commander";
import { ExitError } from "../errors.js";
import { PlainError, resolvePath, type CliIo } from "../io.js";

/** Exit status when a certificate expires within the threshold (errors exit 1). */
export const EXIT_EXPIRING = 3;

export function registerCerts(program: Command, io: CliIo): void {
  const certs = program.command("certs").description("certificate lifecycle: expiry checks and renewal");
  registerCertsRenew(certs, io);
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

const keyPathOf = (certPath: string): string => certPath.replace(/\.pem$/, "-key.pem");

export function registerCertsRenew(certs: Command, io: CliIo): void {
  certs
    .command("renew")
    .argument("<name>", "certificate file in the folder (e.g. etcd.pem), or all")
    .description("re-issue with the same subject, SANs, usages, lifetime and key, from the CA in the folder; rewrites kubeconfigs that embed it")
    .option("--dir <dir>", "PKI folder (cfssljson layout: x.pem and x-key.pem)", ".")
    .option("--rotate-key", "generate a new key (ECDSA P-256) instead of reusing the old one")
    .action(async (name: string, o: { dir: string; rotateKey?: boolean }) => {
      const dir = resolvePath(io, o.dir);
      const { found } = await findCertificates(dir);
      const rows = expiryReport(found, io.now(), 0);
      const files = found.filter((f) => f.kind === "file" && !f.name.includes("#"));
      const targets = name === "all" ? files.filter((f) => !f.certificate.basicConstraints?.isCa) : files.filter((f) => f.name === name || f.name === `${name}.pem`);
      if (targets.length === 0) throw new PlainError(`no certificate ${JSON.stringify(name)} in ${o.dir}`);
      const kubeconfigs = (await readdir(dir, { recursive: true })).map(String).filter((f) => /(^|\/)(kubeconfig|[^/]*\.(kubeconfig|conf))$/.test(f));
      for (const t of targets) {
        const caName = rows.find((r) => r.name === t.name)?.signingCa;
        if (!caName || caName === "self") throw new PlainError(`${t.name}: its signing CA is not in ${o.dir}`);
        const caPath = join(dir, caName);
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
