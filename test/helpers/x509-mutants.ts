// Deterministic mutants of certification requests and certificates for the differential test against Go.
//
// From one seed the same sequence of mutations is chosen every run (keys are fixed too, so RSA and Ed25519
// signatures are the same bytes; ECDSA signatures are randomized by OpenSSL, so only their bytes vary). Most mutants
// are structure-aware (the DER tree is edited: tags, lengths, string types, children dropped, duplicated or
// reordered, huge INTEGERs and OIDs, extension-request values and attributes swapped) and re-signed with the base's
// key, so they get past the signature check to the code that reads them; the rest are byte-level edits of the DER
// or of the PEM text.
import { createPrivateKey, createPublicKey, verify, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  OIDS,
  SIG_ALGS,
  TAG,
  attribute,
  basicConstraintsExt,
  buildCertificate,
  buildCsr,
  der,
  ext,
  extKeyUsageExt,
  extensionRequest,
  integerContent,
  keyUsageExt,
  nodeSubject,
  oidContent,
  pem,
  readTlv,
  san,
  sanExt,
  signBytes,
  tlv,
  type Atv,
  type CertOptions,
  type LengthForm,
  type SigAlg,
  type StringType,
} from "./crafted-requests.js";

export type MutantKind = "csr" | "cert";

export interface Mutant {
  /** e.g. "csr/tree/resigned#123: retag+dup-child". */
  name: string;
  kind: MutantKind;
  /** The input text as bytes (PEM, possibly malformed). */
  input: Buffer;
}

// ------------------------------------------------------------------------------------------------ PRNG

/** xorshift128+ on 32-bit halves (sfc32): small, fast and the same on every platform. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.next();
  }
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

// ------------------------------------------------------------------------------------------------ fixed keys

const here = fileURLToPath(new URL(".", import.meta.url));

/** Ed25519 from a fixed 32-byte seed (PKCS#8 wrapper of RFC 8410). */
function ed25519FromSeed(seedByte: number): KeyObject {
  const prefix = Buffer.from("302e020100300506032b657004220420", "hex");
  return createPrivateKey({ key: Buffer.concat([prefix, Buffer.alloc(32, seedByte)]), format: "der", type: "pkcs8" });
}

/** P-256 / P-384 from a fixed scalar (SEC1 without the public key; OpenSSL derives it). */
function ecFromScalar(curveOid: string, scalar: Buffer): KeyObject {
  const sec1 = der.seq(der.int(1), der.octets(scalar), der.explicit(0, der.oid(curveOid)));
  return createPrivateKey({ key: sec1, format: "der", type: "sec1" });
}

export interface KeySet {
  p256: KeyObject;
  p384: KeyObject;
  ed25519: KeyObject;
  /** The cfssl fixture CA's key (test/fixtures/cfssl/ca-key.pem). */
  cfsslCa: KeyObject;
  rsa?: KeyObject;
}

let keys: KeySet | undefined;

export function fixedKeys(): KeySet {
  if (!keys) {
    keys = {
      p256: ecFromScalar("1.2.840.10045.3.1.7", Buffer.alloc(32, 0x11)),
      p384: ecFromScalar("1.3.132.0.34", Buffer.alloc(48, 0x22)),
      ed25519: ed25519FromSeed(0x33),
      cfsslCa: createPrivateKey(readFileSync(`${here}/../fixtures/cfssl/ca-key.pem`, "utf8")),
    };
  }
  return keys;
}

// ------------------------------------------------------------------------------------------------ DER tree

/** An editable DER node. Extension values (OCTET STRING) and public keys (BIT STRING) that hold DER are opened up. */
export interface Node {
  id: Buffer;
  content?: Buffer;
  kids?: Node[];
  encap?: "octet" | "bit";
  form?: LengthForm;
}

function parseNodes(buf: Buffer, start: number, end: number, depth: number): Node[] | undefined {
  const out: Node[] = [];
  for (let p = start; p < end; ) {
    const h = readTlv(buf, p, end);
    if (!h) return undefined;
    const n = parseNode(buf.subarray(p, h.end), buf[p]!, buf.subarray(h.contentStart, h.end), depth);
    out.push(n);
    p = h.end;
  }
  return out;
}

function parseNode(_raw: Buffer, tag: number, content: Buffer, depth: number): Node {
  const id = Buffer.from([tag]);
  if (depth < 24) {
    if (tag & 0x20) {
      const kids = parseNodes(content, 0, content.length, depth + 1);
      if (kids) return { id, kids };
    } else if (tag === TAG.OCTET_STRING && content.length > 1 && (content[0] === 0x30 || content[0] === 0x03 || content[0] === 0x04)) {
      const kids = parseNodes(content, 0, content.length, depth + 1);
      if (kids && kids.length === 1) return { id, kids, encap: "octet" };
    } else if (tag === TAG.BIT_STRING && content.length > 2 && content[0] === 0 && content[1] === 0x30) {
      const kids = parseNodes(content, 1, content.length, depth + 1);
      if (kids && kids.length === 1) return { id, kids, encap: "bit" };
    }
  }
  return { id, content: Buffer.from(content) };
}

export function parseTree(d: Buffer): Node | undefined {
  const h = readTlv(d, 0);
  if (!h || h.end !== d.length) return undefined;
  return parseNode(d, d[0]!, d.subarray(h.contentStart, h.end), 0);
}

export function encodeTree(n: Node): Buffer {
  let content: Buffer;
  if (n.kids) {
    const inner = Buffer.concat(n.kids.map(encodeTree));
    content = n.encap === "bit" ? Buffer.concat([Buffer.from([0]), inner]) : inner;
  } else content = n.content ?? Buffer.alloc(0);
  return tlv(n.id, content, n.form);
}

interface Located {
  node: Node;
  parent?: Node;
  index: number;
  depth: number;
}

function allNodes(root: Node): Located[] {
  const out: Located[] = [];
  const visit = (node: Node, parent: Node | undefined, index: number, depth: number) => {
    out.push({ node, parent, index, depth });
    node.kids?.forEach((k, i) => visit(k, node, i, depth + 1));
  };
  visit(root, undefined, 0, 0);
  return out;
}

const clone = (n: Node): Node => ({ ...n, id: Buffer.from(n.id), content: n.content && Buffer.from(n.content), kids: n.kids?.map(clone) });

// ------------------------------------------------------------------------------------------------ value pools

const STRING_TYPES: StringType[] = ["utf8", "printable", "t61", "ia5", "visible", "universal", "bmp", "numeric"];
const INTERESTING_TAGS = [
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x12, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1a, 0x1c, 0x1e, 0x30, 0x31, 0x80, 0x81, 0x82,
  0x86, 0x87, 0x88, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0x00, 0x1f, 0x3f, 0xff,
];
const TEXTS = [
  "system:node:evil",
  "system:masters",
  "",
  "a\u0000b",
  "é",
  "\u{1F600}",
  "x".repeat(300),
  "*.example.com",
  "a&b",
  "a_b",
  "12 34",
  "kubernetes.default.svc",
  "\u00a0",
  "\ufeff",
  "\uffff",
];
const OID_POOL = [
  OIDS.commonName,
  OIDS.organization,
  OIDS.organizationalUnit,
  OIDS.country,
  OIDS.serialNumber,
  OIDS.emailAddress,
  OIDS.extensionRequest,
  OIDS.challengePassword,
  OIDS.subjectAltName,
  OIDS.basicConstraints,
  OIDS.keyUsage,
  OIDS.extKeyUsage,
  "2.5.29.32",
  "2.5.29.30",
  "1.3.6.1.5.5.7.1.1",
  "1.2.3.4",
  "2.999.1",
  "0.0",
  "1.2.2147483647",
  "1.2.2147483648",
  "1.2.18446744073709551616",
];

function stringValue(rng: Rng, type: StringType): Buffer {
  return der.str(type, rng.pick(TEXTS));
}

function weirdOid(rng: Rng): Buffer {
  switch (rng.int(6)) {
    case 0:
      return der.oid(`1.2.${"9".repeat(rng.pick([10, 40, 400, 5000]))}`);
    case 1:
      return der.oid("1.2." + Array(rng.pick([50, 500, 4000])).fill("840").join("."));
    case 2:
      return tlv(TAG.OID, Buffer.alloc(0));
    case 3:
      // A non-minimal arc (leading 0x80), which DER forbids.
      return tlv(TAG.OID, Buffer.concat([Buffer.from([0x2a, 0x80]), oidContent("1.2.3").subarray(1)]));
    case 4:
      return tlv(TAG.OID, Buffer.from([0x2a, 0x86])); // truncated arc
    default:
      return der.oid(rng.pick(OID_POOL));
  }
}

function weirdInt(rng: Rng): Buffer {
  switch (rng.int(7)) {
    case 0:
      return der.hugeInt(rng.pick([9, 17, 21, 100, 1000, 20_000, 60_000]));
    case 1:
      return der.int(-BigInt(rng.int(1000) + 1));
    case 2:
      return tlv(TAG.INTEGER, Buffer.from([0x00, 0x01])); // non-minimal
    case 3:
      return tlv(TAG.INTEGER, Buffer.alloc(0));
    case 4:
      return der.int(rng.pick([0n, 1n, 2n, 3n, 127n, 128n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 63n, -(2n ** 63n)]));
    case 5:
      return tlv(TAG.INTEGER, Buffer.from([0xff, 0x80])); // non-minimal negative
    default:
      return der.int(BigInt(rng.int(100)));
  }
}

function weirdSanEntry(rng: Rng): Buffer {
  switch (rng.int(14)) {
    case 12:
    case 13:
      return san.uri(uriText(rng));
    case 0:
      return san.constructedDns("evil.example");
    case 1:
      return san.ip("::ffff:10.96.0.1");
    case 2:
      return san.ip(rng.bytes(rng.pick([0, 3, 5, 8, 15, 17, 32])));
    case 3:
      return san.raw(0x82, Buffer.from([0x61, 0x80 + rng.int(128)]));
    case 4:
      return san.uri(uriText(rng));
    case 5:
      return san.email(rng.pick(["a@b", "", "é@x", "a"]));
    case 6:
      return rng.chance(0.5) ? san.dns(rng.pick(["", "evil", "*.evil", "EVIL", "a..b", "-a", "a.", " a"])) : san.raw(rng.pick([0x81, 0x82, 0x86]), stringBytes(rng));
    case 7:
      return tlv(0xa0, Buffer.concat([der.oid("1.3.6.1.4.1.311.20.2.3"), der.explicit(0, der.str("utf8", "evil"))]));
    case 8:
      return tlv(0xa4, der.seq(der.set(der.seq(der.oid(OIDS.commonName), der.str("utf8", "evil")))));
    case 9:
      return san.raw(0x88, oidContent("1.2.3"));
    case 10:
      return san.raw(rng.pick([0x83, 0x85, 0xa5, 0xa6, 0xa7, 0x89, 0x9f]), rng.bytes(rng.int(6)));
    default: {
      if (rng.chance(0.5)) return san.ip(rng.bytes(4));
      // IPv6 with runs of zero groups where net.IP.String compresses (or does not), and v4-mapped/compatible forms.
      const b = Buffer.alloc(16);
      for (let g = 0; g < 8; g++) if (rng.chance(0.4)) b.writeUInt16BE(rng.pick([1, 0xffff, 0xdb8, 0x2001, rng.int(0x10000)]), g * 2);
      if (rng.chance(0.2)) b.writeUInt16BE(0xffff, 10);
      return san.ip(b);
    }
  }
}

function weirdExtension(rng: Rng): Buffer {
  switch (rng.int(8)) {
    case 0:
      return sanExt(Array.from({ length: 1 + rng.int(3) }, () => weirdSanEntry(rng)), rng.chance(0.2));
    case 1:
      return basicConstraintsExt(rng.chance(0.5), rng.chance(0.6) ? weirdInt(rng) : undefined, rng.chance(0.5));
    case 2:
      return keyUsageExt([rng.int(9), rng.int(9)]);
    case 3:
      return extKeyUsageExt([rng.pick([OIDS.clientAuth, OIDS.serverAuth, "2.5.29.37.0", "1.2.3.4"])]);
    case 4:
      return ext(OIDS.subjectAltName, Buffer.concat([der.seq(san.dns("a")), rng.bytes(1 + rng.int(4))]));
    case 5:
      return ext(rng.pick(OID_POOL), rng.bytes(rng.int(10)), rng.chance(0.3));
    case 6:
      return der.seq(weirdOid(rng), der.octets(der.null()));
    default:
      return ext(OIDS.subjectAltName, der.seq(san.dns("evil"), san.ip("10.96.0.1")), rng.chance(0.5) ? 0x01 : undefined);
  }
}

// ------------------------------------------------------------------------------------------------ grammars

/** Bytes a string value may hold, biased to the edges of each string type's alphabet. */
function stringBytes(rng: Rng): Buffer {
  const pieces = [
    () => Buffer.from(rng.pick(["a", "Z", "0", " ", "'", "*", "&", "_", "@", ":", "=", "?", "/", "-", ".", ","])),
    () => Buffer.from([rng.pick([0x00, 0x7f, 0x80, 0xa0, 0xc3, 0xe9, 0xff, 0xfe, 0x0a, 0x1f])]),
    () => Buffer.from(rng.pick(["é", "\u00a0", "\ufeff", "\uffff", "\ufdd0", "\u{1F600}", "\u0000"]), "utf8"),
    () => Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate: not valid UTF-8
    () => Buffer.from([0xc0, 0x80]), // overlong NUL
    () => Buffer.from([0xf4, 0x90, 0x80, 0x80]), // above U+10FFFF
    () => Buffer.from([0x00, rng.int(256)]),
    () => Buffer.from([0xd8, 0x00, 0xdc, 0x00]),
    () => Buffer.from([0x00, 0x11, 0x00, 0x00]),
    () => Buffer.from([0x00, 0x00, 0x00, rng.int(256)]),
  ];
  const parts: Buffer[] = [];
  for (let i = 0, n = rng.int(7); i < n; i++) parts.push(rng.pick(pieces)());
  return Buffer.concat(parts);
}

/** URI text from pieces url.Parse treats specially (schemes, brackets, escapes, ports, userinfo, controls). */
function uriText(rng: Rng): string {
  const scheme = rng.pick(["https://", "spiffe://", "http:", "urn:", "mailto:", "a+b.c-d:", "1a:", "://", "", "//", "HTTP://", "x:"]);
  const user = rng.chance(0.15) ? rng.pick(["u@", "u:p@", "@", "u%41@", "a b@", "[@"]) : "";
  const host = rng.pick(["node-a", "example.com", "[::1]", "[fe80::1%25eth0]", "[::1", "10.0.0.1", "a..b", "-a", "a_b", "ex%41mple", "é", "", "*.a", "a.", ".a", "A"]);
  const port = rng.chance(0.2) ? rng.pick([":443", ":", ":x", ":65536", ":-1", ":0443"]) : "";
  const path = rng.pick(["", "/", "/a/b", "/a%2fb", "/%zz", "/a b", "/a\u0000b", "/;x", "a/b", "/..", "/\u007f", "/%", "/%E9"]);
  const query = rng.chance(0.2) ? rng.pick(["?a=b", "?", "?%zz", "?a b", "?;"]) : "";
  const frag = rng.chance(0.15) ? rng.pick(["#f", "#", "#%zz", "#a#b"]) : "";
  return scheme + user + host + port + path + query + frag;
}

/** A Time value: UTCTime or GeneralizedTime text from digit groups, offsets and fractions Go's layouts may refuse. */
function timeValue(rng: Rng): Buffer {
  const d2 = () => rng.pick(["00", "01", "09", "12", "13", "28", "29", "30", "31", "23", "24", "59", "60", "99", "0", "1a"]);
  const utc = rng.chance(0.5);
  const year = utc ? rng.pick(["49", "50", "99", "00", "25", "5"]) : rng.pick(["2025", "2049", "2050", "0000", "9999", "1950", "2024", "202"]);
  let text = year + d2() + d2() + d2() + d2() + (rng.chance(0.85) ? d2() : "");
  if (rng.chance(0.2)) text += rng.pick([".5", ".50", ".", ".0", ",5", ".123456789"]);
  text += rng.pick(["Z", "Z", "Z", "z", "", "+0000", "-0130", "+01", "Z ", "ZZ"]);
  return tlv(utc ? TAG.UTC_TIME : rng.chance(0.95) ? TAG.GENERALIZED_TIME : TAG.PRINTABLE, Buffer.from(text, "latin1"));
}

/** An identifier in the high-tag-number form (X.690 8.1.2.4), which cryptobyte and encoding/asn1 read differently. */
function highTag(rng: Rng): Buffer {
  const cls = rng.pick([0x00, 0x80, 0xa0, 0x20]);
  return Buffer.from(rng.pick([[cls | 0x1f, 0x1f], [cls | 0x1f, 0x02], [cls | 0x1f, 0x81, 0x00], [cls | 0x1f, 0x80, 0x02], [cls | 0x1f, 0xff, 0xff, 0xff, 0x7f], [cls | 0x1f]]));
}

let spkiPool: Buffer[] | undefined;

/** SubjectPublicKeyInfos for every branch of Go's parsePublicKey, valid and not. */
function spkis(): Buffer[] {
  if (spkiPool) return spkiPool;
  const k = fixedKeys();
  const spkiDer = (key: KeyObject) => createPublicKey(key).export({ type: "spki", format: "der" }) as Buffer;
  const ecAlg = (curve: string) => der.seq(der.oid(OIDS.ecPublicKey), der.oid(curve));
  const p256 = spkiDer(k.p256);
  const point = p256.subarray(p256.length - 65);
  const rsaSpki = (n: Buffer, e: Buffer, params: Buffer[] = [der.null()]) => der.seq(der.seq(der.oid(OIDS.rsaEncryption), ...params), der.bits(der.seq(n, e)));
  const modulus = tlv(TAG.INTEGER, Buffer.concat([Buffer.from([0x00, 0xc1]), Buffer.alloc(255, 0x5b)]));
  const pool: Buffer[] = [
    p256,
    spkiDer(k.p384),
    spkiDer(k.ed25519),
    der.seq(ecAlg("1.2.840.10045.3.1.7"), der.bits(Buffer.concat([Buffer.from([0x02]), point.subarray(1, 33)]))), // compressed
    der.seq(ecAlg("1.2.840.10045.3.1.7"), der.bits(Buffer.concat([Buffer.from([0x04]), Buffer.alloc(64, 1)]))), // off the curve
    der.seq(ecAlg("1.2.840.10045.3.1.7"), der.bits(Buffer.from([0x00]))), // infinity
    der.seq(ecAlg("1.2.840.10045.3.1.7"), der.bits(point.subarray(0, 64))), // short
    der.seq(ecAlg("1.3.132.0.10"), der.bits(point)), // secp256k1
    der.seq(ecAlg("1.3.132.0.33"), der.bits(point)), // P-224 OID, P-256 point
    der.seq(der.seq(der.oid(OIDS.ecPublicKey), der.null()), der.bits(point)),
    der.seq(der.seq(der.oid(OIDS.ecPublicKey)), der.bits(point)),
    der.seq(der.seq(der.oid(OIDS.ecPublicKey), der.seq(der.int(1))), der.bits(point)), // explicit curve parameters
    der.seq(der.seq(der.oid(OIDS.ed25519), der.null()), der.bits(Buffer.alloc(32, 9))),
    der.seq(der.seq(der.oid(OIDS.ed25519)), der.bits(Buffer.alloc(31, 9))),
    der.seq(der.seq(der.oid("1.3.101.110")), der.bits(Buffer.alloc(32, 9))), // X25519
    der.seq(der.seq(der.oid("1.3.101.113")), der.bits(Buffer.alloc(57, 9))), // Ed448
    der.seq(der.seq(der.oid("1.2.840.10040.4.1"), der.seq(der.int(23n), der.int(11n), der.int(4n))), der.bits(der.int(8n))), // DSA
    der.seq(der.seq(der.oid("1.2.840.10040.4.1")), der.bits(der.int(8n))),
    rsaSpki(modulus, der.int(65537)),
    rsaSpki(modulus, der.int(65537), []),
    rsaSpki(modulus, der.int(3)),
    rsaSpki(modulus, der.int(1)),
    rsaSpki(modulus, der.int(65536)),
    rsaSpki(modulus, der.int(-3)),
    rsaSpki(modulus, der.int(2n ** 31n + 1n)),
    rsaSpki(modulus, der.int(2n ** 64n + 1n)),
    rsaSpki(der.int(-5n), der.int(65537)),
    rsaSpki(der.int(0n), der.int(65537)),
    rsaSpki(tlv(TAG.INTEGER, Buffer.from([0x00, 0x00, 0xc1, 0x01])), der.int(65537)),
    rsaSpki(der.int(2n ** 1023n + 1n), der.int(65537)),
    der.seq(der.seq(der.oid(OIDS.rsaPss)), der.bits(der.seq(modulus, der.int(65537)))),
  ];
  spkiPool = pool;
  return pool;
}

/** A certificate extension from the grammar of each one processExtensions parses (contents, not just shapes). */
function certExtension(rng: Rng): Buffer {
  const gn = (tag: number, v: string | Buffer) => der.implicit(tag, typeof v === "string" ? Buffer.from(v, "latin1") : v);
  const constraintBase = () =>
    rng.pick([
      () => gn(2, rng.pick([".example.com", "example.com", "", ".", "a..b", "*.a", "-a.b", "A.B", "é"])),
      () => gn(7, rng.pick([Buffer.from([10, 0, 0, 0, 255, 0, 0, 0]), Buffer.from([10, 0, 0, 0, 255, 0, 255, 0]), Buffer.from([10, 0, 0, 1]), Buffer.alloc(32, 0xff), Buffer.alloc(16), rng.bytes(8)])),
      () => gn(1, rng.pick(["a@b.com", "@b.com", ".b.com", "b.com", "a@", "a@b@c", "\"a\"@b"])),
      () => gn(6, rng.pick(["a.com", ".a.com", "1.2.3.4", "[::1]", "", "http://a.com"])),
      () => tlv(0xa4, der.seq(der.set(der.seq(der.oid(OIDS.commonName), der.str("utf8", "x"))))),
      () => tlv(0xa0, Buffer.concat([der.oid("1.2.3"), der.explicit(0, der.null())])),
      () => gn(8, oidContent("1.2.3")),
    ])();
  const subtree = () => der.seq(constraintBase(), ...(rng.chance(0.1) ? [der.implicit(0, Buffer.from([rng.int(3)]))] : []), ...(rng.chance(0.1) ? [der.implicit(1, Buffer.from([1]))] : []));
  const subtrees = () => Array.from({ length: rng.int(3) }, subtree);
  const uriish = () => rng.pick([gn(6, uriText(rng)), gn(2, "crl.example"), tlv(0xa6, der.str("ia5", "http://x")), gn(6, stringBytes(rng))]);
  switch (rng.int(9)) {
    case 0:
      return ext("2.5.29.30", der.seq(...(rng.chance(0.8) ? [tlv(0xa0, Buffer.concat(subtrees()))] : []), ...(rng.chance(0.5) ? [tlv(0xa1, Buffer.concat(subtrees()))] : [])), rng.chance(0.6));
    case 1: {
      const dp = () =>
        der.seq(
          ...(rng.chance(0.8) ? [der.explicit(0, rng.chance(0.8) ? tlv(0xa0, Buffer.concat(Array.from({ length: 1 + rng.int(2) }, uriish))) : tlv(0xa1, der.seq(der.oid(OIDS.commonName), der.str("utf8", "x"))))] : []),
          ...(rng.chance(0.1) ? [der.implicit(1, Buffer.from([0x06, 0x40]))] : []),
          ...(rng.chance(0.1) ? [tlv(0xa2, gn(2, "issuer"))] : []),
        );
      return ext("2.5.29.31", der.seq(...Array.from({ length: rng.int(3) }, dp)), rng.chance(0.1));
    }
    case 2: {
      const ad = () => der.seq(der.oid(rng.pick(["1.3.6.1.5.5.7.48.1", "1.3.6.1.5.5.7.48.2", "1.3.6.1.5.5.7.48.3"])), uriish());
      return ext("1.3.6.1.5.5.7.1.1", der.seq(...Array.from({ length: rng.int(3) }, ad)), rng.chance(0.1));
    }
    case 3: {
      const policy = () =>
        der.seq(
          rng.chance(0.85) ? der.oid(rng.pick(["2.23.140.1.2.1", "2.5.29.32.0", "1.2.3", `1.2.${"9".repeat(rng.pick([5, 20, 60]))}`, "1.2.3"])) : weirdOid(rng),
          ...(rng.chance(0.3) ? [der.seq(der.seq(der.oid(rng.pick(["1.3.6.1.5.5.7.2.1", "1.3.6.1.5.5.7.2.2"])), rng.pick([der.str("ia5", "http://cps"), der.seq(der.str("utf8", "notice")), der.int(1)])))] : []),
        );
      return ext("2.5.29.32", der.seq(...Array.from({ length: rng.int(4) }, policy)), rng.chance(0.2));
    }
    case 4:
      return ext("2.5.29.33", der.seq(...Array.from({ length: rng.int(3) }, () => der.seq(der.oid(rng.pick(["1.2.3", "2.5.29.32.0"])), der.oid("1.2.4")))), rng.chance(0.5));
    case 5:
      return ext("2.5.29.36", der.seq(...(rng.chance(0.6) ? [der.implicit(0, integerContent(BigInt(rng.pick([0, 1, -1, 2 ** 31, 300]))))] : []), ...(rng.chance(0.6) ? [der.implicit(1, integerContent(BigInt(rng.pick([0, 5, -2]))))] : [])), rng.chance(0.5));
    case 6:
      return ext("2.5.29.54", rng.pick([der.int(0), der.int(-1), der.int(2n ** 40n), der.null()]), rng.chance(0.5));
    case 7:
      return ext(OIDS.authorityKeyId, der.seq(der.implicit(0, Buffer.alloc(20, 7))), rng.chance(0.5));
    default:
      return ext(rng.pick([OIDS.subjectKeyId, OIDS.keyUsage, OIDS.extKeyUsage, OIDS.basicConstraints, OIDS.subjectAltName, "1.2.3.4"]), rng.bytes(rng.int(6)), rng.chance(0.5));
  }
}

// ------------------------------------------------------------------------------------------------ tree mutations

type TreeOp = (rng: Rng, root: Node) => string | undefined;

function pickNode(rng: Rng, root: Node, filter?: (l: Located) => boolean): Located | undefined {
  const all = allNodes(root).filter((l) => (filter ? filter(l) : true));
  return all.length ? rng.pick(all) : undefined;
}

const isString = (n: Node) => !n.kids && [0x0c, 0x12, 0x13, 0x14, 0x16, 0x1a, 0x1c, 0x1e].includes(n.id[0]!);

const TREE_OPS: [weight: number, name: string, op: TreeOp][] = [
  [6, "retag", (rng, root) => {
    const l = pickNode(rng, root, (x) => x.parent !== undefined);
    if (!l) return undefined;
    l.node.id = Buffer.from([rng.pick(INTERESTING_TAGS)]);
    if (l.node.kids && !(l.node.id[0]! & 0x20)) {
      // A primitive tag keeps the same content octets, now opaque.
      const inner = Buffer.concat(l.node.kids.map(encodeTree));
      l.node.content = l.node.encap === "bit" ? Buffer.concat([Buffer.from([0]), inner]) : inner;
      l.node.kids = undefined;
      l.node.encap = undefined;
    }
    return "retag";
  }],
  [6, "string-type", (rng, root) => {
    const l = pickNode(rng, root, (x) => isString(x.node));
    if (!l) return undefined;
    if (rng.chance(0.5)) l.node.id = Buffer.from([rng.pick([0x0c, 0x12, 0x13, 0x14, 0x16, 0x1a, 0x1c, 0x1e])]);
    else {
      const t = rng.pick(STRING_TYPES);
      const v = stringValue(rng, t);
      const h = readTlv(v, 0)!;
      l.node.id = Buffer.from([v[0]!]);
      l.node.content = v.subarray(h.contentStart);
    }
    return "string-type";
  }],
  [5, "dup-child", (rng, root) => {
    const l = pickNode(rng, root, (x) => !!x.node.kids?.length);
    if (!l) return undefined;
    const kids = l.node.kids!;
    const i = rng.int(kids.length);
    kids.splice(rng.int(kids.length + 1), 0, clone(kids[i]!));
    return "dup-child";
  }],
  [5, "drop-child", (rng, root) => {
    const l = pickNode(rng, root, (x) => !!x.node.kids?.length);
    if (!l) return undefined;
    l.node.kids!.splice(rng.int(l.node.kids!.length), 1);
    return "drop-child";
  }],
  [4, "swap-children", (rng, root) => {
    const l = pickNode(rng, root, (x) => (x.node.kids?.length ?? 0) >= 2);
    if (!l) return undefined;
    const k = l.node.kids!;
    const i = rng.int(k.length);
    const j = rng.int(k.length);
    [k[i], k[j]] = [k[j]!, k[i]!];
    return "swap-children";
  }],
  [4, "huge-int", (rng, root) => {
    const l = pickNode(rng, root, (x) => x.node.id[0] === TAG.INTEGER || x.node.id[0] === TAG.BOOLEAN);
    if (!l) return undefined;
    replaceWith(l, weirdInt(rng));
    return "int";
  }],
  [4, "oid", (rng, root) => {
    const l = pickNode(rng, root, (x) => x.node.id[0] === TAG.OID);
    if (!l) return undefined;
    replaceWith(l, weirdOid(rng));
    return "oid";
  }],
  [4, "length-form", (rng, root) => {
    const l = pickNode(rng, root, (x) => x.parent !== undefined);
    if (!l) return undefined;
    l.node.form = l.node.kids && rng.chance(0.4) ? { kind: "indefinite" } : { kind: "padded", extra: rng.int(2) };
    return "length-form";
  }],
  [3, "trailing-child", (rng, root) => {
    const l = pickNode(rng, root, (x) => !!x.node.kids);
    if (!l) return undefined;
    const junk = rng.pick([der.null(), Buffer.from([0, 0]), rng.bytes(1 + rng.int(4)), der.int(0)]);
    l.node.kids!.push(parseTree(junk) ?? { id: Buffer.from([0x04]), content: junk });
    return "trailing-child";
  }],
  [4, "content-bytes", (rng, root) => {
    const l = pickNode(rng, root, (x) => !x.node.kids && (x.node.content?.length ?? 0) > 0);
    if (!l) return undefined;
    const c = Buffer.from(l.node.content!);
    const i = rng.int(c.length);
    const op = rng.int(3);
    if (op === 0) c[i] = rng.pick([0x00, 0x80, 0xff, 0x7f, 0x20, 0x2a, c[i]! ^ (1 << rng.int(8))]);
    l.node.content = op === 1 ? Buffer.concat([c.subarray(0, i), c.subarray(i + 1)]) : op === 2 ? Buffer.concat([c, rng.bytes(1 + rng.int(3))]) : c;
    return "content-bytes";
  }],
  [4, "string-bytes", (rng, root) => {
    const l = pickNode(rng, root, (x) => isString(x.node));
    if (!l) return undefined;
    if (rng.chance(0.3)) l.node.id = Buffer.from([rng.pick([0x0c, 0x12, 0x13, 0x14, 0x16, 0x1a, 0x1c, 0x1e, 0x19, 0x1b, 0x15, 0x1d])]);
    l.node.content = stringBytes(rng);
    return "string-bytes";
  }],
  [2, "high-tag", (rng, root) => {
    const l = pickNode(rng, root, (x) => x.parent !== undefined);
    if (!l) return undefined;
    l.node.id = highTag(rng);
    return "high-tag";
  }],
  [2, "time", (rng, root) => {
    const l = pickNode(rng, root, (x) => x.node.id[0] === TAG.UTC_TIME || x.node.id[0] === TAG.GENERALIZED_TIME);
    if (!l) return undefined;
    replaceWith(l, timeValue(rng));
    return "time";
  }],
  [2, "spki", (rng, root) => {
    const l = pickNode(rng, root, (x) => x.node.kids?.[0]?.kids?.[0]?.id[0] === TAG.OID && x.node.kids.length === 2 && x.node.kids[1]!.id[0] === TAG.BIT_STRING);
    if (!l) return undefined;
    replaceWith(l, rng.pick(spkis()));
    return "spki";
  }],
  [3, "empty", (rng, root) => {
    const l = pickNode(rng, root, (x) => x.parent !== undefined);
    if (!l) return undefined;
    l.node.kids = l.node.kids ? [] : undefined;
    l.node.content = l.node.kids ? undefined : Buffer.alloc(0);
    return "empty";
  }],
];

function replaceWith(l: Located, encoded: Buffer): void {
  const n = parseTree(encoded) ?? { id: Buffer.from([encoded[0]!]), content: encoded.subarray(2) };
  if (l.parent) l.parent.kids![l.index] = n;
  else Object.assign(l.node, n);
}

function applyTreeOps(rng: Rng, root: Node, count: number): string[] {
  const total = TREE_OPS.reduce((s, [w]) => s + w, 0);
  const names: string[] = [];
  for (let i = 0; i < count * 3 && names.length < count; i++) {
    let r = rng.int(total);
    for (const [w, , op] of TREE_OPS) {
      if ((r -= w) < 0) {
        const done = op(rng, root);
        if (done) names.push(done);
        break;
      }
    }
  }
  return names;
}

// ------------------------------------------------------------------------------------------------ CSR-aware mutations

/** The parts of a CertificationRequestInfo tree: version, subject, spki, [0] attributes. */
function infoParts(info: Node): { subject?: Node; attrs?: Node } {
  return { subject: info.kids?.[1], attrs: info.kids?.find((k) => k.id[0] === 0xa0) };
}

const CSR_OPS: [name: string, op: (rng: Rng, info: Node) => boolean][] = [
  ["add-ext-request-value", (rng, info) => {
    const { attrs } = infoParts(info);
    const er = attrs?.kids?.find((a) => a.kids?.[0]?.content?.equals(oidContent(OIDS.extensionRequest)));
    const set = er?.kids?.[1];
    if (!set?.kids) return false;
    const v = parseTree(der.seq(weirdExtension(rng)))!;
    set.kids.splice(rng.int(set.kids.length + 1), 0, v);
    return true;
  }],
  ["add-ext-request-attr", (rng, info) => {
    const { attrs } = infoParts(info);
    if (!attrs?.kids) return false;
    attrs.kids.splice(rng.int(attrs.kids.length + 1), 0, parseTree(extensionRequest([weirdExtension(rng)]))!);
    return true;
  }],
  ["add-extension", (rng, info) => {
    const { attrs } = infoParts(info);
    const exts = attrs?.kids?.find((a) => a.kids?.[0]?.content?.equals(oidContent(OIDS.extensionRequest)))?.kids?.[1]?.kids?.[0];
    if (!exts?.kids) return false;
    exts.kids.splice(rng.int(exts.kids.length + 1), 0, parseTree(weirdExtension(rng))!);
    return true;
  }],
  ["add-attribute", (rng, info) => {
    const { attrs } = infoParts(info);
    if (!attrs?.kids) return false;
    const a = rng.pick([
      attribute(OIDS.challengePassword, [der.int(rng.int(9))]),
      attribute(OIDS.challengePassword, [der.str("printable", "pw")]),
      attribute("1.2.3.4", []),
      der.seq(der.oid(OIDS.extensionRequest)),
      attribute(OIDS.extensionRequest, [der.int(1)]),
      attribute(OIDS.extensionRequest, []),
    ]);
    attrs.kids.splice(rng.int(attrs.kids.length + 1), 0, parseTree(a)!);
    return true;
  }],
  ["subject-atv", (rng, info) => {
    const { subject } = infoParts(info);
    if (!subject?.kids) return false;
    const oid = rng.pick([OIDS.commonName, OIDS.organization, OIDS.organizationalUnit, OIDS.country, OIDS.serialNumber, OIDS.emailAddress, "1.2.3.4", OIDS.street, OIDS.postalCode, OIDS.locality, OIDS.province]);
    const value = rng.chance(0.8) ? stringValue(rng, rng.pick(STRING_TYPES)) : rng.pick([der.int(5), der.null(), der.octets(Buffer.from("x")), der.bool(true), der.seq(), tlv(0xa0, der.null()), der.utcTime("250101000000Z"), der.bits(Buffer.from([1]))]);
    const rdn = parseTree(der.set(der.seq(der.oid(oid), value)))!;
    if (rng.chance(0.3) && subject.kids.length) rng.pick(subject.kids).kids?.push(rdn.kids![0]!);
    else subject.kids.splice(rng.int(subject.kids.length + 1), 0, rdn);
    return true;
  }],
  ["subject-empty-rdn", (rng, info) => {
    const { subject } = infoParts(info);
    if (!subject?.kids) return false;
    subject.kids.splice(rng.int(subject.kids.length + 1), 0, { id: Buffer.from([0x31]), kids: [] });
    return true;
  }],
];

// ------------------------------------------------------------------------------------------------ bases

interface Base {
  kind: MutantKind;
  name: string;
  der: Buffer;
  key: KeyObject;
  signWith?: SigAlg;
}

function csrBases(k: KeySet): Base[] {
  const sub = nodeSubject("node-a");
  const serving = extensionRequest([sanExt([san.dns("node-a"), san.ip("10.0.0.10")]), extKeyUsageExt([OIDS.serverAuth])]);
  const full: Atv[][] = [
    [[OIDS.country, "US"]],
    [[OIDS.province, "CA"]],
    [[OIDS.locality, "SF"]],
    [[OIDS.street, "Main St"]],
    [[OIDS.postalCode, "94000"]],
    [[OIDS.organization, "system:nodes"]],
    [[OIDS.organizationalUnit, "ou"]],
    [[OIDS.commonName, "system:node:node-a"]],
    [[OIDS.serialNumber, "42", "printable"]],
    [[OIDS.emailAddress, "a@b", "ia5"]],
  ];
  const out: Base[] = [];
  for (const [kn, key] of [
    ["p256", k.p256],
    ["p384", k.p384],
    ["ed25519", k.ed25519],
    ["cfssl-ca", k.cfsslCa],
  ] as const) {
    out.push({ kind: "csr", name: `${kn}/client`, der: buildCsr({ key, subjectRdns: sub }).der, key });
    out.push({ kind: "csr", name: `${kn}/serving`, der: buildCsr({ key, subjectRdns: sub, attributes: [serving] }).der, key });
  }
  out.push({ kind: "csr", name: "p256/full-subject", der: buildCsr({ key: k.p256, subjectRdns: full, attributes: [serving, attribute(OIDS.challengePassword, [der.str("utf8", "pw")])] }).der, key: k.p256 });
  out.push({
    kind: "csr",
    name: "p256/many-exts",
    der: buildCsr({
      key: k.p256,
      subjectRdns: sub,
      attributes: [extensionRequest([sanExt([san.dns("a"), san.email("e@x"), san.uri("spiffe://x/y"), san.ip("2001:db8::1")]), basicConstraintsExt(true, der.int(3)), keyUsageExt([0, 2, 5]), ext("1.2.3.4", der.null(), true)])],
    }).der,
    key: k.p256,
  });
  out.push(...cfsslBases("csr"));
  if (k.rsa) {
    const signWith = SIG_ALGS["rsa-pss-sha256"];
    out.push({ kind: "csr", name: "rsa-pss/serving", der: buildCsr({ key: k.rsa, subjectRdns: sub, attributes: [serving], sigAlg: signWith }).der, key: k.rsa, signWith });
  }
  if (k.rsa) out.push({ kind: "csr", name: "rsa/serving", der: buildCsr({ key: k.rsa, subjectRdns: sub, attributes: [serving] }).der, key: k.rsa });
  return out;
}

function certBases(k: KeySet): Base[] {
  const caExts = [basicConstraintsExt(true, der.int(1)), keyUsageExt([0, 5, 6]), ext(OIDS.subjectKeyId, der.octets(Buffer.alloc(20, 7)))];
  const leafExts = [
    basicConstraintsExt(false),
    keyUsageExt([0, 2]),
    extKeyUsageExt([OIDS.serverAuth, OIDS.clientAuth, "1.2.3.4"]),
    ext(OIDS.authorityKeyId, der.seq(der.implicit(0, Buffer.alloc(20, 7)))),
    sanExt([san.dns("node-a"), san.ip("10.0.0.10"), san.email("a@b"), san.uri("https://x/")]),
  ];
  const gn = (tag: number, v: string | Buffer) => der.implicit(tag, typeof v === "string" ? Buffer.from(v, "latin1") : v);
  // Every extension Go's processExtensions parses, so mutations reach each of its parsers.
  const fullExts = [
    ...leafExts,
    ext("2.5.29.30", der.seq(
      tlv(0xa0, Buffer.concat([der.seq(gn(2, ".example.com")), der.seq(gn(7, Buffer.from([10, 0, 0, 0, 255, 0, 0, 0]))), der.seq(gn(1, "example.com")), der.seq(gn(6, ".example.com"))])),
      tlv(0xa1, der.seq(gn(2, "evil.example.com"))),
    ), true),
    ext("2.5.29.31", der.seq(der.seq(der.explicit(0, tlv(0xa0, gn(6, "http://crl.example/ca.crl")))))),
    ext("1.3.6.1.5.5.7.1.1", der.seq(der.seq(der.oid("1.3.6.1.5.5.7.48.1"), gn(6, "http://ocsp.example")), der.seq(der.oid("1.3.6.1.5.5.7.48.2"), gn(6, "http://ca.example/ca.crt")))),
    ext("2.5.29.32", der.seq(der.seq(der.oid("2.23.140.1.2.1")), der.seq(der.oid("1.2.3.4.5"), der.seq(der.seq(der.oid("1.3.6.1.5.5.7.2.1"), der.str("ia5", "http://cps")))))),
    ext("2.5.29.33", der.seq(der.seq(der.oid("1.2.3"), der.oid("1.2.4")))),
    ext("2.5.29.36", der.seq(der.implicit(0, Buffer.from([1])), der.implicit(1, Buffer.from([2])))),
    ext("2.5.29.54", der.int(0)),
  ];
  const out: Base[] = [];
  out.push({ kind: "cert", name: "p256/full", der: buildCertificate({ key: k.p256, subjectRdns: nodeSubject("node-a"), extensions: fullExts }).der, key: k.p256 });
  if (k.rsa) {
    const signWith = SIG_ALGS["rsa-pss-sha256"];
    out.push({ kind: "cert", name: "rsa-pss/full", der: buildCertificate({ key: k.rsa, sigAlg: signWith, extensions: fullExts }).der, key: k.rsa, signWith });
  }
  for (const [kn, key] of [
    ["p256", k.p256],
    ["ed25519", k.ed25519],
    ["cfssl-ca", k.cfsslCa],
  ] as const) {
    out.push({ kind: "cert", name: `${kn}/ca`, der: buildCertificate({ key, subjectRdns: [[[OIDS.commonName, "ca"]]], extensions: caExts }).der, key });
    out.push({ kind: "cert", name: `${kn}/leaf`, der: buildCertificate({ key, subjectRdns: nodeSubject("node-a"), issuerRdns: [[[OIDS.commonName, "ca"]]], extensions: leafExts }).der, key });
  }
  out.push(...cfsslBases("cert"));
  if (k.rsa) out.push({ kind: "cert", name: "rsa/leaf", der: buildCertificate({ key: k.rsa, subjectRdns: nodeSubject("node-a"), extensions: leafExts }).der, key: k.rsa });
  return out;
}

const CFSSL_KEYS = ["ca-key", "rsa-ca-key", "leaf-key", "rsa-key", "utf8-key", "ed25519-key", "intermediate-self-key"];
const CFSSL_FILES = { csr: ["ca.csr", "leaf.csr", "rsa.csr", "rsa-ca.csr", "utf8.csr", "ed25519.csr", "intermediate.csr"], cert: ["ca.pem", "leaf.pem", "rsa-ca.pem", "utf8.pem", "ed25519.pem", "intermediate.pem"] };

/**
 * The real cfssl's requests and certificates (test/fixtures/cfssl), each with the fixture key whose signature it
 * carries, so edits can be re-signed by the same key.
 */
function cfsslBases(kind: MutantKind): Base[] {
  const dir = `${here}/../fixtures/cfssl`;
  // cfssl writes Ed25519 keys as PKCS#8 under the type "Ed25519 PRIVATE KEY", which OpenSSL does not take as PEM.
  const keyObjs = CFSSL_KEYS.map((f) => {
    const text = readFileSync(`${dir}/${f}.pem`, "utf8");
    if (!text.includes("Ed25519")) return createPrivateKey(text);
    const body = Buffer.from(text.replace(/-----[^-]+-----/g, "").replace(/\s/g, ""), "base64");
    return createPrivateKey({ key: body, format: "der", type: "pkcs8" });
  });
  const out: Base[] = [];
  for (const f of CFSSL_FILES[kind]) {
    const text = readFileSync(`${dir}/${f}`, "utf8");
    const d = Buffer.from(text.replace(/-----[^-]+-----/g, "").replace(/\s/g, ""), "base64");
    const parts = parseTree(d)?.kids;
    if (!parts || parts.length !== 3) continue;
    const tbs = encodeTree(parts[0]!);
    const sigTlv = encodeTree(parts[2]!);
    const sig = sigTlv.subarray(readTlv(sigTlv, 0)!.contentStart + 1);
    const alg = parts[1]!.kids?.[0]?.content;
    const hash = alg && alg.equals(oidContent(OIDS.sha384WithRSA)) ? "sha384" : alg && alg.equals(oidContent(OIDS.ecdsaWithSHA384)) ? "sha384" : alg && alg.equals(oidContent("1.2.840.10045.4.3.4")) ? "sha512" : alg && alg.equals(oidContent("1.2.840.113549.1.1.13")) ? "sha512" : "sha256";
    const key = keyObjs.find((kk) => {
      try {
        return verify(kk.asymmetricKeyType === "ed25519" ? null : hash, tbs, createPublicKey(kk), sig);
      } catch {
        return false;
      }
    });
    if (!key) continue;
    const signWith: SigAlg = { oid: "", hash: digestFor(key, hash) };
    out.push({ kind, name: `cfssl/${f}`, der: d, key, signWith });
  }
  return out;
}

function digestFor(key: KeyObject, hash: string): string | null {
  return key.asymmetricKeyType === "ed25519" ? null : hash;
}

/** Certificate variants for class 6 of issue 12: each one field Go refuses (or reads differently). */
export function certVariants(k: KeySet): { name: string; der: Buffer }[] {
  const key = k.p256;
  const out: { name: string; der: Buffer }[] = [];
  const add = (nm: string, o: Partial<CertOptions>) => out.push({ name: nm, der: buildCertificate({ key, subjectRdns: [[[OIDS.commonName, "c"]]], ...o }).der });
  const bcCa = [basicConstraintsExt(true)];
  for (const v of [0, 1, 2, 3, -1, 100]) add(`version-${v}`, { version: v, extensions: bcCa });
  add("version-absent-with-exts", { version: null, extensionsField: der.explicit(3, der.seq(...bcCa)) });
  add("version-absent-no-exts", { version: null, extensions: null });
  add("version-1-with-exts", { version: 1, extensions: bcCa });
  add("version-non-minimal", { version: tlv(TAG.INTEGER, Buffer.from([0, 2])) });
  add("version-huge", { version: der.hugeInt(60_000) });
  add("version-empty-explicit", { version: Buffer.alloc(0) });
  add("empty-0", { extensionsField: undefined, version: undefined });
  out.push({ name: "empty-0-field", der: rawCert(key, (f) => [tlv(0xa0, Buffer.alloc(0)), ...f.slice(1)]) });
  add("empty-3", { extensionsField: tlv(0xa3, Buffer.alloc(0)) });
  add("empty-3-seq", { extensionsField: der.explicit(3, der.seq()) });
  add("3-two-seqs", { extensionsField: tlv(0xa3, Buffer.concat([der.seq(...bcCa), der.seq()])) });
  for (const s of [0n, -1n, -(2n ** 64n), 2n ** 159n, 2n ** 160n, 2n ** 800n]) add(`serial-${s < 0n ? "neg" : ""}${s.toString(16).length}`, { serial: s });
  add("serial-non-minimal", { serial: tlv(TAG.INTEGER, Buffer.from([0, 0, 1])) });
  add("serial-empty", { serial: tlv(TAG.INTEGER, Buffer.alloc(0)) });
  const times: [string, Buffer][] = [
    ["utc-month-13", der.utcTime("251301000000Z")],
    ["utc-feb-30", der.utcTime("250230000000Z")],
    ["utc-feb-29-leap", der.utcTime("240229000000Z")],
    ["utc-feb-29-nonleap", der.utcTime("250229000000Z")],
    ["utc-apr-31", der.utcTime("250431000000Z")],
    ["utc-day-0", der.utcTime("250100000000Z")],
    ["utc-hour-24", der.utcTime("250101240000Z")],
    ["utc-second-60", der.utcTime("250101235960Z")],
    ["utc-no-seconds", der.utcTime("2501010000Z")],
    ["utc-offset", der.utcTime("250101000000+0100")],
    ["utc-lower-z", der.utcTime("250101000000z")],
    ["utc-year-50", der.utcTime("500101000000Z")],
    ["utc-year-49", der.utcTime("491231235959Z")],
    ["utc-fraction", der.utcTime("250101000000.5Z")],
    ["utc-no-z", der.utcTime("250101000000")],
    ["utc-spaces", der.utcTime("25010100000 Z")],
    ["gen-2025", der.generalizedTime("20250101000000Z")],
    ["gen-fraction", der.generalizedTime("20250101000000.5Z")],
    ["gen-fraction-trailing-zero", der.generalizedTime("20250101000000.50Z")],
    ["gen-month-13", der.generalizedTime("20251301000000Z")],
    ["gen-feb-30", der.generalizedTime("20250230000000Z")],
    ["gen-year-0", der.generalizedTime("00000101000000Z")],
    ["gen-year-9999", der.generalizedTime("99991231235959Z")],
    ["gen-offset", der.generalizedTime("20250101000000+0000")],
    ["gen-no-z", der.generalizedTime("20250101000000")],
    ["gen-minutes-only", der.generalizedTime("202501010000Z")],
    ["time-as-printable", der.str("printable", "250101000000Z")],
    ["time-empty-utc", der.utcTime("")],
  ];
  for (const [nm, t] of times) {
    add(`not-before-${nm}`, { notBefore: t });
    add(`not-after-${nm}`, { notAfter: t });
  }
  add("not-after-before-not-before", { notBefore: der.utcTime("300101000000Z"), notAfter: der.utcTime("200101000000Z") });
  add("dup-extension", { extensions: [basicConstraintsExt(true), basicConstraintsExt(false)] });
  add("dup-san", { extensions: [sanExt([san.dns("a")]), sanExt([san.dns("b")])] });
  // Go keeps these URLs as the bytes written (no IA5 check): UTF-8 text must read as that text, other bytes kept.
  const uri = (b: Buffer) => der.implicit(6, b);
  for (const [nm, b] of [["utf8", Buffer.from("http://é.example/\uffff", "utf8")], ["latin1", Buffer.from([0x68, 0x3a, 0xe9, 0xff])]] as const) {
    add(`crl-url-${nm}`, { extensions: [ext("2.5.29.31", der.seq(der.seq(der.explicit(0, tlv(0xa0, uri(b))))))] });
    add(`aia-urls-${nm}`, { extensions: [ext("1.3.6.1.5.5.7.1.1", der.seq(der.seq(der.oid("1.3.6.1.5.5.7.48.1"), uri(b)), der.seq(der.oid("1.3.6.1.5.5.7.48.2"), uri(b))))] });
  }
  add("unknown-critical", { extensions: [ext("1.2.3.4", der.null(), true)] });
  add("bc-pathlen-negative", { extensions: [basicConstraintsExt(true, der.int(-1))] });
  add("bc-pathlen-huge", { extensions: [basicConstraintsExt(true, der.hugeInt(60_000))] });
  add("bc-pathlen-2-31", { extensions: [basicConstraintsExt(true, der.int(2n ** 31n))] });
  add("bc-pathlen-no-ca", { extensions: [basicConstraintsExt(false, der.int(2))] });
  add("bc-ca-false-explicit", { extensions: [ext(OIDS.basicConstraints, der.seq(der.bool(false)))] });
  add("bc-trailing", { extensions: [ext(OIDS.basicConstraints, Buffer.concat([der.seq(der.bool(true)), der.null()]))] });
  add("ku-empty", { extensions: [ext(OIDS.keyUsage, der.bits(Buffer.alloc(0)))] });
  add("ku-9-bits", { extensions: [keyUsageExt([0, 8])] });
  add("ku-unused-bits-set", { extensions: [ext(OIDS.keyUsage, der.bits(Buffer.from([0xff]), 1))] });
  add("eku-empty", { extensions: [extKeyUsageExt([])] });
  add("ski-not-octets", { extensions: [ext(OIDS.subjectKeyId, der.int(5))] });
  add("aki-empty", { extensions: [ext(OIDS.authorityKeyId, der.seq())] });
  add("san-empty-critical-empty-subject", { subjectRdns: [], extensions: [sanExt([], true)] });
  add("san-empty-noncritical-empty-subject", { subjectRdns: [], extensions: [sanExt([])] });
  add("unique-ids-v3", { uniqueIds: [der.implicit(1, Buffer.from([0, 1])), der.implicit(2, Buffer.from([0, 2]))] });
  add("unique-ids-v1", { version: null, extensions: null, uniqueIds: [der.implicit(1, Buffer.from([0, 1]))] });
  add("rsa-oid-over-ecdsa", { sigAlg: SIG_ALGS["rsa-sha256"] });
  add("ed25519-oid-over-ecdsa", { sigAlg: SIG_ALGS.ed25519 });
  add("inner-outer-mismatch", { innerSigAlg: SIG_ALGS["ecdsa-sha384"] });
  add("inner-outer-params-differ", { innerSigAlg: { ...SIG_ALGS["ecdsa-sha256"], params: der.null() } });
  add("ecdsa-sha1", { sigAlg: SIG_ALGS["ecdsa-sha1"] });
  add("issuer-empty", { issuerRdns: [] });
  add("subject-visible", { subjectRdns: [[[OIDS.commonName, "v", "visible"]]] });
  add("subject-universal", { subjectRdns: [[[OIDS.commonName, "u", "universal"]]] });
  add("subject-bmp-nul", { subjectRdns: [[[OIDS.commonName, "b\u0000", "bmp"]]] });
  add("subject-t61-latin1", { subjectRdns: [[[OIDS.commonName, tlv(TAG.T61, Buffer.from([0x61, 0xe9]))]]] });
  add("subject-universal-above-10ffff", { subjectRdns: [[[OIDS.commonName, tlv(TAG.UNIVERSAL, Buffer.from([0, 0x11, 0, 0]))]]] });
  add("subject-integer", { subjectRdns: [[[OIDS.commonName, der.int(3)]]] });
  const k2 = k.cfsslCa;
  if (k.rsa) {
    out.push({ name: "rsa-md5", der: buildCertificate({ key: k.rsa, sigAlg: SIG_ALGS["rsa-md5"] }).der });
    out.push({ name: "rsa-sha1", der: buildCertificate({ key: k.rsa, sigAlg: SIG_ALGS["rsa-sha1"] }).der });
    out.push({ name: "ecdsa-oid-over-rsa", der: buildCertificate({ key: k.rsa, sigAlg: SIG_ALGS["ecdsa-sha256"] }).der });
  }
  out.push({ name: "cfssl-key-sha384", der: buildCertificate({ key: k2, sigAlg: SIG_ALGS["ecdsa-sha384"] }).der });
  return out;
}

/** A certificate whose TBSCertificate fields are rewritten by `edit` (given the default fields), re-signed. */
function rawCert(key: KeyObject, edit: (fields: Buffer[]) => Buffer[]): Buffer {
  const base = buildCertificate({ key, subjectRdns: [[[OIDS.commonName, "c"]]] });
  const tree = parseTree(base.tbs)!;
  const fields = tree.kids!.map(encodeTree);
  const tbs = der.seq(...edit(fields));
  const alg = der.seq(der.oid(OIDS.ecdsaWithSHA256));
  return der.seq(tbs, alg, der.bits(signBytes(key, tbs)));
}

// ------------------------------------------------------------------------------------------------ PEM mutations

const PEM_INSERTS = ["\f", "\v", " ", "\t", "\r", "\u00a0", "\ufeff", "\n", "\r\n", "=", "-", ":", "-----", "\u0000", "#", "x"];

function mutatePemText(rng: Rng, text: string, other: string): string {
  switch (rng.int(14)) {
    case 0: {
      const i = rng.int(text.length + 1);
      return text.slice(0, i) + rng.pick(PEM_INSERTS) + text.slice(i);
    }
    case 1: {
      const i = rng.int(text.length);
      return text.slice(0, i) + text.slice(i + 1 + rng.int(3));
    }
    case 2:
      return text.replace(/=+\n-----END/, "\n-----END");
    case 3:
      return text.replace(/-----\n/, `-----${rng.pick([" ", "\t", " x", "\r"])}\n`);
    case 4:
      return text.replace(/(-----END [^-]*-----)/, `$1${rng.pick([" ", " x", "\t", "-", "\r"])}`);
    case 5:
      return text.replace(/\n-----END/, "-----END");
    case 6:
      return text.replace(/-----\n/, `-----\n${rng.pick(["Proc-Type: 4,ENCRYPTED", "A_1: b", "k9: v", "X: y\n", "a:b", ": x", "Proc-Type:"])}\n`);
    case 7:
      return rng.chance(0.5) ? text + other : other + text;
    case 8:
      return rng.pick(["x", "\ufeff", " ", "\n", "a\n"]) + text;
    case 9:
      return text.replace(/\n/g, "\r\n");
    case 10:
      return text.replace("BEGIN CERTIFICATE", rng.pick(["BEGIN NEW CERTIFICATE", "BEGIN  CERTIFICATE", "begin CERTIFICATE", "BEGIN X509 CERTIFICATE"]));
    case 11: {
      const lines = text.split("\n");
      const i = 1 + rng.int(Math.max(1, lines.length - 3));
      lines.splice(i, 0, lines[i]!);
      return lines.join("\n");
    }
    case 12:
      // Unterminated BEGIN in front: Go pairs the END with the last BEGIN before it.
      return text.replace(/\n-----END/, "\n" + other.split("\n-----END")[0] + "\n-----END");
    default:
      return text.replace(/\n([A-Za-z0-9+/]{64})\n/, (_m, l: string) => `\n${l.slice(0, 30)}\n${l.slice(30)}\n`);
  }
}

/**
 * PEM text assembled from the tokens pem.Decode looks for (BEGIN and END markers, dashes, line ends, header lines,
 * base64 of a real request), so each input tests which block, which headers and which rest Go finds.
 */
function pemGrammar(rng: Rng, a: Buffer, b: Buffer, type: string): string {
  const b64 = (d: Buffer) => {
    const t = d.toString("base64");
    const w = rng.pick([64, 64, 64, 76, 16, 0]);
    return w ? t.replace(new RegExp(`(.{${w}})`, "g"), "$1\n").replace(/\n$/, "") : t;
  };
  const eol = () => rng.pick(["\n", "\n", "\n", "\r\n", "\r", "", " \n", "\t\n", "\n\n"]);
  const typ = () => rng.pick([type, type, type, "CERTIFICATE", "X", "", `${type} `, type.toLowerCase(), `${type}-`]);
  const tokens: (() => string)[] = [
    () => `-----BEGIN ${typ()}-----` + eol(),
    () => `-----END ${typ()}-----` + eol(),
    () => b64(a) + eol(),
    () => b64(b) + eol(),
    () => rng.pick(["Proc-Type: 4,ENCRYPTED", "DEK-Info: x", "K_1: v", "a:b", " : ", "X:", "k: v: w", "Key : Val "]) + eol(),
    () => rng.pick(["-----", "-----BEGIN ", "-----END ", "BEGIN", ":", "=", "==", "\f", "\v", "\u00a0", "\ufeff", " ", "\t", "junk", "\u0000"]),
    () => eol(),
  ];
  const blocks = () => `-----BEGIN ${typ()}-----${eol()}${rng.chance(0.2) ? tokens[4]!() : ""}${b64(rng.chance(0.5) ? a : b)}${eol()}-----END ${typ()}-----${eol()}`;
  let out = "";
  for (let i = 0, n = 2 + rng.int(8); i < n; i++) out += rng.chance(0.35) ? blocks() : rng.pick(tokens)();
  return out;
}

// ------------------------------------------------------------------------------------------------ generation

export interface MutantOptions {
  seed: number;
  count: number;
  /** Adds an RSA-2048 base (slower: RSA signing costs about 1 ms per mutant). */
  rsa?: boolean;
  /** Share of certificate mutants (default 0.3). */
  certShare?: number;
}

function pemOf(kind: MutantKind, d: Buffer): string {
  return pem.encode(kind === "csr" ? "CERTIFICATE REQUEST" : "CERTIFICATE", d);
}

function resignTbs(base: Base, tbs: Buffer, alg: Buffer): Buffer {
  return der.seq(tbs, alg, der.bits(signBytes(base.key, tbs, base.signWith)));
}

/** Generates `count` mutants from `seed`; the same seed gives the same mutations. */
export function* mutants(opts: MutantOptions): Generator<Mutant> {
  const rng = new Rng(opts.seed);
  const k = { ...fixedKeys() };
  if (opts.rsa) k.rsa = k.rsa ?? rsaKey();
  const csrs = csrBases(k);
  const certs = certBases(k);
  const variants = certVariants(k);
  const certShare = opts.certShare ?? 0.3;
  let n = 0;
  // The class-6 certificate variants first, unmutated, then mutated like the rest.
  for (const v of variants) {
    if (n >= opts.count) return;
    yield { name: `cert/variant/${v.name}`, kind: "cert", input: Buffer.from(pemOf("cert", v.der)) };
    n++;
  }
  while (n < opts.count) {
    const i = n++;
    const isCert = rng.chance(certShare);
    const base = isCert ? (rng.chance(0.3) ? variantBase(rng.pick(variants), k) : rng.pick(certs)) : rng.pick(csrs);
    const kind = base.kind;
    const strategy = rng.int(100);
    try {
      if (strategy < 62) {
        // Structure-aware inside the signed part, then re-signed.
        const top = parseTree(base.der)!;
        const tbs = top.kids![0]!;
        const ops: string[] = [];
        if (kind === "csr" && rng.chance(0.45)) {
          const [nm, op] = rng.pick(CSR_OPS);
          if (op(rng, tbs)) ops.push(nm);
        }
        if (kind === "cert" && rng.chance(0.35)) {
          // Into the [3] extensions (or a new one): contents every parser of processExtensions must judge as Go does.
          let exts = tbs.kids?.find((k) => k.id[0] === 0xa3)?.kids?.[0];
          if (!exts?.kids && tbs.kids) {
            const field: Node = { id: Buffer.from([0xa3]), kids: [{ id: Buffer.from([0x30]), kids: [] }] };
            tbs.kids.push(field);
            exts = field.kids![0];
          }
          if (exts?.kids) {
            exts.kids.splice(rng.int(exts.kids.length + 1), rng.chance(0.3) ? 1 : 0, parseTree(certExtension(rng))!);
            ops.push("cert-extension");
          }
        }
        ops.push(...applyTreeOps(rng, tbs, 1 + rng.int(rng.chance(0.2) ? 4 : 2)));
        const d = resignTbs(base, encodeTree(tbs), encodeTree(top.kids![1]!));
        yield { name: `${kind}/tree-resigned#${i}: ${base.name} ${ops.join("+")}`, kind, input: Buffer.from(pemOf(kind, d)) };
      } else if (strategy < 72) {
        // Structure-aware anywhere (outer structure, algorithm, signature), not re-signed.
        const top = parseTree(base.der)!;
        const ops = applyTreeOps(rng, top, 1 + rng.int(2));
        yield { name: `${kind}/tree#${i}: ${base.name} ${ops.join("+")}`, kind, input: Buffer.from(pemOf(kind, encodeTree(top))) };
      } else if (strategy < 84) {
        // Byte-level in the signed part, re-signed.
        const top = parseTree(base.der)!;
        const tbs = Buffer.from(encodeTree(top.kids![0]!));
        const edited = byteEdit(rng, tbs);
        const d = der.seq(edited, encodeTree(top.kids![1]!), der.bits(signBytes(base.key, edited, base.signWith)));
        yield { name: `${kind}/bytes-resigned#${i}: ${base.name}`, kind, input: Buffer.from(pemOf(kind, d)) };
      } else if (strategy < 88) {
        // Byte-level anywhere.
        yield { name: `${kind}/bytes#${i}: ${base.name}`, kind, input: Buffer.from(pemOf(kind, byteEdit(rng, Buffer.from(base.der)))) };
      } else if (strategy < 94) {
        const other = rng.pick(kind === "csr" ? csrs : certs);
        const text = pemGrammar(rng, base.der, other.der, kind === "csr" ? "CERTIFICATE REQUEST" : "CERTIFICATE");
        yield { name: `${kind}/pem-grammar#${i}: ${base.name}`, kind, input: Buffer.from(text, "utf8") };
      } else {
        // PEM text.
        const other = rng.pick(kind === "csr" ? csrs : certs);
        const text = mutatePemText(rng, pemOf(kind, base.der), pemOf(kind, other.der));
        const text2 = rng.chance(0.2) ? mutatePemText(rng, text, pemOf(kind, other.der)) : text;
        let bytes = Buffer.from(text2, "utf8");
        if (rng.chance(0.3)) {
          // Raw bytes that are not UTF-8 (a lone 0xA0, NEL 0x85, 0xFF): a reader that decodes the text first sees other characters.
          const at = rng.int(bytes.length + 1);
          bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([rng.pick([0xa0, 0x85, 0xff, 0x80, 0xc2, 0x0b, 0x0c, 0x00, 0x1c])]), bytes.subarray(at)]);
        }
        yield { name: `${kind}/pem#${i}: ${base.name}`, kind, input: bytes };
      }
    } catch (e) {
      throw new Error(`mutant #${i} (${base.name}) failed to generate: ${(e as Error).message}`);
    }
  }
}

function variantBase(v: { name: string; der: Buffer }, k: KeySet): Base {
  return { kind: "cert", name: `variant/${v.name}`, der: v.der, key: k.p256 };
}

function byteEdit(rng: Rng, b: Buffer): Buffer {
  let out = b;
  for (let j = 0, m = 1 + rng.int(3); j < m; j++) {
    const i = rng.int(out.length);
    switch (rng.int(6)) {
      case 0:
        out = Buffer.from(out);
        out[i] = out[i]! ^ (1 << rng.int(8));
        break;
      case 1:
        out = Buffer.from(out);
        out[i] = rng.pick([0x00, 0x80, 0x81, 0x82, 0xff, 0x7f, 0x30, 0x31, 0x05, 0xa0, rng.int(256)]);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, i), rng.bytes(1 + rng.int(2)), out.subarray(i)]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, i), out.subarray(i + 1 + rng.int(2))]);
        break;
      case 4:
        out = out.subarray(0, i);
        break;
      default: {
        const len = 1 + rng.int(16);
        out = Buffer.concat([out.subarray(0, i), out.subarray(i, i + len), out.subarray(i)]);
      }
    }
  }
  return Buffer.from(out);
}

/** cfssl's RSA test key (test/fixtures/cfssl/rsa-key.pem), fixed so RSA signatures are the same bytes every run. */
function rsaKey(): KeyObject {
  return createPrivateKey(readFileSync(`${here}/../fixtures/cfssl/rsa-key.pem`, "utf8"));
}
