// A deliberately tiny DER reader, independent of @k8s/pki's asn1 code, so a
// bug in our parser cannot hide the same bug in our encoder. It only splits
// TLVs (definite lengths, low tag numbers) and decodes OIDs.

export interface Tlv {
  tag: number;
  /** The whole encoding: identifier, length and content. */
  raw: Buffer;
  content: Buffer;
  /** Children of a constructed value (tag bit 0x20). */
  children: Tlv[];
}

function readOne(buf: Buffer, off: number): Tlv {
  if (off + 2 > buf.length) throw new Error(`der-walk: truncated at ${off}`);
  const tag = buf[off]!;
  let p = off + 1;
  let len = buf[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error(`der-walk: unsupported length form at ${off}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  if (p + len > buf.length) throw new Error(`der-walk: content overruns at ${off}`);
  const content = buf.subarray(p, p + len);
  const children: Tlv[] = [];
  if (tag & 0x20) {
    let q = 0;
    while (q < content.length) {
      const c = readOne(content, q);
      children.push(c);
      q += c.raw.length;
    }
  }
  return { tag, raw: buf.subarray(off, p + len), content, children };
}

/** Splits one DER value spanning the whole buffer. */
export function walk(der: Uint8Array): Tlv {
  const buf = Buffer.from(der);
  const t = readOne(buf, 0);
  if (t.raw.length !== buf.length) throw new Error("der-walk: trailing data");
  return t;
}

/** Dotted form of an OBJECT IDENTIFIER's content octets (X.690 8.19). */
export function oidString(content: Buffer): string {
  const arcs: number[] = [];
  let v = 0;
  for (const b of content) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  const first = arcs.shift()!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join(".");
}

export function child(t: Tlv, i: number): Tlv {
  const c = t.children[i];
  if (!c) throw new Error(`der-walk: no child ${i} in tag 0x${t.tag.toString(16)}`);
  return c;
}

/** One attribute of a Name: type OID, the value's universal tag, and the value bytes as text. */
export interface RawAttribute {
  type: string;
  tag: number;
  value: string;
}

/** A Name as RDNs of attributes, in encoding order (the grouping into RDNs is kept). */
export function nameRdns(name: Tlv): RawAttribute[][] {
  return name.children.map((rdn) =>
    rdn.children.map((atv) => {
      const v = child(atv, 1);
      return { type: oidString(child(atv, 0).content), tag: v.tag, value: v.content.toString(v.tag === 0x0c ? "utf8" : "latin1") };
    }),
  );
}

export interface RawExtension {
  oid: string;
  critical: boolean;
  valueHex: string;
}

function extensionsOf(list: Tlv): RawExtension[] {
  return list.children.map((e) => {
    const hasCrit = e.children.length === 3;
    return {
      oid: oidString(child(e, 0).content),
      critical: hasCrit ? child(e, 1).content[0] !== 0 : false,
      valueHex: child(e, hasCrit ? 2 : 1).content.toString("hex"),
    };
  });
}

/** The parts of a certificate the comparison needs, read without @k8s/pki. */
export interface RawCertificate {
  tbsSignatureAlgorithm: string;
  signatureAlgorithm: string;
  serial: Buffer;
  issuer: RawAttribute[][];
  issuerRaw: Buffer;
  subject: RawAttribute[][];
  subjectRaw: Buffer;
  timeTags: [number, number];
  spkiAlgorithm: string;
  extensions: RawExtension[];
}

export function walkCertificate(der: Uint8Array): RawCertificate {
  const cert = walk(der);
  const tbs = child(cert, 0);
  let i = child(tbs, 0).tag === 0xa0 ? 1 : 0;
  const serial = child(tbs, i++);
  const sig = child(tbs, i++);
  const issuer = child(tbs, i++);
  const validity = child(tbs, i++);
  const subject = child(tbs, i++);
  const spki = child(tbs, i++);
  const ext = tbs.children.slice(i).find((c) => c.tag === 0xa3);
  return {
    tbsSignatureAlgorithm: child(sig, 0).content.length ? sig.raw.toString("hex") : "",
    signatureAlgorithm: child(cert, 1).raw.toString("hex"),
    serial: serial.content,
    issuer: nameRdns(issuer),
    issuerRaw: issuer.raw,
    subject: nameRdns(subject),
    subjectRaw: subject.raw,
    timeTags: [child(validity, 0).tag, child(validity, 1).tag],
    spkiAlgorithm: child(spki, 0).raw.toString("hex"),
    extensions: ext ? extensionsOf(child(ext, 0)) : [],
  };
}

/** The parts of a PKCS#10 request the comparison needs, read without @k8s/pki. */
export interface RawCsr {
  version: number;
  subject: RawAttribute[][];
  subjectRaw: Buffer;
  spkiAlgorithm: string;
  /** The raw [0] attributes field, hex. */
  attributesHex: string;
  extensions: RawExtension[];
  signatureAlgorithm: string;
}

export function walkCsr(der: Uint8Array): RawCsr {
  const csr = walk(der);
  const info = child(csr, 0);
  const attrs = info.children[3];
  const extensions: RawExtension[] = [];
  for (const a of attrs?.children ?? []) {
    if (oidString(child(a, 0).content) !== "1.2.840.113549.1.9.14") continue;
    for (const set of child(a, 1).children) extensions.push(...extensionsOf(set));
  }
  return {
    version: child(info, 0).content[0] ?? -1,
    subject: nameRdns(child(info, 1)),
    subjectRaw: child(info, 1).raw,
    spkiAlgorithm: child(child(info, 2), 0).raw.toString("hex"),
    attributesHex: attrs ? attrs.raw.toString("hex") : "",
    extensions,
    signatureAlgorithm: child(csr, 1).raw.toString("hex"),
  };
}

/** The tree of tags (no contents) of a DER value: a structural fingerprint. */
export function skeleton(t: Tlv): unknown {
  return t.children.length > 0 || t.tag & 0x20 ? [t.tag, t.children.map(skeleton)] : t.tag;
}
