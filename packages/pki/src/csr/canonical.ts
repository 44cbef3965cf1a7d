// Canonical requests: the one form in which every reader — ours, Go's
// pem/x509, OpenSSL — must see the same request. A decision that grants
// something (the approver, a signer) accepts only this form, so it never has
// to rely on two parsers agreeing about an odd encoding: client-go's
// certificate manager (the kubelet) always writes it, an attacker gains
// nothing by writing anything else.
import { decodeDer, TAG, type Der } from "../asn1/der.js";
import { OID } from "../asn1/oids.js";
import { PkiError } from "../errors.js";
import { decodePem, encodePem } from "../pem.js";
import { parseCsrDer, type ParsedCsr } from "./parse.js";

/** What a canonical request may ask for, beyond the form itself. */
export interface CanonicalRequestRules {
  /** SAN types allowed (default: DNS and IP only). */
  sanTypes?: readonly ("dns" | "ip" | "email" | "uri")[];
}

const notCanonical = (what: string): never => {
  throw new PkiError("csr-not-canonical", what);
};

// Go's AlgorithmIdentifier encodings for the signatures a kubelet can make:
// RSA PKCS #1 v1.5 with NULL parameters, ECDSA and Ed25519 without any.
const SIGNATURE_PARAMS: Record<string, "null" | "absent"> = {
  [OID.sha256WithRSA]: "null",
  [OID.sha384WithRSA]: "null",
  [OID.sha512WithRSA]: "null",
  [OID.ecdsaWithSha256]: "absent",
  [OID.ecdsaWithSha384]: "absent",
  [OID.ecdsaWithSha512]: "absent",
  [OID.ed25519]: "absent",
};

const V4_MAPPED_PREFIX = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

const GN_TAGS: Record<string, number> = { email: 0x81, dns: 0x82, uri: 0x86, ip: 0x87 };

/**
 * Strict DER, checked on every byte: low tag numbers, constructed form only
 * for SEQUENCE, SET and tagged values, minimal INTEGERs, DER BOOLEANs, BIT
 * STRINGs whose unused bits are zero, SET OF members in sorted order, and no
 * byte that is not part of a well-formed element.
 */
function assertStrictDer(root: Der, rootPath: string): void {
  // An explicit stack: nesting depth is the sender's choice, the call stack is not.
  const stack: [Der, number][] = [[root, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, depth] = item;
    const path = `${rootPath}, an element at depth ${depth}`;
    if (node.constructed) {
      if (node.cls === 0 && node.num !== 16 && node.num !== 17) notCanonical(`${path}: constructed form of universal tag ${node.num}`);
      const kids = node.children();
      if (node.is(TAG.SET)) {
        for (let i = 1; i < kids.length; i++) if (Buffer.compare(kids[i - 1]!.raw, kids[i]!.raw) > 0) notCanonical(`${path}: SET OF members not in DER order`);
      }
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, depth + 1]);
      continue;
    }
    if (node.cls === 0 && (node.num === 16 || node.num === 17)) notCanonical(`${path}: primitive SEQUENCE or SET`);
    try {
      if (node.is(TAG.INTEGER)) node.integerContent();
      else if (node.is(TAG.BOOLEAN)) node.toBoolean();
      else if (node.is(TAG.BIT_STRING)) node.toBitString();
      else if (node.is(TAG.NULL) && node.content.length !== 0) notCanonical(`${path}: NULL with content`);
    } catch (e) {
      if (e instanceof PkiError && e.code === "csr-not-canonical") throw e;
      notCanonical(`${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

const count = (node: Der, n: number, what: string): Der[] => {
  const kids = node.children();
  if (kids.length !== n) notCanonical(`${what} has ${kids.length} elements, not ${n}`);
  return kids;
};

// PrintableString in the strict X.680 sense (no '*' or '&', which Go reads but never writes).
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function checkSubject(name: Der): void {
  name.expect(TAG.SEQUENCE, "subject");
  for (const rdn of name.children()) {
    const atvs = rdn.expect(TAG.SET, "subject RDN").children();
    if (atvs.length === 0) notCanonical("an empty RDN in the subject");
    for (const atv of atvs) {
      const [type, value] = count(atv.expect(TAG.SEQUENCE, "subject attribute"), 2, "a subject attribute");
      type!.expect(TAG.OID, "subject attribute type");
      if (value!.is(TAG.PRINTABLE_STRING)) {
        if (!PRINTABLE.test(value!.content.toString("latin1"))) notCanonical(`subject attribute ${type!.toOid()}: PrintableString with characters outside its set`);
      } else if (!value!.is(TAG.UTF8_STRING)) {
        notCanonical(`subject attribute ${type!.toOid()}: value of tag 0x${value!.tag.toString(16)} (only PrintableString and UTF8String are accepted)`);
      }
    }
  }
}

function checkPublicKey(spki: Der): void {
  const [alg, bits] = count(spki, 2, "the SubjectPublicKeyInfo");
  const algKids = alg!.expect(TAG.SEQUENCE, "public key algorithm").children();
  const id = algKids[0]?.toOid();
  if (id === OID.rsaEncryption) {
    if (algKids.length !== 2 || !algKids[1]!.is(TAG.NULL)) notCanonical("RSA key algorithm without exactly NULL parameters");
    const key = bits!.toBitString();
    if (key.unusedBits !== 0) notCanonical("public key BIT STRING with unused bits");
    let pkcs1: Der;
    try {
      pkcs1 = decodeDer(key.bytes, "csr-not-canonical");
    } catch {
      return notCanonical("RSA public key is not one DER element");
    }
    assertStrictDer(pkcs1, "RSA key");
    const [n, e] = count(pkcs1.expect(TAG.SEQUENCE, "RSA key"), 2, "the RSA key");
    n!.expect(TAG.INTEGER, "modulus");
    e!.expect(TAG.INTEGER, "exponent");
  } else if (id === OID.ecPublicKey) {
    if (algKids.length !== 2 || !algKids[1]!.is(TAG.OID)) notCanonical("EC key algorithm without a named curve");
    if (bits!.toBitString().unusedBits !== 0) notCanonical("public key BIT STRING with unused bits");
  } else if (id === OID.ed25519) {
    if (algKids.length !== 1) notCanonical("Ed25519 key algorithm with parameters");
    if (bits!.toBitString().unusedBits !== 0) notCanonical("public key BIT STRING with unused bits");
  } else {
    notCanonical(`public key algorithm ${id ?? "?"} is not RSA, ECDSA or Ed25519`);
  }
}

function checkAttributes(attrs: Der, sanTypes: readonly string[]): void {
  if (attrs.tag !== 0xa0) notCanonical("attributes are not an IMPLICIT [0] SET");
  const list = attrs.children();
  if (list.length > 1) notCanonical(`${list.length} attributes (at most one extensionRequest is accepted)`);
  if (list.length === 0) return;
  const [type, values] = count(list[0]!.expect(TAG.SEQUENCE, "attribute"), 2, "the attribute");
  const oid = type!.toOid();
  if (oid !== OID.extensionRequest) notCanonical(`attribute ${oid} (only extensionRequest is accepted)`);
  const vals = values!.expect(TAG.SET, "attribute values").children();
  if (vals.length !== 1) notCanonical(`extensionRequest has ${vals.length} values, not 1`);
  const exts = vals[0]!.expect(TAG.SEQUENCE, "extensions").children();
  // Go writes no attribute at all when there is nothing to request.
  if (exts.length === 0) notCanonical("an extensionRequest with no extensions");
  const seen = new Set<string>();
  for (const ext of exts) {
    const kids = ext.expect(TAG.SEQUENCE, "extension").children();
    const id = kids[0]?.toOid();
    if (id === undefined) return notCanonical("an extension without an id");
    if (seen.has(id)) notCanonical(`extension ${id} requested twice`);
    seen.add(id);
    if (id !== OID.subjectAltName) notCanonical(`extension ${id} (only subjectAltName is accepted)`);
    // DEFAULT FALSE is never written in DER, so a critical flag is present only as TRUE.
    let i = 1;
    if (kids[i]?.is(TAG.BOOLEAN)) {
      if (!kids[i]!.toBoolean()) notCanonical("extension with an explicit critical FALSE");
      i++;
    }
    if (kids.length !== i + 1 || !kids[i]!.is(TAG.OCTET_STRING)) notCanonical(`extension ${id} is not (id, [critical], value)`);
    checkSans(kids[i]!.content, sanTypes);
  }
}

function checkSans(value: Buffer, sanTypes: readonly string[]): void {
  let seq: Der;
  try {
    seq = decodeDer(value, "csr-not-canonical");
  } catch {
    return notCanonical("subjectAltName value is not exactly one DER element");
  }
  assertStrictDer(seq, "subjectAltName");
  const allowed = new Set(sanTypes.map((t) => GN_TAGS[t]));
  const kids = seq.expect(TAG.SEQUENCE, "subjectAltName").children();
  if (kids.length === 0) notCanonical("empty subjectAltName");
  for (const gn of kids) {
    if (!allowed.has(gn.tag)) notCanonical(`subject alternative name of tag 0x${gn.tag.toString(16)} (accepted: ${sanTypes.join(", ")})`);
    if (gn.tag === 0x87 && gn.content.length !== 4 && gn.content.length !== 16) notCanonical(`IP address of ${gn.content.length} bytes`);
    // Go writes an IPv4 address in 4 bytes, never in its IPv4-mapped IPv6 form.
    if (gn.tag === 0x87 && gn.content.length === 16 && gn.content.subarray(0, 12).equals(V4_MAPPED_PREFIX)) notCanonical("an IPv4 address written as IPv4-mapped IPv6");
  }
}

/**
 * Parses a PEM request and refuses it unless it is canonical: exactly one
 * `CERTIFICATE REQUEST` block written as Go's pem.Encode writes it (a final
 * newline may be missing), strict DER throughout, version 0, the signature
 * and key algorithm identifiers as Go writes them, subject values only as
 * PrintableString or UTF8String, at most one attribute (extensionRequest)
 * with one value, no repeated extension and no extension but
 * subjectAltName, and SANs only of the allowed types. Then it is parsed as Go
 * parses it and its signature checked.
 *
 * @throws PkiError `csr-not-canonical` naming the first thing that is not
 *   canonical; the parser's errors for a request Go itself refuses.
 */
export function parseCanonicalCsrPem(input: string | Uint8Array, rules: CanonicalRequestRules = {}): ParsedCsr {
  const sanTypes = rules.sanTypes ?? ["dns", "ip"];
  const text = typeof input === "string" ? Buffer.from(input, "utf8") : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const decoded = decodePem(text);
  if (!decoded) throw new PkiError("csr-decode-failed", "no PEM block");
  const { block } = decoded;
  if (block.type !== "CERTIFICATE REQUEST") notCanonical(`PEM block type ${JSON.stringify(block.type)}, not "CERTIFICATE REQUEST"`);
  if (Object.keys(block.headers).length > 0) notCanonical("PEM headers");
  const expected = Buffer.from(encodePem(block.type, block.bytes), "latin1");
  if (!text.equals(expected) && !text.equals(expected.subarray(0, expected.length - 1))) {
    notCanonical("PEM text not in the exact form Go's pem.Encode writes (one block, 64-column lines, nothing before or after)");
  }

  let root: Der;
  try {
    root = decodeDer(block.bytes, "csr-not-canonical");
    assertStrictDer(root, "request");
  } catch (e) {
    if (e instanceof PkiError && e.code === "csr-not-canonical") throw e;
    return notCanonical(`not strict DER: ${e instanceof Error ? e.message : String(e)}`);
  }
  const [info, alg, sig] = count(root.expect(TAG.SEQUENCE, "request"), 3, "the request");
  const [version, subject, spki, attrs] = count(info!.expect(TAG.SEQUENCE, "request info"), 4, "the request info");
  if (version!.toBigInt() !== 0n) notCanonical(`version ${version!.toBigInt()} (must be 0)`);
  checkSubject(subject!);
  checkPublicKey(spki!.expect(TAG.SEQUENCE, "public key info"));
  checkAttributes(attrs!, sanTypes);
  const algKids = alg!.expect(TAG.SEQUENCE, "signature algorithm").children();
  const sigOid = algKids[0]?.toOid() ?? "";
  const params = SIGNATURE_PARAMS[sigOid];
  if (params === undefined) notCanonical(`signature algorithm ${sigOid} (accepted: SHA-256/384/512 with RSA or ECDSA, Ed25519)`);
  if (params === "null" ? algKids.length !== 2 || !algKids[1]!.is(TAG.NULL) : algKids.length !== 1) {
    notCanonical(`signature algorithm ${sigOid} with parameters Go does not write`);
  }
  if (sig!.toBitString().unusedBits !== 0) notCanonical("signature BIT STRING with unused bits");
  return parseCsrDer(block.bytes, true);
}
