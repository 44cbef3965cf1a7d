// Go's net and net/netip IP parsing and printing (Go 1.26): net.ParseIP (which
// delegates to netip.ParseAddr), net.ParseCIDR, net.IP.String and the To4 rule
// crypto/x509 applies to iPAddress SANs.
//
// The one IP/CIDR parser of the monorepo: cfssl's host classification, the
// x509 readers and @k8s/deploy's IPv4 inventory helpers all go through it,
// because what counts as an address decides what kind of SAN a string
// becomes, so a parser that is "nearly" Go's would silently change certificates.

/** A parsed address as netip.Addr holds it. */
export interface NetAddr {
  /** 4 bytes for an IPv4 address, 16 for IPv6 (including v4-mapped). */
  bytes: Uint8Array;
  zone: string;
}

export function isDigitCode(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** netip.parseIPv4Fields; since Go 1.17 an octet may not have a leading zero. */
function parseIPv4Fields(s: string, out: Uint8Array, at: number): boolean {
  let val = 0;
  let pos = 0;
  let digLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigitCode(c)) {
      if (digLen === 1 && val === 0) return false; // leading zero
      val = val * 10 + (c - 0x30);
      digLen++;
      if (val > 255) return false;
    } else if (c === 0x2e) {
      if (i === 0 || i === s.length - 1 || s[i - 1] === ".") return false; // empty field
      if (pos === 3) return false; // too long
      out[at + pos] = val;
      pos++;
      val = 0;
      digLen = 0;
    } else {
      return false;
    }
  }
  if (pos < 3) return false;
  out[at + 3] = val;
  return true;
}

function parseIPv6(input: string): NetAddr | undefined {
  let s = input;
  let zone = "";
  const pct = s.indexOf("%");
  if (pct !== -1) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === "") return undefined;
  }

  const ip = new Uint8Array(16);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ":" && s[1] === ":") {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return { bytes: ip, zone };
  }

  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const c = s.charCodeAt(off);
      let v: number;
      if (isDigitCode(c)) v = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) v = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) v = c - 0x37;
      else break;
      acc = acc * 16 + v;
      if (off > 3) return undefined; // more than 4 hex digits
      if (acc > 0xffff) return undefined;
    }
    if (off === 0) return undefined;

    if (off < s.length && s[off] === ".") {
      // Embedded IPv4 must be the last 32 bits.
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      if (!parseIPv4Fields(s, ip, i)) return undefined;
      s = "";
      i += 4;
      break;
    }

    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;

    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ":" || s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) return undefined; // second ::
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return undefined;

  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    return undefined; // "::" must stand for at least one group
  }
  return { bytes: ip, zone };
}

/** netip.ParseAddr: the first '.', ':' or '%' decides the family. */
export function parseNetipAddr(s: string): NetAddr | undefined {
  for (let i = 0; i < s.length; i++) {
    switch (s[i]) {
      case ".": {
        const ip = new Uint8Array(4);
        return parseIPv4Fields(s, ip, 0) ? { bytes: ip, zone: "" } : undefined;
      }
      case ":":
        return parseIPv6(s);
      case "%":
        return undefined;
    }
  }
  return undefined;
}

/**
 * Go's `net.ParseIP`: dotted IPv4 with exactly four decimal octets 0-255 and
 * no leading zeros, or IPv6 (with `::`, an embedded IPv4 tail, no zone).
 *
 * Go always returns 16 bytes; this returns 4 for dotted IPv4 and 16 for IPv6,
 * so `::ffff:1.2.3.4` (16) and `1.2.3.4` (4) stay distinguishable. Both end up
 * as the same 4-byte SAN, see {@link ipForSan}.
 *
 * @returns the address bytes, or undefined where Go returns nil.
 */
export function parseGoIp(s: string): Uint8Array | undefined {
  const addr = parseNetipAddr(s);
  if (addr === undefined || addr.zone !== "") return undefined;
  return addr.bytes;
}

/** Go's net.IP.To4: the IPv4 form of a 4-byte or v4-mapped 16-byte address. */
function to4(ip: Uint8Array): Uint8Array | undefined {
  if (ip.length === 4) return ip;
  if (ip.length === 16 && ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) {
    return ip.slice(12, 16);
  }
  return undefined;
}

/**
 * The bytes Go's crypto/x509 writes into an iPAddress SAN (marshalSANs uses
 * `ip.To4()` when it is non-nil): 4 bytes for IPv4 and IPv4-mapped IPv6,
 * otherwise the address unchanged.
 */
export function ipForSan(bytes: Uint8Array): Uint8Array {
  return to4(bytes) ?? bytes;
}

/**
 * Go's `net.IP.String()`: dotted IPv4 (also for IPv4-mapped IPv6), RFC 5952
 * IPv6 (lower-case hex, longest run of two or more zero groups as `::`, the
 * first run on a tie), `<nil>` for no bytes and `?` plus hex for other lengths.
 */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 0) return "<nil>";
  if (bytes.length !== 4 && bytes.length !== 16) {
    return "?" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  const v4 = to4(bytes);
  if (v4 !== undefined) return Array.from(v4).join(".");

  const group = (k: number): number => (bytes[2 * k]! << 8) | bytes[2 * k + 1]!;
  let zeroStart = 255;
  let zeroEnd = 255;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && group(j) === 0) j++;
    const l = j - i;
    if (l >= 2 && l > zeroEnd - zeroStart) {
      zeroStart = i;
      zeroEnd = j;
    }
  }
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === zeroStart) {
      out += "::";
      i = zeroEnd;
      if (i >= 8) break;
    } else if (i > 0) {
      out += ":";
    }
    out += group(i).toString(16);
  }
  return out;
}

/** What {@link parseGoCidr} returns: the address as written and the prefix length. */
export interface GoCidr {
  /** 4 bytes for a dotted IPv4 address, 16 for IPv6 (v4-mapped included), as {@link parseGoIp} returns them. */
  ip: Uint8Array;
  /** The prefix length: at most 32 for 4 bytes, 128 for 16. */
  bits: number;
}

/** Go's dtoi: the decimal digits at the start of `s`, with Go's cap (big = 0xFFFFFF) on the value. */
function dtoi(s: string): { n: number; i: number; ok: boolean } {
  const big = 0xffffff;
  let n = 0;
  let i = 0;
  for (; i < s.length && isDigitCode(s.charCodeAt(i)); i++) {
    n = n * 10 + (s.charCodeAt(i) - 0x30);
    if (n >= big) return { n: big, i, ok: false };
  }
  return i === 0 ? { n: 0, i: 0, ok: false } : { n, i, ok: true };
}

/**
 * Go's `net.ParseCIDR`: an address as {@link parseGoIp} reads it (no zone),
 * "/" and a decimal prefix length within the address's bit length. Unlike
 * netip.ParsePrefix, Go's dtoi lets leading zeros through (`10.0.0.0/08`).
 * Go also returns the masked network; mask {@link GoCidr.ip} with `bits` for it.
 *
 * @returns the address and prefix length, or undefined where Go returns an error.
 */
export function parseGoCidr(s: string): GoCidr | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const addr = parseNetipAddr(s.slice(0, slash));
  if (addr === undefined || addr.zone !== "") return undefined;
  const mask = s.slice(slash + 1);
  const { n, i, ok } = dtoi(mask);
  if (!ok || i !== mask.length || n > addr.bytes.length * 8) return undefined;
  return { ip: addr.bytes, bits: n };
}
