// k8s-pki json: cfssljson. Splits cfssl's JSON output into files, atomically,
// keys 0600, and refuses to replace the key of an existing CA unless told.
import { cfssljsonOutputFiles, formatStdout, writeOutputFiles } from "@k8s/pki";
import { parseGoFlags, type FlagSpec } from "../go-flags.js";
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
  const { values, rest } = parseGoFlags(CFSSLJSON_FLAGS, argv);
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
