// k8s-pki certinfo: cfssl certinfo for a certificate (-cert), a CSR (-csr) or a TLS server (-domain).
import { isIP } from "node:net";
import { connect } from "node:tls";
import { certInfo, csrInfo, decodePem, goJsonStringify, parseCertificateDer, parseCsrDer, PkiError } from "@k8s/pki";
import { parseSingleCertificate, str, type CfsslContext } from "../cfssl-context.js";
import { PlainError, readPlain, readStdinOrFile } from "../io.js";

function fetchPeerCertificate(domain: string): Promise<Buffer> {
  let host = domain;
  let port = 443;
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(domain);
  if (m) {
    host = m[1] ?? m[2]!;
    port = Number(m[3]);
  }
  return new Promise((resolve, reject) => {
    // SNI carries host names only (RFC 6066 3), as Go's tls sends it: an IP as servername is what Node warns about (DEP0123).
    // Node's own isIP decides here, not @k8s/pki's parseGoIp: the warning follows isIP, which also takes zoned IPv6
    // (fe80::1%eth0) that Go's net.ParseIP refuses, so the Go parser would hand Node a servername it warns about.
    const sni = isIP(host) === 0 ? { servername: host } : {};
    const sock = connect({ host, port, ...sni, rejectUnauthorized: false, timeout: 10_000 }, () => {
      const der = sock.getPeerCertificate().raw;
      sock.end();
      if (der) resolve(der);
      else reject(new PlainError(`no certificate from ${domain}`));
    });
    sock.on("timeout", () => sock.destroy(new PlainError(`dial tcp ${domain}: i/o timeout`)));
    sock.on("error", (e) => reject(e instanceof PlainError ? e : new PlainError(e.message)));
  });
}

export async function certinfo(ctx: CfsslContext): Promise<void> {
  const { io } = ctx;
  let out: unknown;
  if (str(ctx, "cert") !== "") {
    const f = str(ctx, "cert");
    out = certInfo(parseSingleCertificate(f === "-" ? await io.readStdin() : await readPlain(io, f), "cert"));
  } else if (str(ctx, "csr") !== "") {
    // cfssl's certinfo.ParseCSRFile: only a text without PEM is a cfssl error (9002); the block's
    // type and signature are not checked, and x509's parse error is printed as it is.
    const decoded = decodePem(await readStdinOrFile(io, str(ctx, "csr")));
    if (!decoded) throw new PkiError("csr-decode-failed");
    let csr;
    try {
      csr = parseCsrDer(decoded.block.bytes, false);
    } catch (e) {
      throw new PlainError(e instanceof Error ? e.message : String(e));
    }
    out = csrInfo(csr);
  } else if (str(ctx, "domain") !== "") {
    out = certInfo(parseCertificateDer(await fetchPeerCertificate(str(ctx, "domain"))));
  } else if (str(ctx, "serial") !== "" && str(ctx, "aki") !== "") {
    throw new PkiError("input-invalid", "certinfo -serial/-aki needs a certificate database, which k8s-pki does not implement", { field: "serial" });
  } else {
    throw new PlainError("Must specify certinfo target through -cert, -csr, -domain or -serial + -aki");
  }
  io.stdout(goJsonStringify(out, 2) + "\n");
}
