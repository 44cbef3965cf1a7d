// k8s-pki deploy plan|render|apply|verify|stop (and rotate-ca, in deploy-rotate.ts; verify's smoke test in deploy-smoke.ts): flags in, the @k8s/deploy library, lines out.
import { fileURLToPath } from "node:url";
import {
  applyCluster,
  buildPlan,
  formatApplyEvent,
  formatStoppedLocalUnit,
  formatVerify,
  loadState,
  renderPlanText,
  renderToFolder,
  stopLocalUnits,
  verifyCluster,
  type ApplyClusterEvent,
} from "@k8s/deploy";
import { ExitError } from "../errors.js";
import type { Command } from "commander";
import { resolvePath, type CliIo } from "../io.js";
import { registerRotateCa } from "./deploy-rotate.js";
import { sshSettings } from "../node-access.js";
import { deployTarget, inventoryFrom } from "../deploy-target.js";
import { outputOption, printStructured } from "../output-format.js";
import { registerDeployPrintDefaults } from "./deploy-print-defaults.js";
import { addSmokeOptions, runSmoke, type SmokeFlags } from "./deploy-smoke.js";

const inventoryOpt = ["--inventory <file>", "inventory (YAML or JSON); default: the built-in three-node cluster (192.168.95.11-13)"] as const;

export function registerDeploy(program: Command, io: CliIo): void {
  const deploy = program.command("deploy").description("deploy etcd, flannel, masters and workers from binaries");
  deploy
    .command("plan")
    .description("print every certificate, file (with mode) and unit per node; deterministic; with a state, what the next apply would re-issue")
    .option(...inventoryOpt)
    .option("--local <dir>", "the plan of apply --local DIR (loopback addresses); its state is <dir>/state unless --state")
    .option("--state <dir>", "also list what the next apply would issue from this state folder and why (read only; exit 1 if apply would refuse it)")
    .addOption(outputOption(["text", "json", "yaml"], "text"))
    .action(async (o: { inventory?: string; local?: string; state?: string; output: "text" | "json" | "yaml" }) => {
      const { plan, local, stateDir } = await deployTarget(io, o);
      const withState = o.state !== undefined || local !== undefined;
      if (o.output !== "text") return (await import("./plan-state.js")).printPlanDocument(io, plan, withState ? stateDir : undefined, o.output);
      io.stdout(renderPlanText(plan));
      if (withState) await (await import("./plan-state.js")).printStateDiff(io, plan, stateDir);
    });
  deploy
    .command("render")
    .description("make the PKI and write every node's files to DIR/<node>/<path> with their modes")
    .option(...inventoryOpt)
    .requiredOption("--out <dir>", "output folder (new or empty, unless --state keeps the PKI)")
    .option("--state <dir>", "keep the PKI and cluster secrets in this folder and reuse them, as apply does")
    .action(async (o: { inventory?: string; out: string; state?: string }) => {
      const plan = buildPlan(await inventoryFrom(io, o.inventory));
      const r = await renderToFolder({
        plan,
        out: resolvePath(io, o.out),
        ...(o.state !== undefined ? { stateDir: resolvePath(io, o.state) } : {}),
        now: () => io.now(),
        onEvent: (e) => {
          if (!e.created && e.issued.length > 0) io.stdout(`re-issued from the kept CAs: ${e.issued.join(", ")}\n`);
        },
      });
      io.stdout(`rendered ${r.nodes} nodes, ${r.certs} certificates and keys, ${r.files} files into ${r.out} (binaries listed in <node>.manifest.txt)\n`);
    });
  deploy
    .command("apply")
    .description("render, then put every node's files in place and (re)start only the units whose inputs changed, stage by stage; restarts roll one node at a time, each checked before the next")
    .option(...inventoryOpt)
    .option("--local <dir>", "local mode: node N is <dir>/N on this machine, at 127.0.0.<last octet>, its units run as processes")
    .option("--state <dir>", "where the PKI and cluster secrets are kept and reused (default: <local dir>/state, else ./deploy-state)")
    .option("--bin-dir <dirs>", "local mode: colon-separated folders holding the binaries (default: the inventory's binDir)")
    .option("--ssh-user <user>", "SSH user (sudo -n when not root)", "root")
    .option("--ssh-key <file>", "SSH private key (OpenSSH format)")
    .option("--ssh-port <port>", "SSH port", "22")
    .option("--known-hosts <file>", "OpenSSH known_hosts holding every node's host key (default ~/.ssh/known_hosts)")
    .option("--dry-run", "write nothing anywhere (no state folder, no node file, no unit started): only report what an apply would write, start and restart")
    .option("--no-rolling", "restart every node of a stage at once instead of one node at a time, each checked (etcd /health, API server /readyz, ...) before the next")
    .action(async (o: ApplyFlags) => {
      const dryRun = o.dryRun === true;
      // A dry run writes nothing anywhere: no state folder, no node file, no unit started; it says what it would do.
      if (dryRun) io.stdout("dry run: nothing is written, started or restarted; this is what an apply would do\n");
      const { plan, local, stateDir } = await deployTarget(io, o);
      const nodes = local !== undefined ? { local: { root: local, binDirs: o.binDir?.split(":"), selfBinary: OWN_LAUNCHER } } : { ssh: sshSettings(o) };
      const r = await applyCluster({ plan, stateDir, nodes, dryRun, rolling: o.rolling, now: () => io.now(), cwd: io.cwd, onEvent: (e) => printApplyEvent(io, e, dryRun) });
      const changed = r.changedNodes;
      if (dryRun) io.stdout(changed.length > 0 ? `dry run: an apply would change ${changed.join(", ")}; nothing was written\n` : "dry run: an apply would change nothing; nothing was written\n");
      else io.stdout(r.apply.changed ? `applied: ${changed.join(", ")} changed\n` : "nothing changed\n");
    });
  deploy
    .command("stop")
    .description("local mode: stop every unit process `apply --local DIR` started (SIGTERM, SIGKILL after 10 s) and remove their pid files")
    .requiredOption("--local <dir>", "the folder given to apply --local")
    .action(async (o: { local: string }) => {
      const dir = resolvePath(io, o.local);
      const units = await stopLocalUnits(dir);
      for (const u of units) io.stdout(formatStoppedLocalUnit(u) + "\n");
      const n = units.filter((u) => u.outcome === "stopped" || u.outcome === "killed").length;
      io.stdout(units.length === 0 ? `no local units under ${dir}\n` : `stopped ${n} process(es) under ${dir}\n`);
    });
  const verify = deploy
    .command("verify")
    .description("check etcd health and leader, the pod network, API servers, leader Leases, CSRs and nodes, and with --smoke that the cluster runs workloads; exit 1 if any check fails")
    .option(...inventoryOpt)
    .option("--local <dir>", "local mode (as apply --local)")
    .option("--state <dir>", "the PKI apply kept (default: <local dir>/state, else ./deploy-state)")
    .addOption(outputOption(["text", "json", "yaml"], "text"));
  addSmokeOptions(verify).action(async (o: { inventory?: string; local?: string; state?: string; output: "text" | "json" | "yaml" } & SmokeFlags) => {
    const { plan, local, stateDir } = await deployTarget(io, o);
    const { pki } = await loadState(plan, stateDir);
    const format = o.output;
    const text = format === "text";
    const checks = o.smokeOnly === true ? [] : await verifyCluster({ plan, pki, requireNodes: local === undefined });
    if (text && o.smokeOnly !== true) io.stdout(formatVerify(checks));
    const smoke = o.smoke === true || o.smokeOnly === true ? await runSmoke(io, plan, pki, o, text) : undefined;
    const passed = checks.every((c) => c.ok) && smoke?.ok !== false;
    if (format !== "text") await printStructured(io, format, smoke === undefined ? { passed, checks } : { passed, checks, smoke });
    if (!passed) throw new ExitError(1);
  });
  registerRotateCa(deploy, io);
  registerDeployPrintDefaults(deploy, io);
}

interface ApplyFlags {
  inventory?: string;
  local?: string;
  state?: string;
  binDir?: string;
  sshUser: string;
  sshKey?: string;
  sshPort: string;
  knownHosts?: string;
  dryRun?: boolean;
  rolling: boolean;
}

/** deploy apply's lines for a progress event. */
function printApplyEvent(io: CliIo, e: ApplyClusterEvent, dryRun: boolean): void {
  const text = applyLines(e, dryRun);
  if (text !== "") io.stdout(text);
}

function applyLines(e: ApplyClusterEvent, dryRun: boolean): string {
  if (e.kind === "state") {
    const reissued = !e.created && e.issued.length > 0 ? e.issued.join(", ") : undefined;
    if (e.dryRun) {
      return (
        (e.created ? `would create the PKI and secrets in ${e.stateDir} (${e.wouldWrite.length} files, CA keys included)\n` : `would reuse the PKI and secrets in ${e.stateDir}\n`) +
        (reissued ? `would re-issue from the kept CAs: ${reissued}\n` : "")
      );
    }
    return `${e.created ? "created" : "reusing"} PKI and secrets in ${e.stateDir}\n` + (reissued ? `re-issued from the kept CAs: ${reissued}\n` : "");
  }
  // Each written file is noise in a real apply; in a dry run the list is the plan.
  return e.kind !== "file-written" || dryRun ? formatApplyEvent(e) + "\n" : "";
}

/** This CLI's launcher (bin/k8s-pki.js) from src/commands, dist/commands or the dist/bundle chunk alike. */
const OWN_LAUNCHER = fileURLToPath(new URL("../../bin/k8s-pki.js", import.meta.url));
