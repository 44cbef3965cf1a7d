// k8s-pki json: cfssljson. Splits cfssl's JSON output into files, atomically,
// keys 0600, and refuses to replace the key of an existing CA unless told.
import { cfssljsonOutputFiles, formatStdout, writeOutputFiles } from "@k8s/pki";
import { FlagError, parseGoFlags, type FlagSpec } from "../go-flags.js";
import { readStdinOrFile, type CliIo } from "../io.js";
import { VERSION } from "../version.js";

export const CFSSLJSON_FLAGS: Readonly<Record<string, FlagSpec>> = {
  bare: { kind: "bool", default: false, usage: "the response from CFSSL is not wrapped in the API standard response" },
  f: { kind: "string", default: "-", usage: "JSON input" },
  stdout: { kind: "bool", default: false, usage: "output the response instead of saving to a file" },
  version: { kind: "bool", default: false, usage: "print version and exit" },
  "replace-ca-key": { kind: "bool", default: false, usage: "allow replacing <base>-key.pem when <base>.pem is a CA certificate (k8s-pki)" },
};

export async function json(io: CliIo, argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseGoFlags(CFSSLJSON_FLAGS, argv);
  } catch (e) {
    // Go's flag package (cfssljson uses the default flag set): the error, then the usage, on stderr.
    if (e instanceof FlagError) io.stderr((e.help ? "" : `${e.message}\n`) + jsonUsage());
    throw e;
  }
  const { values, rest } = parsed;
  if (values.version === true) {
    io.stdout(`Version: ${VERSION}\nRuntime: node ${process.version}\n`);
    return;
  }
  const base = rest[0] ?? "cert";
  const data = await readStdinOrFile(io, String(values.f)).catch((e: Error) => {
    throw Object.assign(e, { message: `Failed to read input: ${e.message}` });
  });
  const files = cfssljsonOutputFiles(data, base, values.bare === true);
  if (values.stdout === true) io.stdout(formatStdout(files));
  else await writeOutputFiles(files, { dir: io.cwd, replaceCaKey: values["replace-ca-key"] === true });
}

/** Go's flag.Usage for the default flag set: `Usage of NAME:` and PrintDefaults, flags sorted by name. */
export function jsonUsage(): string {
  let out = "Usage of k8s-pki json:\n";
  for (const name of Object.keys(CFSSLJSON_FLAGS).sort()) {
    const spec = CFSSLJSON_FLAGS[name]!;
    let line = `  -${name}${spec.kind === "bool" ? "" : ` ${spec.kind === "int" ? "int" : "string"}`}`;
    line += line.length <= 4 ? "\t" : "\n    \t";
    line += spec.usage;
    if (spec.kind === "string" && spec.default !== "") line += ` (default ${JSON.stringify(spec.default)})`;
    out += line + "\n";
  }
  return out;
}

