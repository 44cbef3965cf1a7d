// Go's net/url parsing and printing (Go 1.26): parse (url.Parse and
// url.ParseRequestURI) and URL.String(). Go works on bytes and percent-decoding
// can produce any byte, so this runs on "byte strings" (one char per UTF-8
// byte). cfssl puts ParseRequestURI's re-serialised form into a URI SAN, and
// crypto/x509 reads a URI SAN through url.Parse.

import { isDigitCode, parseNetipAddr } from "./net.js";

const enum Enc {
  Path,
  Host,
  Zone,
  UserPassword,
  Fragment,
}

const utf8 = new TextEncoder();

/** A JS string as Go's bytes: one char per UTF-8 byte. */
function toByteString(s: string): string {
  let out = "";
  for (const b of utf8.encode(s)) out += String.fromCharCode(b);
  return out;
}

const utf8Decoder = new TextDecoder();

/** Go's bytes (one char per byte) back to a JS string, decoded as UTF-8. */
export function fromByteString(s: string): string {
  // Most URLs are ASCII, where bytes and characters are the same thing.
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  return utf8Decoder.decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
}

/** net/url shouldEscape (gen_encoding_table.go) for the modes parsing and String() use. */
function shouldEscape(c: number, mode: Enc): boolean {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigitCode(c)) return false;
  const ch = String.fromCharCode(c);
  if ((mode === Enc.Host || mode === Enc.Zone) && c < 0x80 && "!$&'()*+,;=:[]<>\"".includes(ch)) return false;
  if (c < 0x80 && "-_.~".includes(ch)) return false;
  if (c < 0x80 && "$&+,/:;=?@".includes(ch)) {
    switch (mode) {
      case Enc.Path:
        return ch === "?";
      case Enc.UserPassword:
        return ch === "@" || ch === "/" || ch === "?" || ch === ":";
      case Enc.Fragment:
        return false;
      default:
        break; // host and zone fall through to "escape everything else"
    }
  }
  // The fragment leaves these sub-delims alone (Go issue 19917).
  if (mode === Enc.Fragment && c < 0x80 && "!()*".includes(ch)) return false;
  return true;
}

function isHexCode(c: number): boolean {
  return isDigitCode(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function unhex(c: number): number {
  return isDigitCode(c) ? c - 0x30 : (c | 0x20) - 0x57;
}

/** net/url unescape; undefined where Go returns an EscapeError or InvalidHostError. */
function unescape(s: string, mode: Enc): string | undefined {
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= s.length || !isHexCode(s.charCodeAt(i + 1)) || !isHexCode(s.charCodeAt(i + 2))) return undefined;
      const triple = s.slice(i, i + 3);
      // A host may only %-encode non-ASCII bytes, plus %25 for an IPv6 zone.
      if (mode === Enc.Host && unhex(s.charCodeAt(i + 1)) < 8 && triple !== "%25") return undefined;
      if (mode === Enc.Zone) {
        const v = (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2));
        if (triple !== "%25" && v !== 0x20 && shouldEscape(v, Enc.Host)) return undefined;
      }
      i += 3;
    } else {
      if ((mode === Enc.Host || mode === Enc.Zone) && c < 0x80 && shouldEscape(c, mode)) return undefined;
      i++;
    }
  }
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function escape(s: string, mode: Enc): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += shouldEscape(c, mode) ? "%" + c.toString(16).toUpperCase().padStart(2, "0") : s[i];
  }
  return out;
}

function validOptionalPort(port: string): boolean {
  return port === "" || /^:[0-9]*$/.test(port);
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

/** net/url validEncoded, for the path and the fragment. */
function validEncoded(s: string, mode: Enc): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80 && "!$&'()*+,;=:@[]%".includes(s[i]!)) continue;
    if (shouldEscape(c, mode)) return false;
  }
  return true;
}

/** Go's url.URL, over byte strings. */
export interface GoUrl {
  scheme: string;
  opaque: string;
  user: { username: string; password: string | undefined } | undefined;
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
  forceQuery: boolean;
  omitHost: boolean;
  fragment: string;
  rawFragment: string;
}

/** getScheme: [scheme, rest], or undefined for Go's "missing protocol scheme". */
function getScheme(raw: string): [string, string] | undefined {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if (isDigitCode(c) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ["", raw];
      continue;
    }
    if (c === 0x3a) return i === 0 ? undefined : [raw.slice(0, i), raw.slice(i + 1)];
    return ["", raw];
  }
  return ["", raw];
}

/** Go 1.26's colon rule for hosts: see parseHost. */
export interface ColonRule {
  /** GODEBUG urlstrictcolons=1 (Go 1.26's default): for http and https, the first colon starts the port. */
  strictColons: boolean;
}

function parseHost(host: string, scheme = "", rule: ColonRule = { strictColons: false }): string | undefined {
  const open = host.lastIndexOf("[");
  if (open > 0) return undefined;
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close < 0) return undefined;
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) return undefined;
    const port = unescape(colonPort, Enc.Host);
    if (port === undefined) return undefined;
    const hostname = host.slice(1, close);
    let unescaped: string | undefined;
    const zoneIdx = hostname.indexOf("%25");
    if (zoneIdx >= 0) {
      const h = unescape(hostname.slice(0, zoneIdx), Enc.Host);
      const z = unescape(hostname.slice(zoneIdx), Enc.Zone);
      unescaped = h === undefined || z === undefined ? undefined : h + z;
    } else {
      unescaped = unescape(hostname, Enc.Host);
    }
    if (unescaped === undefined) return undefined;
    // Only IPv6 (v4-mapped included) may be bracketed.
    const addr = parseNetipAddr(unescaped);
    if (addr === undefined || addr.bytes.length === 4) return undefined;
    return `[${unescaped}]${port}`;
  }
  const firstColon = host.indexOf(":");
  if (firstColon >= 0) {
    // Go 1.26 checks the FIRST colon for http/https unless GODEBUG
    // urlstrictcolons=0, which is the default for cfssl (its go.mod says go
    // 1.18); other schemes and older Go use the last colon.
    const strict = rule.strictColons && (scheme === "http" || scheme === "https");
    const colonPort = host.slice(strict ? firstColon : host.lastIndexOf(":"));
    if (!validOptionalPort(colonPort)) return undefined;
  }
  return unescape(host, Enc.Host);
}

function parseAuthority(authority: string, scheme: string, rule: ColonRule): Pick<GoUrl, "user" | "host"> | undefined {
  const at = authority.lastIndexOf("@");
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1), scheme, rule);
  if (host === undefined) return undefined;
  if (at < 0) return { user: undefined, host };
  const userinfo = authority.slice(0, at);
  if (!validUserinfo(userinfo)) return undefined;
  const colon = userinfo.indexOf(":");
  const username = unescape(colon < 0 ? userinfo : userinfo.slice(0, colon), Enc.UserPassword);
  const password = colon < 0 ? undefined : unescape(userinfo.slice(colon + 1), Enc.UserPassword);
  if (username === undefined || (colon >= 0 && password === undefined)) return undefined;
  return { user: { username, password }, host };
}

/** net/url parse(rawURL, viaRequest), over a byte string. */
function parseUrlPart(raw: string, viaRequest: boolean, rule: ColonRule): GoUrl | undefined {
  if (/[\x00-\x1f\x7f]/.test(raw)) return undefined; // "invalid control character in URL"
  if (raw === "" && viaRequest) return undefined;
  const url: GoUrl = {
    scheme: "",
    opaque: "",
    user: undefined,
    host: "",
    path: "",
    rawPath: "",
    rawQuery: "",
    forceQuery: false,
    omitHost: false,
    fragment: "",
    rawFragment: "",
  };
  // OPTIONS * HTTP/1.1: Go lets the bare asterisk through as a path.
  if (raw === "*") {
    url.path = "*";
    return url;
  }
  const schemeRest = getScheme(raw);
  if (schemeRest === undefined) return undefined;
  let rest: string;
  [url.scheme, rest] = schemeRest;
  url.scheme = url.scheme.toLowerCase();

  if (rest.endsWith("?") && rest.indexOf("?") === rest.length - 1) {
    url.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) {
      url.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }

  if (!rest.startsWith("/")) {
    // A rootless rest after a scheme is opaque and never validated ("localhost:8080").
    if (url.scheme !== "") {
      url.opaque = rest;
      return url;
    }
    if (viaRequest) return undefined; // "invalid URI for request"
    // "first path segment in URL cannot contain colon"
    if (rest.split("/")[0]!.includes(":")) return undefined;
  }

  if ((url.scheme !== "" || (!viaRequest && !rest.startsWith("///"))) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const auth = parseAuthority(authority, url.scheme, rule);
    if (auth === undefined) return undefined;
    url.user = auth.user;
    url.host = auth.host;
  } else if (url.scheme !== "" && rest.startsWith("/")) {
    url.omitHost = true;
  }

  const path = unescape(rest, Enc.Path);
  if (path === undefined) return undefined;
  url.path = path;
  url.rawPath = escape(path, Enc.Path) === rest ? "" : rest;
  return url;
}

function escapedPath(u: GoUrl): string {
  if (u.rawPath !== "" && validEncoded(u.rawPath, Enc.Path) && unescape(u.rawPath, Enc.Path) === u.path) return u.rawPath;
  if (u.path === "*") return "*";
  return escape(u.path, Enc.Path);
}

/** net/url URL.String(). */
export function formatGoUrl(u: GoUrl): string {
  let buf = "";
  if (u.scheme !== "") buf += u.scheme + ":";
  if (u.opaque !== "") {
    buf += u.opaque;
  } else {
    if (u.scheme !== "" || u.host !== "" || u.user !== undefined) {
      if (!(u.omitHost && u.host === "" && u.user === undefined)) {
        if (u.host !== "" || u.path !== "" || u.user !== undefined) buf += "//";
        if (u.user !== undefined) {
          buf += escape(u.user.username, Enc.UserPassword);
          if (u.user.password !== undefined) buf += ":" + escape(u.user.password, Enc.UserPassword);
          buf += "@";
        }
        if (u.host !== "") buf += escape(u.host, Enc.Host);
      }
    }
    const path = escapedPath(u);
    if (path !== "" && path[0] !== "/" && u.host !== "") buf += "/";
    // RFC 3986 §4.2: a colon in the first segment would read as a scheme.
    if (buf === "" && path.split("/")[0]!.includes(":")) buf += "./";
    buf += path;
  }
  if (u.forceQuery || u.rawQuery !== "") buf += "?" + u.rawQuery;
  if (u.fragment !== "") {
    const raw = u.rawFragment;
    buf += "#" + (raw !== "" && validEncoded(raw, Enc.Fragment) && unescape(raw, Enc.Fragment) === u.fragment ? raw : escape(u.fragment, Enc.Fragment));
  }
  return buf;
}

/** net/url Parse, over a byte string: the fragment is cut at the first "#", the rest parsed as a reference. */
export function parseGoUrl(raw: string, rule: ColonRule): GoUrl | undefined {
  const hash = raw.indexOf("#");
  const u = parseUrlPart(hash < 0 ? raw : raw.slice(0, hash), false, rule);
  if (u === undefined || hash < 0) return u;
  const frag = raw.slice(hash + 1);
  if (frag === "") return u;
  const f = unescape(frag, Enc.Fragment);
  if (f === undefined) return undefined;
  u.fragment = f;
  u.rawFragment = escape(f, Enc.Fragment) === frag ? "" : frag;
  return u;
}

/**
 * Go's `url.ParseRequestURI(s)` followed by `URL.String()`, which is what
 * cfssl puts into a URI SAN. Accepts `scheme:anything` (so `localhost:8080`
 * is scheme `localhost` with opaque `8080`), absolute paths (`/foo`) and the
 * lone `*`; a `#` is not a fragment separator here and ends up escaped as
 * `%23` in a path. The scheme is lower-cased; paths and hosts are re-escaped.
 * Bracketed hosts follow Go 1.26 (must be IPv6); colons in a host follow
 * cfssl's effective GODEBUG urlstrictcolons=0 (the last colon starts the port).
 *
 * @returns the re-serialised URI, or undefined where Go returns an error.
 */
export function parseGoRequestUri(s: string): string | undefined {
  const u = parseUrlPart(toByteString(s), true, { strictColons: false });
  return u === undefined ? undefined : fromByteString(formatGoUrl(u));
}
