// Go's encoding/json syntax check (Go 1.26, scanner.go and checkValid): a byte
// state machine, ported state for state so that every syntax error carries Go's
// exact text, which cfssl prints verbatim.

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
export const SIMPLE_ESCAPES: ReadonlyMap<number, number> = new Map([
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

/** Go's checkValid: undefined when `data` is one valid JSON value, else Go's syntax error text. */
export function checkGoJsonSyntax(data: Uint8Array): string | undefined {
  const scan = new Scanner();
  for (const c of data) {
    if (!scan.feed(c)) return scan.err;
  }
  return scan.eof();
}
