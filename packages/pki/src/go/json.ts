// Go encoding/json reading: Go's syntax errors (scanner.go), string unquoting and key folding; Unmarshal into Go types is json-decode.ts.

import { PkiError } from "../errors.js";

// ---------------------------------------------------------------------------
// Syntax check: a port of encoding/json/scanner.go, so that every syntax error
// carries Go's exact text (cfssl prints it verbatim).
// ---------------------------------------------------------------------------

/** Go's maxNestingDepth. */
const MAX_DEPTH = 10000;

const enum Step {
  BeginValueOrEmpty,
  BeginValue,
  BeginStringOrEmpty,
  BeginString,
  EndValue,
  EndTop,
  InString,
  InStringEsc,
  InStringEscU,
  InStringEscU1,
  InStringEscU12,
  InStringEscU123,
  Neg,
  One,
  Zero,
  Dot,
  Dot0,
  E,
  ESign,
  E0,
  T,
  Tr,
  Tru,
  F,
  Fa,
  Fal,
  Fals,
  N,
  Nu,
  Nul,
}

const enum Parse {
  ObjectKey,
  ObjectValue,
  ArrayValue,
}

/** The one-letter escapes after a backslash, and the byte each stands for. */
const SIMPLE_ESCAPES: ReadonlyMap<number, number> = new Map([
  [0x62, 0x08], // b
  [0x66, 0x0c], // f
  [0x6e, 0x0a], // n
  [0x72, 0x0d], // r
  [0x74, 0x09], // t
  [0x5c, 0x5c],
  [0x2f, 0x2f],
  [0x22, 0x22],
]);

/** Go's quoteChar: a byte shown as strconv.Quote(string(rune(c))) between single quotes. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  return `'${quoteRune(c)}'`;
}

/** strconv.Quote's escaping of one rune in U+0000..U+00FF (all a byte can become). */
function quoteRune(c: number): string {
  switch (c) {
    case 0x07:
      return "\\a";
    case 0x08:
      return "\\b";
    case 0x0c:
      return "\\f";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x0b:
      return "\\v";
    case 0x5c:
      return "\\\\";
  }
  if (c < 0x20 || c === 0x7f) return "\\x" + c.toString(16).padStart(2, "0");
  // strconv.IsPrint is false for the C1 controls, NBSP and the soft hyphen.
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return "\\u" + c.toString(16).padStart(4, "0");
  return String.fromCharCode(c);
}

class Scanner {
  step: Step = Step.BeginValue;
  readonly parseState: Parse[] = [];
  endTop = false;
  err: string | undefined;

  private error(c: number, context: string): false {
    this.err = `invalid character ${quoteChar(c)} ${context}`;
    return false;
  }

  private push(c: number, p: Parse): boolean {
    this.parseState.push(p);
    return this.parseState.length <= MAX_DEPTH || this.error(c, "exceeded max depth");
  }

  private pop(): void {
    this.parseState.pop();
    if (this.parseState.length === 0) {
      this.step = Step.EndTop;
      this.endTop = true;
    } else {
      this.step = Step.EndValue;
    }
  }

  /** Feeds one byte; false on a syntax error (then `err` is set). */
  feed(c: number): boolean {
    const space = c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
    const digit = c >= 0x30 && c <= 0x39;
    const hex = digit || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
    switch (this.step) {
      case Step.BeginValueOrEmpty:
        if (space) return true;
        if (c === 0x5d) return this.endValue(c, space);
        return this.beginValue(c, space);
      case Step.BeginValue:
        return this.beginValue(c, space);
      case Step.BeginStringOrEmpty:
        if (space) return true;
        if (c === 0x7d) {
          this.parseState[this.parseState.length - 1] = Parse.ObjectValue;
          return this.endValue(c, space);
        }
        return this.beginString(c, space);
      case Step.BeginString:
        return this.beginString(c, space);
      case Step.EndValue:
        return this.endValue(c, space);
      case Step.EndTop:
        return space || this.error(c, "after top-level value");
      case Step.InString:
        if (c === 0x22) this.step = Step.EndValue;
        else if (c === 0x5c) this.step = Step.InStringEsc;
        else if (c < 0x20) return this.error(c, "in string literal");
        return true;
      case Step.InStringEsc:
        if (SIMPLE_ESCAPES.has(c)) {
          this.step = Step.InString;
          return true;
        }
        if (c === 0x75) {
          this.step = Step.InStringEscU;
          return true;
        }
        return this.error(c, "in string escape code");
      case Step.InStringEscU:
        return this.hexDigit(c, hex, Step.InStringEscU1);
      case Step.InStringEscU1:
        return this.hexDigit(c, hex, Step.InStringEscU12);
      case Step.InStringEscU12:
        return this.hexDigit(c, hex, Step.InStringEscU123);
      case Step.InStringEscU123:
        return this.hexDigit(c, hex, Step.InString);
      case Step.Neg:
        if (c === 0x30) this.step = Step.Zero;
        else if (digit) this.step = Step.One;
        else return this.error(c, "in numeric literal");
        return true;
      case Step.One:
        if (digit) return true;
        return this.zero(c, space);
      case Step.Zero:
        return this.zero(c, space);
      case Step.Dot:
        if (digit) {
          this.step = Step.Dot0;
          return true;
        }
        return this.error(c, "after decimal point in numeric literal");
      case Step.Dot0:
        if (digit) return true;
        if (c === 0x65 || c === 0x45) {
          this.step = Step.E;
          return true;
        }
        return this.endValue(c, space);
      case Step.E:
        if (c === 0x2b || c === 0x2d) {
          this.step = Step.ESign;
          return true;
        }
        return this.eSign(c);
      case Step.ESign:
        return this.eSign(c);
      case Step.E0:
        if (digit) return true;
        return this.endValue(c, space);
      case Step.T:
        return this.literal(c, 0x72, Step.Tr, "in literal true (expecting 'r')");
      case Step.Tr:
        return this.literal(c, 0x75, Step.Tru, "in literal true (expecting 'u')");
      case Step.Tru:
        return this.literal(c, 0x65, Step.EndValue, "in literal true (expecting 'e')");
      case Step.F:
        return this.literal(c, 0x61, Step.Fa, "in literal false (expecting 'a')");
      case Step.Fa:
        return this.literal(c, 0x6c, Step.Fal, "in literal false (expecting 'l')");
      case Step.Fal:
        return this.literal(c, 0x73, Step.Fals, "in literal false (expecting 's')");
      case Step.Fals:
        return this.literal(c, 0x65, Step.EndValue, "in literal false (expecting 'e')");
      case Step.N:
        return this.literal(c, 0x75, Step.Nu, "in literal null (expecting 'u')");
      case Step.Nu:
        return this.literal(c, 0x6c, Step.Nul, "in literal null (expecting 'l')");
      case Step.Nul:
        return this.literal(c, 0x6c, Step.EndValue, "in literal null (expecting 'l')");
    }
  }

  private hexDigit(c: number, hex: boolean, next: Step): boolean {
    if (!hex) return this.error(c, "in \\u hexadecimal character escape");
    this.step = next;
    return true;
  }

  private literal(c: number, want: number, next: Step, context: string): boolean {
    if (c !== want) return this.error(c, context);
    this.step = next;
    return true;
  }

  private beginValue(c: number, space: boolean): boolean {
    if (space) return true;
    switch (c) {
      case 0x7b: // {
        this.step = Step.BeginStringOrEmpty;
        return this.push(c, Parse.ObjectKey);
      case 0x5b: // [
        this.step = Step.BeginValueOrEmpty;
        return this.push(c, Parse.ArrayValue);
      case 0x22:
        this.step = Step.InString;
        return true;
      case 0x2d:
        this.step = Step.Neg;
        return true;
      case 0x30:
        this.step = Step.Zero;
        return true;
      case 0x74:
        this.step = Step.T;
        return true;
      case 0x66:
        this.step = Step.F;
        return true;
      case 0x6e:
        this.step = Step.N;
        return true;
    }
    if (c >= 0x31 && c <= 0x39) {
      this.step = Step.One;
      return true;
    }
    return this.error(c, "looking for beginning of value");
  }

  private beginString(c: number, space: boolean): boolean {
    if (space) return true;
    if (c === 0x22) {
      this.step = Step.InString;
      return true;
    }
    return this.error(c, "looking for beginning of object key string");
  }

  private zero(c: number, space: boolean): boolean {
    if (c === 0x2e) {
      this.step = Step.Dot;
      return true;
    }
    if (c === 0x65 || c === 0x45) {
      this.step = Step.E;
      return true;
    }
    return this.endValue(c, space);
  }

  private eSign(c: number): boolean {
    if (c >= 0x30 && c <= 0x39) {
      this.step = Step.E0;
      return true;
    }
    return this.error(c, "in exponent of numeric literal");
  }

  private endValue(c: number, space: boolean): boolean {
    const n = this.parseState.length;
    if (n === 0) {
      this.step = Step.EndTop;
      this.endTop = true;
      return space || this.error(c, "after top-level value");
    }
    if (space) {
      this.step = Step.EndValue;
      return true;
    }
    switch (this.parseState[n - 1]!) {
      case Parse.ObjectKey:
        if (c === 0x3a) {
          this.parseState[n - 1] = Parse.ObjectValue;
          this.step = Step.BeginValue;
          return true;
        }
        return this.error(c, "after object key");
      case Parse.ObjectValue:
        if (c === 0x2c) {
          this.parseState[n - 1] = Parse.ObjectKey;
          this.step = Step.BeginString;
          return true;
        }
        if (c === 0x7d) {
          this.pop();
          return true;
        }
        return this.error(c, "after object key:value pair");
      case Parse.ArrayValue:
        if (c === 0x2c) {
          this.step = Step.BeginValue;
          return true;
        }
        if (c === 0x5d) {
          this.pop();
          return true;
        }
        return this.error(c, "after array element");
    }
  }

  /** Go's scanner.eof: a trailing space either completes the value or exposes the error. */
  eof(): string | undefined {
    if (this.err !== undefined) return this.err;
    if (this.endTop) return undefined;
    this.feed(0x20);
    if (this.endTop) return undefined;
    return this.err ?? "unexpected end of JSON input";
  }
}

/** Go's checkValid: the message of the first syntax error, or undefined. */
/** Go's checkValid: undefined when `data` is one valid JSON value, else Go's syntax error text. */
export function checkGoJsonSyntax(data: Uint8Array): string | undefined {
  return checkValid(data);
}

function checkValid(data: Uint8Array): string | undefined {
  const scan = new Scanner();
  for (const c of data) {
    if (!scan.feed(c)) return scan.err;
  }
  return scan.eof();
}

// ---------------------------------------------------------------------------
// Value building over input already known to be valid.
// ---------------------------------------------------------------------------

/** Go's utf8.DecodeRune: [rune, size]; invalid or truncated sequences give [0xFFFD, 1]. */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const b0 = b[i]!;
  if (b0 < 0x80) return [b0, 1];
  const cont = (k: number, lo = 0x80, hi = 0xbf): number | undefined => {
    const x = b[i + k];
    return x !== undefined && x >= lo && x <= hi ? x & 0x3f : undefined;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1);
    if (c1 !== undefined) return [((b0 & 0x1f) << 6) | c1, 2];
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    // E0 excludes overlongs, ED excludes the UTF-16 surrogates.
    const c1 = cont(1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf);
    const c2 = c1 === undefined ? undefined : cont(2);
    if (c1 !== undefined && c2 !== undefined) return [((b0 & 0x0f) << 12) | (c1 << 6) | c2, 3];
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf);
    const c2 = c1 === undefined ? undefined : cont(2);
    const c3 = c2 === undefined ? undefined : cont(3);
    if (c1 !== undefined && c2 !== undefined && c3 !== undefined) {
      return [((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, 4];
    }
  }
  return [0xfffd, 1];
}

function hex4(b: Uint8Array, i: number): number {
  if (b[i] !== 0x5c || b[i + 1] !== 0x75) return -1;
  let r = 0;
  for (let k = 2; k < 6; k++) {
    const c = b[i + k];
    if (c === undefined) return -1;
    let v: number;
    if (c >= 0x30 && c <= 0x39) v = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) v = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) v = c - 0x37;
    else return -1;
    r = r * 16 + v;
  }
  return r;
}

const ascii = new TextDecoder();

class Builder {
  i = 0;
  constructor(private readonly b: Uint8Array) {}

  private ws(): void {
    for (;;) {
      const c = this.b[this.i];
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return;
      this.i++;
    }
  }

  /** Go's unquoteBytes: bad UTF-8 and unpaired surrogates become U+FFFD, as Go stores them. */
  string(): string {
    const b = this.b;
    this.i++; // opening quote
    const units: number[] = [];
    let out = "";
    const put = (cp: number): void => {
      if (cp > 0xffff) {
        cp -= 0x10000;
        units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      } else {
        units.push(cp);
      }
      if (units.length > 8192) {
        out += String.fromCharCode(...units);
        units.length = 0;
      }
    };
    for (;;) {
      const c = b[this.i]!;
      if (c === 0x22) {
        this.i++;
        break;
      }
      if (c === 0x5c) {
        const e = b[this.i + 1]!;
        if (e === 0x75) {
          let r = hex4(b, this.i);
          this.i += 6;
          if (r >= 0xd800 && r < 0xe000) {
            const r1 = hex4(b, this.i);
            if (r < 0xdc00 && r1 >= 0xdc00 && r1 < 0xe000) {
              this.i += 6;
              put(0x10000 + ((r - 0xd800) << 10) + (r1 - 0xdc00));
              continue;
            }
            r = 0xfffd;
          }
          put(r);
          continue;
        }
        put(SIMPLE_ESCAPES.get(e)!);
        this.i += 2;
        continue;
      }
      const [r, size] = decodeRune(b, this.i);
      put(r);
      this.i += size;
    }
    return out + String.fromCharCode(...units);
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
    if (c === 0x22) return this.string();
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
          top.key = this.string();
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

/**
 * Go's unquote of the JSON string that starts (at its opening quote) at
 * `start` in text already checked by {@link checkGoJsonSyntax}.
 * @returns the string and the index just past its closing quote.
 */
export function readGoJsonString(b: Uint8Array, start: number): { value: string; end: number } {
  const r = new Builder(b);
  r.i = start;
  const value = r.string();
  return { value, end: r.i };
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
  const err = checkValid(bytes);
  if (err !== undefined) throw new PkiError("input-invalid", err);
  return new Builder(bytes).value();
}


// ---------------------------------------------------------------------------
// Field matching: which JSON key lands in which struct field.
// ---------------------------------------------------------------------------

/**
 * Go's foldName for one code point: ASCII folds to upper case; other runes to
 * the smallest rune of their case orbit. Only U+017F (long s) and U+212A
 * (Kelvin sign) fold into ASCII in Go's tables, so matching against an ASCII
 * field name is exact; for non-ASCII names the orbit is approximated from the
 * JS case mappings (Go's own tables differ between Unicode versions anyway).
 */
function foldRune(cp: number): number {
  if (cp < 0x80) return cp >= 0x61 && cp <= 0x7a ? cp - 0x20 : cp;
  if (cp === 0x17f) return 0x53;
  if (cp === 0x212a) return 0x4b;
  const c = String.fromCodePoint(cp);
  const candidates = [c.toUpperCase(), c.toLowerCase()];
  for (const x of [...candidates]) candidates.push(x.toUpperCase(), x.toLowerCase());
  let best = cp;
  for (const x of candidates) {
    const y = x.codePointAt(0)!;
    if (x.length === String.fromCodePoint(y).length && y >= 0x80 && y < best) best = y;
  }
  return best;
}

/** Go's foldName: the key under which a JSON object key matches a struct field case-insensitively. */
export function foldName(s: string): string {
  let out = "";
  // Lone surrogates reach Go as U+FFFD.
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += String.fromCodePoint(cp >= 0xd800 && cp < 0xe000 ? 0xfffd : foldRune(cp));
  }
  return out;
}
