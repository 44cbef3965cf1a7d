// Go's regexp (Go 1.26; RE2 syntax as regexp/syntax parses it) for cfssl's
// name_whitelist, run on JavaScript's engine: the pattern is translated where
// the two differ (leading flag groups, \A, \z, \Q..\E, POSIX classes, \pL,
// (?P<name>), escaped punctuation), and refused where Go refuses it
// (lookaround, backreferences, repeat counts over 1000). Constructs with no
// JavaScript equivalent (ungreedy (?U), flags inside the pattern) are refused
// too, so a pattern is never silently given another meaning.

const CATEGORIES = new Set([
  "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N", "Nd", "Nl", "No",
  "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs",
]);

const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7f",
  blank: "\\t ",
  cntrl: "\\x00-\\x1f\\x7f",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/** Thrown for a pattern Go's regexp.Compile rejects or that has no JavaScript equivalent. */
export class GoRegexpError extends Error {
  override readonly name = "GoRegexpError";
}

const hex = (c: string): string => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
const escapeLiteral = (s: string): string => [...s].map((c) => (/[A-Za-z0-9]/.test(c) || c.charCodeAt(0) > 0x7f ? c : hex(c))).join("");

function unicodeClass(name: string, negated: boolean): string {
  const neg = name.startsWith("^") !== negated;
  const n = name.replace(/^\^/, "");
  if (n === "Any") return neg ? "[^\\s\\S]" : "[\\s\\S]";
  const body = CATEGORIES.has(n) ? n : /^[A-Z][A-Za-z_]*$/.test(n) ? `Script=${n}` : undefined;
  if (!body) throw new GoRegexpError(`invalid character class range: \\p{${name}}`);
  return `\\${neg ? "P" : "p"}{${body}}`;
}

/** Compiles a Go regexp into an equivalent JavaScript RegExp (flag "u"), or throws {@link GoRegexpError}. */
export function compileGoRegexp(src: string): RegExp {
  let flags = "u";
  let i = 0;
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === "U") throw new GoRegexpError("ungreedy (?U) has no JavaScript equivalent");
      if (!"ims".includes(f)) throw new GoRegexpError(`invalid or unsupported Perl syntax: (?${lead[1]})`);
      if (!flags.includes(f)) flags += f;
    }
    i = lead[0].length;
  }
  let out = "";
  let inClass = false;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\\") {
      const n = src[i + 1];
      if (n === undefined) throw new GoRegexpError("trailing backslash at end of expression");
      if (/[0-9]/.test(n)) throw new GoRegexpError(`invalid escape sequence: \\${n}`);
      if (n === "Q") {
        const end = src.indexOf("\\E", i + 2);
        const lit = end < 0 ? src.slice(i + 2) : src.slice(i + 2, end);
        out += escapeLiteral(lit);
        i = end < 0 ? src.length : end + 2;
        continue;
      }
      if (n === "A" || n === "z") {
        if (inClass) throw new GoRegexpError(`invalid escape sequence: \\${n}`);
        out += n === "A" ? "(?<![\\s\\S])" : "(?![\\s\\S])";
        i += 2;
        continue;
      }
      if (n === "p" || n === "P") {
        const braced = /^\{([^}]*)\}/.exec(src.slice(i + 2));
        const name = braced ? braced[1]! : src[i + 2];
        if (!name) throw new GoRegexpError("invalid character class range");
        out += unicodeClass(name, n === "P");
        i += 2 + (braced ? braced[0].length : 1);
        continue;
      }
      if (n === "x") {
        const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(src.slice(i + 2));
        const two = /^[0-9A-Fa-f]{2}/.exec(src.slice(i + 2));
        if (braced) {
          out += `\\u{${braced[1]}}`;
          i += 2 + braced[0].length;
        } else if (two) {
          out += `\\x${two[0]}`;
          i += 4;
        } else throw new GoRegexpError("invalid escape sequence: \\x");
        continue;
      }
      if (n === "a") {
        out += "\\x07";
        i += 2;
        continue;
      }
      if (/[A-Za-z]/.test(n)) {
        if (!"dDsSwWfntrv".includes(n) && !(!inClass && "bB".includes(n))) throw new GoRegexpError(`invalid escape sequence: \\${n}`);
        out += `\\${n}`;
        i += 2;
        continue;
      }
      if (n.charCodeAt(0) > 0x7f) throw new GoRegexpError(`invalid escape sequence: \\${n}`);
      out += hex(n); // Go lets any ASCII punctuation be escaped; JavaScript's "u" mode does not.
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === "[" && src.startsWith("[:", i)) {
        const end = src.indexOf(":]", i + 2);
        const name = end < 0 ? undefined : src.slice(i + 2, end);
        if (name !== undefined && POSIX[name]) {
          out += POSIX[name];
          i = end + 2;
          continue;
        }
        if (name?.startsWith("^")) throw new GoRegexpError("negated POSIX classes are not supported");
      }
      if (c === "]") inClass = false;
      out += c === "[" ? "\\[" : c;
      i++;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += "[";
      i++;
      if (src[i] === "^") {
        out += "^";
        i++;
      }
      if (src[i] === "]") {
        out += "\\]"; // a leading ] is a literal in Go; "[]" is an empty class in JavaScript
        i++;
      }
      continue;
    }
    if (c === "(" && src[i + 1] === "?") {
      const rest = src.slice(i);
      if (rest.startsWith("(?:")) {
        out += "(?:";
        i += 3;
        continue;
      }
      const named = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(rest);
      if (named) {
        out += `(?<${named[1]}>`;
        i += named[0].length;
        continue;
      }
      throw new GoRegexpError(`invalid or unsupported Perl syntax: ${rest.slice(0, 3)}`);
    }
    if (c === "{") {
      const rep = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (rep) {
        if (Number(rep[1]) > 1000 || (rep[3] !== undefined && rep[3] !== "" && Number(rep[3]) > 1000)) throw new GoRegexpError(`invalid repeat count: ${rep[0]}`);
        out += rep[0];
        i += rep[0].length;
        continue;
      }
      out += "\\{"; // a literal brace in Go
      i++;
      continue;
    }
    out += c === "}" ? "\\}" : c;
    i++;
  }
  if (inClass) throw new GoRegexpError("missing closing ]");
  try {
    return new RegExp(out, flags);
  } catch (e) {
    throw new GoRegexpError(e instanceof Error ? e.message : String(e));
  }
}
