// `-o json|yaml` for commands that print structured results: one option
// definition and one printer, so every command spells and shapes them alike.
import { Option } from "commander";
import type { CliIo } from "./io.js";

/** `-o, --output <format>` with its allowed values; commander refuses others, naming the option (exit 2). */
export function outputOption(formats: readonly string[], defaultFormat: string): Option {
  return new Option("-o, --output <format>", `output format: ${formats.join(", ")}`).choices(formats).default(defaultFormat);
}

/** Prints a document as indented JSON or as YAML (js-yaml, block style, keys in the document's order). */
export async function printStructured(io: CliIo, format: "json" | "yaml", doc: unknown): Promise<void> {
  if (format === "json") {
    io.stdout(JSON.stringify(doc, null, 2) + "\n");
    return;
  }
  const yaml = (await import("js-yaml")).default;
  // Through JSON first, so YAML carries exactly the JSON document (dates as strings, undefined fields left out).
  io.stdout(yaml.dump(JSON.parse(JSON.stringify(doc)), { noRefs: true, lineWidth: -1 }));
}
