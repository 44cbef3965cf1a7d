// Structured logging for the approver: JSON lines for machines, or text.
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(format: "json" | "text", write: (line: string) => void = (l) => void process.stderr.write(l), now: () => Date = () => new Date()): Logger {
  return {
    log(level, msg, fields = {}) {
      const ts = now().toISOString();
      if (format === "json") write(JSON.stringify({ ts, level, msg, ...fields }) + "\n");
      else {
        const kv = Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`)
          .join(" ");
        write(`${ts} ${level.toUpperCase().padEnd(5)} ${msg}${kv ? " " + kv : ""}\n`);
      }
    },
  };
}
