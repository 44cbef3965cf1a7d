// How apply (re)starts units on a node. On real nodes that is systemd. The
// CI host has no running systemd, so tests (and any other environment without
// it) use ScriptServiceManager, which stands in for systemctl by running a
// configurable command per action through the same transport, so tests can
// observe exactly which units were reloaded, started and restarted.
import { DeployError } from "./errors.js";
import { outputOf, shq, type Transport } from "./transport/transport.js";

export interface ServiceManager {
  /** Makes the service manager re-read unit files (systemctl daemon-reload). */
  daemonReload(t: Transport): Promise<void>;
  /** Whether the unit is running now. */
  isActive(t: Transport, unit: string): Promise<boolean>;
  /** Enables the unit and starts it if it is not running. */
  start(t: Transport, unit: string): Promise<void>;
  /** Enables the unit and restarts it. */
  restart(t: Transport, unit: string): Promise<void>;
}

async function must(t: Transport, cmd: string, what: string, diagnose?: () => Promise<string>): Promise<void> {
  const r = await t.exec(cmd, { sudo: true });
  if (r.code === 0) return;
  let out = outputOf(r);
  if (diagnose) {
    const more = await diagnose().catch(() => "");
    if (more !== "") out = `${out}\n${more}`.trim();
  }
  throw new DeployError("command-failed", `${t.node}: ${what} failed (\`${cmd}\` exited with code ${r.code})${out === "" ? "" : `:\n${out}`}`, {
    field: t.node,
  });
}

/** systemd through systemctl; failures carry the unit's last journal lines. */
export class SystemdServiceManager implements ServiceManager {
  constructor(private readonly opts: { journalLines?: number } = {}) {}

  private journal(t: Transport, unit: string): () => Promise<string> {
    return async () => {
      const r = await t.exec(`journalctl -u ${shq(unit)} -n ${this.opts.journalLines ?? 30} --no-pager`, { sudo: true });
      return r.code === 0 ? `--- journalctl -u ${unit}:\n${r.stdout.trimEnd()}` : "";
    };
  }

  daemonReload(t: Transport): Promise<void> {
    return must(t, "systemctl daemon-reload", "systemctl daemon-reload");
  }

  async isActive(t: Transport, unit: string): Promise<boolean> {
    const r = await t.exec(`systemctl is-active --quiet ${shq(unit)}`, { sudo: true });
    return r.code === 0;
  }

  start(t: Transport, unit: string): Promise<void> {
    return must(t, `systemctl enable --now ${shq(unit)}`, `starting ${unit}`, this.journal(t, unit));
  }

  restart(t: Transport, unit: string): Promise<void> {
    return must(t, `systemctl enable ${shq(unit)} && systemctl restart ${shq(unit)}`, `restarting ${unit}`, this.journal(t, unit));
  }
}

export interface ScriptServiceManagerOptions {
  /**
   * Command run on the node as `<command> <action> [unit]`, action one of
   * daemon-reload, is-active, start, restart; exit 0 means success (for
   * is-active: running). It may be a shell snippet; arguments are appended,
   * and `{node}` in it is replaced by the node's name (shell-quoted).
   */
  command: string;
}

/**
 * Stands in for systemd where there is none (the CI host): every action is a
 * command run through the transport, e.g. a small shell script that appends
 * `restart etcd.service` to a log file and keeps a state file per unit.
 */
export class ScriptServiceManager implements ServiceManager {
  constructor(private readonly opts: ScriptServiceManagerOptions) {}

  private cmd(t: Transport, action: string, unit?: string): string {
    const base = this.opts.command.replaceAll("{node}", shq(t.node));
    return `${base} ${action}${unit === undefined ? "" : ` ${shq(unit)}`}`;
  }

  daemonReload(t: Transport): Promise<void> {
    return must(t, this.cmd(t, "daemon-reload"), "daemon-reload");
  }

  async isActive(t: Transport, unit: string): Promise<boolean> {
    return (await t.exec(this.cmd(t, "is-active", unit), { sudo: true })).code === 0;
  }

  start(t: Transport, unit: string): Promise<void> {
    return must(t, this.cmd(t, "start", unit), `starting ${unit}`);
  }

  restart(t: Transport, unit: string): Promise<void> {
    return must(t, this.cmd(t, "restart", unit), `restarting ${unit}`);
  }
}
