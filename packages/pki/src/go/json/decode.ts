// Go's encoding/json Unmarshal into a described Go type (Go 1.26, decode.go):
// document order, repeated keys, merging and error rules, so cfssl's JSON
// inputs are accepted, merged and refused exactly as cfssl's Go structs are.

import { goBase64ErrorOffset } from "../base64.js";
import { PkiError } from "../../errors.js";
import { foldName } from "./fold.js";
import { checkGoJsonSyntax } from "./scanner.js";
import { readGoJsonString } from "./string.js";
import { parseGoJson } from "./value.js";

/**
 * A Go type as json.Unmarshal sees it. `name` is what reflect's Type.String()
 * prints in a type error (`config.SigningProfile`, `[]string`, `time.Duration`).
 */
export type GoType =
  | { readonly kind: "string"; readonly name: string }
  | { readonly kind: "bool"; readonly name: string }
  | { readonly kind: "int"; readonly name: string; readonly bits: 8 | 16 | 32 | 64; readonly unsigned?: boolean }
  /** `[]byte`: a JSON string is base64 (StdEncoding); an array holds uint8 numbers. */
  | { readonly kind: "bytes"; readonly name: string }
  | { readonly kind: "slice"; readonly name: string; readonly elem: GoType }
  | { readonly kind: "map"; readonly name: string; readonly elem: GoType }
  | { readonly kind: "struct"; readonly name: string; readonly fields: readonly GoField[] }
  /** A pointer: `null` sets nil; anything else allocates (or reuses) the element and decodes into it. */
  | { readonly kind: "ptr"; readonly elem: GoType }
  /** `interface{}` takes any value; an interface with methods takes only `null`. */
  | { readonly kind: "interface"; readonly name: string; readonly empty: boolean }
  /** A type with its own UnmarshalJSON: it receives the value's raw bytes, even `null`; its error ends decoding. */
  | { readonly kind: "custom"; readonly name: string; readonly unmarshal: (raw: Uint8Array, field: string, cur: unknown) => unknown }
  /**
   * A pointer to a type with UnmarshalText (`*regexp.Regexp`): `null` sets nil, a string goes to
   * `unmarshal` (its error ends decoding), anything else is a type error naming `name`.
   */
  | { readonly kind: "text"; readonly name: string; readonly unmarshal: (text: string, field: string) => unknown };

/** One exported struct field under its JSON name (the tag's name, else the Go field name). */
export interface GoField {
  readonly json: string;
  readonly type: GoType;
}

/**
 * Decoded values: string, boolean, bigint (every int kind), Uint8Array, arrays,
 * null-prototype records for maps and structs (a struct record always holds
 * every field), `undefined` for nil pointers, slices, maps and interfaces.
 */
export type GoValue = unknown;

/** The zero value of a Go type, as a fresh struct field or map element starts. */
export function goZero(t: GoType): GoValue {
  switch (t.kind) {
    case "string":
      return "";
    case "bool":
      return false;
    case "int":
      return 0n;
    case "struct": {
      const o: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const f of t.fields) o[f.json] = goZero(f.type);
      return o;
    }
    default:
      return undefined;
  }
}

const shortName = (name: string): string => name.slice(name.lastIndexOf(".") + 1);

class Decoder {
  i = 0;
  saved: PkiError | undefined;
  /** Go's errorContext: the innermost struct entered and the JSON names of the fields on the way. */
  struct = "";
  fieldStack: string[] = [];

  constructor(private readonly b: Uint8Array) {}

  private ws(): void {
    for (;;) {
      const c = this.b[this.i];
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return;
      this.i++;
    }
  }

  private path(): string {
    return this.fieldStack.join(".");
  }

  /** Go's saveError of an UnmarshalTypeError with addErrorContext: only the first is kept, decoding goes on. */
  private typeError(what: string, goType: string): void {
    if (this.saved) return;
    const path = this.path();
    const message =
      this.struct !== "" || path !== ""
        ? `json: cannot unmarshal ${what} into Go struct field ${this.struct}.${path} of type ${goType}`
        : `json: cannot unmarshal ${what} into Go value of type ${goType}`;
    this.saved = new PkiError("input-invalid", message, path ? { field: path } : undefined);
  }

  private saveError(message: string): void {
    if (this.saved) return;
    const path = this.path();
    this.saved = new PkiError("input-invalid", message, path ? { field: path } : undefined);
  }

  /** Skips one value (the text is known to be valid); iterative, so any nesting depth is safe. */
  private skip(): void {
    const b = this.b;
    let depth = 0;
    for (;;) {
      this.ws();
      const c = b[this.i]!;
      if (c === 0x22) {
        this.i = readGoJsonString(b, this.i).end;
      } else if (c === 0x7b || c === 0x5b) {
        depth++;
        this.i++;
        continue;
      } else if (c === 0x7d || c === 0x5d) {
        depth--;
        this.i++;
      } else if (c === 0x2c || c === 0x3a) {
        this.i++;
        continue;
      } else {
        while (this.i < b.length && !isDelimiter(b[this.i]!)) this.i++;
      }
      if (depth === 0) return;
    }
  }

  private raw(): Uint8Array {
    const start = this.i;
    this.skip();
    return this.b.subarray(start, this.i);
  }

  value(t: GoType, cur: GoValue): GoValue {
    this.ws();
    if (t.kind === "custom") return t.unmarshal(this.raw(), this.path(), cur);
    const c = this.b[this.i]!;
    if (t.kind === "text") {
      if (c === 0x22) {
        const { value, end } = readGoJsonString(this.b, this.i);
        this.i = end;
        return t.unmarshal(value, this.path());
      }
      if (c === 0x6e) {
        this.i += 4;
        return undefined;
      }
      const what = c === 0x7b ? "object" : c === 0x5b ? "array" : c === 0x74 || c === 0x66 ? "bool" : "number";
      this.skip();
      this.typeError(what, t.name);
      return cur;
    }
    if (t.kind === "ptr") {
      if (c === 0x6e) {
        this.i += 4;
        return undefined;
      }
      return this.value(t.elem, cur ?? goZero(t.elem));
    }
    if (t.kind === "interface" && t.empty) {
      // interface{} takes the generic value (maps, slices, float64 numbers).
      return parseGoJson(this.raw());
    }
    if (c === 0x7b) return this.object(t, cur);
    if (c === 0x5b) return this.array(t, cur);
    return this.literal(t, cur);
  }

  private object(t: GoType, cur: GoValue): GoValue {
    if (t.kind !== "map" && t.kind !== "struct") {
      this.typeError("object", typeString(t));
      this.skip();
      return cur;
    }
    const target = (cur as Record<string, unknown> | undefined) ?? (t.kind === "map" ? (Object.create(null) as Record<string, unknown>) : (goZero(t) as Record<string, unknown>));
    const b = this.b;
    this.i++; // {
    for (;;) {
      this.ws();
      if (b[this.i] === 0x7d) {
        this.i++;
        return target;
      }
      const { value: key, end } = readGoJsonString(b, this.i);
      this.i = end;
      this.ws();
      this.i++; // :
      if (t.kind === "map") {
        // Each map value decodes into a fresh zero element, then replaces the key's entry.
        const v = this.value(t.elem, goZero(t.elem));
        Object.defineProperty(target, key, { value: v, writable: true, enumerable: true, configurable: true });
      } else {
        const f = findField(t, key);
        if (f === undefined) {
          this.skip();
        } else {
          const depth = this.fieldStack.length;
          const outer = this.struct;
          this.fieldStack.push(f.json);
          this.struct = shortName(t.name);
          target[f.json] = this.value(f.type, target[f.json]);
          this.fieldStack.length = depth;
          this.struct = outer;
        }
      }
      this.ws();
      if (b[this.i] === 0x2c) this.i++;
    }
  }

  private array(t: GoType, cur: GoValue): GoValue {
    if (t.kind !== "slice" && t.kind !== "bytes") {
      this.typeError("array", typeString(t));
      this.skip();
      return cur;
    }
    const elem: GoType = t.kind === "slice" ? t.elem : UINT8;
    // Go decodes into the slice's existing elements first (a repeated key merges into them).
    const arr: unknown[] = t.kind === "slice" && Array.isArray(cur) ? cur : t.kind === "bytes" && cur instanceof Uint8Array ? [...cur].map(BigInt) : [];
    const b = this.b;
    this.i++; // [
    let n = 0;
    for (;;) {
      this.ws();
      if (b[this.i] === 0x5d) {
        this.i++;
        break;
      }
      arr[n] = this.value(elem, n < arr.length ? arr[n] : goZero(elem));
      n++;
      this.ws();
      if (b[this.i] === 0x2c) this.i++;
    }
    arr.length = n;
    return t.kind === "bytes" ? Uint8Array.from(arr as bigint[], Number) : arr;
  }

  private literal(t: GoType, cur: GoValue): GoValue {
    const b = this.b;
    const c = b[this.i]!;
    if (c === 0x22) {
      const { value, end } = readGoJsonString(b, this.i);
      this.i = end;
      if (t.kind === "string") return value;
      if (t.kind === "bytes") {
        const decoded = decodeStdBase64(value);
        if (typeof decoded === "string") {
          this.saveError(decoded);
          return cur;
        }
        return decoded;
      }
      this.typeError("string", typeString(t));
      return cur;
    }
    const start = this.i;
    while (this.i < b.length && !isDelimiter(b[this.i]!)) this.i++;
    const text = new TextDecoder().decode(b.subarray(start, this.i));
    if (text === "null") {
      // Go zeroes pointers, maps, slices and interfaces on null; other kinds keep their value.
      return t.kind === "map" || t.kind === "slice" || t.kind === "bytes" || t.kind === "interface" ? undefined : cur;
    }
    if (text === "true" || text === "false") {
      if (t.kind === "bool") return text === "true";
      this.typeError("bool", typeString(t));
      return cur;
    }
    if (t.kind === "int") {
      const n = parseGoInt(text, t.bits, t.unsigned === true);
      if (n === undefined) {
        this.typeError(`number ${text}`, t.name);
        return cur;
      }
      return n;
    }
    this.typeError("number", typeString(t));
    return cur;
  }
}

const UINT8: GoType = { kind: "int", name: "uint8", bits: 8, unsigned: true };

function isDelimiter(c: number): boolean {
  return c === 0x2c || c === 0x5d || c === 0x7d || c === 0x3a || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** reflect's Type.String() for a type error: a pointer has already been followed to its element. */
function typeString(t: GoType): string {
  return t.kind === "ptr" ? typeString(t.elem) : t.name;
}

/** Go routes a key to the field with exactly its name, else to the first field that folds to the same. */
function findField(t: { fields: readonly GoField[] }, key: string): GoField | undefined {
  const exact = t.fields.find((f) => f.json === key);
  if (exact) return exact;
  const folded = foldName(key);
  return t.fields.find((f) => foldName(f.json) === folded);
}

/** strconv.ParseInt/ParseUint of a JSON number literal plus reflect's overflow check; undefined where Go fails. */
function parseGoInt(text: string, bits: number, unsigned: boolean): bigint | undefined {
  if (!/^-?[0-9]+$/.test(text)) return undefined;
  const n = BigInt(text);
  const span = 1n << BigInt(bits);
  if (unsigned) return text.startsWith("-") || n >= span ? undefined : n;
  return n >= span / 2n || n < -span / 2n ? undefined : n;
}

/**
 * base64.StdEncoding.Decode as encoding/json calls it on the string's UTF-8
 * bytes: padding required, CR and LF skipped.
 * @returns the bytes, or Go's CorruptInputError text (its offset counts bytes).
 */
function decodeStdBase64(s: string): Uint8Array | string {
  const latin1 = Buffer.from(s, "utf8").toString("latin1");
  const bad = goBase64ErrorOffset(latin1);
  if (bad !== undefined) return `illegal base64 data at input byte ${bad}`;
  return new Uint8Array(Buffer.from(latin1.replace(/[\r\n]/g, ""), "base64"));
}

/**
 * json.Unmarshal(text, &v) where v is a `t` holding `initial` (a pointer
 * target already allocated, say): Go's syntax check first, then one pass in
 * document order. A type mismatch is remembered and decoding goes on, so the
 * error returned is the first one in the text, unless a type with its own
 * UnmarshalJSON fails later, which ends decoding with that error (Go returns
 * it in preference to the remembered one). Repeated keys are decoded again
 * over the earlier value, merging structs and slices as Go does.
 *
 * Limitation: a slice Go shrank and regrows keeps stale elements from its
 * spare capacity; here it starts from zero values.
 *
 * @throws PkiError `input-invalid` with Go's text (syntax or first type error); a custom type's own error unchanged.
 */
export function unmarshalGoJson(text: string | Uint8Array, t: GoType, initial?: GoValue): GoValue {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const syntax = checkGoJsonSyntax(bytes);
  if (syntax !== undefined) throw new PkiError("input-invalid", syntax);
  const d = new Decoder(bytes);
  const v = d.value(t, initial === undefined ? goZero(t) : initial);
  if (d.saved) throw d.saved;
  return v;
}

/**
 * A decoded Go int as a JS number. Go takes any int64; beyond 2^53 a number
 * would round, so such a value is refused (a deliberate difference).
 * @throws PkiError `input-invalid` naming the field.
 */
export function goIntToNumber(v: GoValue, field: string): number {
  const n = v as bigint;
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new PkiError("input-invalid", `${field}: ${n} is beyond the integers k8s-pki represents exactly (2^53)`, { field });
  }
  return Number(n);
}
