// systemd unit files from a structured description; ExecStart is one flag per line.
export interface UnitSpec {
  description: string;
  documentation?: string;
  after?: string[];
  wants?: string[];
  requires?: string[];
  before?: string[];
  /** [Service] lines before ExecStart, as key=value pairs. */
  service?: [string, string][];
  /** Binary path and its flags (`--name=value` or `--name`). */
  exec: { path: string; flags: string[] };
  /** [Service] lines after ExecStart. */
  serviceAfter?: [string, string][];
  wantedBy?: string;
}

/** Flags are rendered as they are; values must not need quoting. */
export function renderUnit(u: UnitSpec): string {
  const lines: string[] = ["[Unit]", `Description=${u.description}`];
  if (u.documentation) lines.push(`Documentation=${u.documentation}`);
  if (u.after?.length) lines.push(`After=${u.after.join(" ")}`);
  if (u.wants?.length) lines.push(`Wants=${u.wants.join(" ")}`);
  if (u.requires?.length) lines.push(`Requires=${u.requires.join(" ")}`);
  if (u.before?.length) lines.push(`Before=${u.before.join(" ")}`);
  lines.push("", "[Service]");
  for (const [k, v] of u.service ?? []) lines.push(`${k}=${v}`);
  for (const f of u.exec.flags) {
    if (/[\s"'\\]/.test(f)) throw new Error(`flag ${f} would need quoting in ExecStart`);
  }
  lines.push(["ExecStart=" + u.exec.path, ...u.exec.flags.map((f) => "  " + f)].join(" \\\n"));
  for (const [k, v] of u.serviceAfter ?? []) lines.push(`${k}=${v}`);
  lines.push("", "[Install]", `WantedBy=${u.wantedBy ?? "multi-user.target"}`, "");
  return lines.join("\n");
}

/** The ExecStart command line of a unit file: [binary, ...args], continuation lines joined. */
export function execStartOf(unitText: string): string[] {
  const joined = unitText.replace(/\\\n/g, " ");
  const line = joined.split("\n").find((l) => l.startsWith("ExecStart="));
  if (!line) return [];
  return line.slice("ExecStart=".length).trim().split(/\s+/);
}
