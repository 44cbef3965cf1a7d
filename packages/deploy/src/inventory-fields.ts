// Readers for the inventory sections that live beside the component that
// uses them (host, images, containerd): each error names the field, as the
// rest of the inventory's do.
import { DeployError } from "./errors.js";

export type Fields = Record<string, unknown>;

export const invalidField = (field: string, message: string): DeployError => new DeployError("inventory-invalid", `${field}: ${message}`, { field });

export const typeName = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** A mapping; absent (undefined or null) reads as an empty one. */
export function mappingAt(v: unknown, field: string): Fields {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw invalidField(field, `must be a mapping, not ${typeName(v)}`);
  return v as Fields;
}

export function rejectUnknown(o: Fields, known: readonly string[], field: string): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) throw invalidField(`${field}.${k}`, `unknown field (known: ${known.join(", ")})`);
}

export function readBoolean(o: Fields, key: string, field: string, def: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== "boolean") throw invalidField(field, `must be true or false, not ${JSON.stringify(v)}`);
  return v;
}

/** A list of strings; a single string is a list of one. */
export function readStringList(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  const list: unknown = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list)) throw invalidField(field, `must be a list of strings, not ${typeName(v)}`);
  return list.map((x: unknown, i) => {
    if (typeof x !== "string" || x === "") throw invalidField(`${field}[${i}]`, `must be a non-empty string, not ${JSON.stringify(x)}`);
    return x;
  });
}

/**
 * An http(s) URL that goes into a systemd unit or a TOML string as it is: no
 * whitespace, quotes, backslashes or `$` (a `%` is doubled where systemd needs it).
 */
export function readUrl(v: unknown, field: string): string {
  if (typeof v !== "string" || v === "") throw invalidField(field, `must be an http(s) URL, not ${JSON.stringify(v)}`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw invalidField(field, `${JSON.stringify(v)} is not a URL`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw invalidField(field, `${JSON.stringify(v)} is not an http or https URL`);
  if (/[\s"'\\$`]/.test(v)) throw invalidField(field, `${JSON.stringify(v)} has whitespace, a quote, a backslash or a $`);
  return v;
}
