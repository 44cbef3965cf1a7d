// Command-line parsing with the rules of Go's `flag` package, which cfssl and
// cfssljson use: `-f v`, `-f=v`, `--f v`, booleans only as `-f` or `-f=bool`,
// and parsing stops at the first non-flag argument.

export type FlagKind = "string" | "bool" | "int";

export interface FlagSpec {
  kind: FlagKind;
  default: string | boolean | number;
  usage: string;
}

export type FlagValues = Record<string, string | boolean | number>;

/** Thrown for a command line Go's flag package rejects; cfssl exits 2 for these. */
export class FlagError extends Error {
  override readonly name = "FlagError";
  /** True for -h/-help: print usage and exit 0... or 2 like Go's ExitOnError does for ErrHelp (0 since Go 1.15). */
  readonly help: boolean;
  constructor(message: string, help = false) {
    super(message);
    this.help = help;
  }
}

const BOOL_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const BOOL_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** Go's strconv.ParseInt(s, 0, 64) as flag.Int uses it: decimal, 0x, 0o, 0b, leading 0 octal, underscores. */
function parseGoInt(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!.replace(/_/g, "");
  let v: number;
  if (/^0[xXoObB]/.test(body)) v = Number(body.toLowerCase());
  else if (body.length > 1 && body.startsWith("0")) v = parseInt(body.slice(1) || "0", 8);
  else v = Number(body);
  if (!Number.isSafeInteger(v)) return undefined;
  return m[1] === "-" ? -v : v;
}

/** Parses args against specs; returns values (defaults filled) and the remaining positional arguments. */
export function parseGoFlags(specs: Readonly<Record<string, FlagSpec>>, args: readonly string[]): { values: FlagValues; rest: string[]; set: Set<string> } {
  const values: FlagValues = {};
  for (const [k, s] of Object.entries(specs)) values[k] = s.default;
  const set = new Set<string>();
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a.length < 2 || a[0] !== "-") break;
    let numMinuses = 1;
    if (a[1] === "-") {
      numMinuses = 2;
      if (a.length === 2) {
        i++; // "--" ends the flags
        break;
      }
    }
    let name = a.slice(numMinuses);
    if (name.length === 0 || name[0] === "-" || name[0] === "=") throw new FlagError(`bad flag syntax: ${a}`);
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = specs[name];
    if (!spec) {
      if (name === "help" || name === "h") throw new FlagError("help requested", true);
      throw new FlagError(`flag provided but not defined: -${name}`);
    }
    if (spec.kind === "bool") {
      if (value === undefined) values[name] = true;
      else if (BOOL_TRUE.has(value)) values[name] = true;
      else if (BOOL_FALSE.has(value)) values[name] = false;
      else throw new FlagError(`invalid boolean value "${value}" for -${name}: parse error`);
    } else {
      if (value === undefined) {
        if (i + 1 >= args.length) throw new FlagError(`flag needs an argument: -${name}`);
        value = args[++i]!;
      }
      if (spec.kind === "int") {
        const n = parseGoInt(value);
        if (n === undefined) throw new FlagError(`invalid value "${value}" for flag -${name}: parse error`);
        values[name] = n;
      } else values[name] = value;
    }
    set.add(name);
  }
  return { values, rest: args.slice(i), set };
}

/** cfssl's printDefaultValue line for one flag (cli/cli.go): `  -name=default: usage`, an empty default quoted. */
export function formatFlag(name: string, spec: FlagSpec): string {
  const def = String(spec.default);
  return `  -${name}=${def === "" ? '""' : def}: ${spec.usage}\n`;
}
