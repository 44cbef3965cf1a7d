// Go's json.Unmarshal into interface{} (Go 1.26, decode.go's *Interface
// functions): the generic value, built after the syntax check, with Go's
// duplicate-key and U+FFFD rules. Unmarshal into Go types is decode.ts.

import { PkiError } from "../../errors.js";
import { checkGoJsonSyntax } from "./scanner.js";
import { readGoJsonString } from "./string.js";

const ascii = new TextDecoder();

class Builder {
  i = 0;
  constructor(private readonly b: Uint8Array) {}

  private readString(): string {
    const { value, end } = readGoJsonString(this.b, this.i);
    this.i = end;
    return value;
  }

  private ws(): void {
    for (;;) {
      const c = this.b[this.i];
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return;
      this.i++;
    }
  }

  private literalEnd(): number {
    let j = this.i;
    for (;;) {
      const c = this.b[j];
      if (c === undefined || c === 0x2c || c === 0x5d || c === 0x7d || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
        return j;
      }
      j++;
    }
  }

  private scalar(): unknown {
    const c = this.b[this.i]!;
    if (c === 0x22) return this.readString();
    const end = this.literalEnd();
    const text = ascii.decode(this.b.subarray(this.i, end));
    this.i = end;
    if (text === "true") return true;
    if (text === "false") return false;
    if (text === "null") return null;
    // Out-of-range literals become ±Infinity; the typed accessors reject them.
    const n = Number(text);
    return n;
  }

  /** Iterative so that Go's full nesting depth of 10000 cannot overflow the JS stack. */
  value(): unknown {
    const b = this.b;
    const stack: Frame[] = [];
    for (;;) {
      // Here a value starts (after its key, inside an object) or an empty container ends.
      this.ws();
      const top = stack[stack.length - 1];
      const c = b[this.i];
      if (top === undefined || (c !== 0x7d && c !== 0x5d)) {
        if (top !== undefined && !Array.isArray(top.container)) {
          top.key = this.readString();
          this.ws();
          this.i++; // the colon
          this.ws();
        }
        const first = b[this.i];
        if (first === 0x7b || first === 0x5b) {
          this.i++;
          stack.push({ container: first === 0x7b ? {} : [], key: "" });
          continue;
        }
        const v = this.scalar();
        if (top === undefined) return v;
        store(top, v);
      }
      // After a value: either a comma (next element) or closing brackets.
      for (;;) {
        this.ws();
        const t = stack[stack.length - 1]!;
        if (b[this.i] === 0x2c) {
          this.i++;
          break;
        }
        this.i++;
        stack.pop();
        const parent = stack[stack.length - 1];
        if (parent === undefined) return t.container;
        store(parent, t.container);
      }
    }
  }
}

interface Frame {
  container: unknown[] | Record<string, unknown>;
  key: string;
}

function store(frame: Frame, v: unknown): void {
  if (Array.isArray(frame.container)) {
    frame.container.push(v);
    return;
  }
  const obj = frame.container;
  // Go assigns keys in document order, so a repeated key must move to the end:
  // then "last matching key in insertion order" is Go's winner (see getField).
  if (Object.hasOwn(obj, frame.key)) delete obj[frame.key];
  // defineProperty so that a "__proto__" key is plain data, not the prototype.
  Object.defineProperty(obj, frame.key, { value: v, writable: true, enumerable: true, configurable: true });
}

/**
 * Parses JSON as Go's `json.Unmarshal` would accept it: the same syntax, the
 * same error texts (`unexpected end of JSON input`, `invalid character 'x'
 * looking for beginning of value`, ...), invalid UTF-8 and unpaired `\u`
 * surrogates replaced by U+FFFD, and duplicate keys resolved to the last one.
 * Object keys are ordered by their LAST occurrence in the text, which
 * {@link getField} relies on to reproduce Go's decoding order.
 *
 * Numbers become JS numbers; literals beyond float64 range become ±Infinity.
 *
 * @throws PkiError `input-invalid` with Go's syntax error message. Never a SyntaxError.
 */
export function parseGoJson(text: string | Uint8Array): unknown {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const err = checkGoJsonSyntax(bytes);
  if (err !== undefined) throw new PkiError("input-invalid", err);
  return new Builder(bytes).value();
}
