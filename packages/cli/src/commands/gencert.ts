// k8s-pki gencert: cfssl gencert (initca, renewca, or key + CSR + signed certificate).
import { createLocalSigner, generateKeyAndCsr, initCa, parseCsrJson, parseGoDuration, parsePrivateKeyPem, renewCa, requestSubject, splitHosts, type CertificateRequest } from "@k8s/pki";
import { bool, loadCaCert, loadCaPair, needRemoteUnsupported, popArg, printCert, str, type CfsslContext } from "../cfssl-context.js";
import { logLine, PlainError, readBytes, readStdinOrFile } from "../io.js";

export const NO_HOSTS_WARNING =
  'This certificate lacks a "hosts" field. This makes it unsuitable for\nwebsites. For more information see the Baseline Requirements for the Issuance and Management\nof Publicly-Trusted Certificates, v.1.1.6, from the CA/Browser Forum (https://cabforum.org);\nspecifically, section 10.2.3 ("Information Requirements").';

export async function gencert(ctx: CfsslContext): Promise<void> {
  const { io } = ctx;
  if (bool(ctx, "renewca")) {
    const cert = await renewCa(await loadCaCert(ctx), parsePrivateKeyPem(await readBytes(io, str(ctx, "ca-key")), "ca-key"));
    printCert(io, { cert });
    return;
  }
  const file = popArg(ctx);
  if (ctx.args.length > 0) throw new PlainError("only one argument is accepted, please check with usage");
  const req = parseCsrJson(await readStdinOrFile(io, file));
  if (str(ctx, "cn") !== "") req.CN = str(ctx, "cn");

  if (bool(ctx, "initca")) {
    if (str(ctx, "ca-key") !== "") {
      const key = parsePrivateKeyPem(await readBytes(io, str(ctx, "ca-key")), "ca-key");
      checkCaDurations(req, false);
      // initca.NewFromSigner returns csr.Generate's subject error (a bad names OID) unwrapped: plain text.
      try {
        requestSubject(req);
      } catch (e) {
        throw new PlainError(e instanceof Error ? e.message : String(e));
      }
      const out = await initCa(req, { key });
      printCert(io, { cert: out.cert, csr: out.csr });
    } else {
      checkCaDurations(req, true);
      printCert(io, await initCa(req));
    }
    return;
  }

  if (req.ca) throw new PlainError("ca section only permitted in initca");
  const hostname = str(ctx, "hostname");
  const hosts = splitHosts(hostname);
  if (hostname !== "") req.hosts = hosts;
  needRemoteUnsupported(ctx);
  if (!ctx.config) {
    // cfssl logs and exits 0 with no output here; scripts rely on it.
    if (str(ctx, "ca") === "") return logLine(io, "ERROR", "need a CA certificate (provide one with -ca)");
    if (str(ctx, "ca-key") === "") return logLine(io, "ERROR", "need a CA key (provide one with -ca-key)");
  }
  // cfssl makes the key and CSR before it reads the CA files, so their faults come first.
  const { keyPem, csrPem } = await generateKeyAndCsr(req);
  const signer = createLocalSigner({ ...(await loadCaPair(ctx)), config: ctx.config });
  const cert = await signer.sign({
    request: csrPem,
    hosts: hostname !== "" ? hosts : undefined,
    profile: str(ctx, "profile"),
    crlOverride: str(ctx, "crl") || undefined,
  });
  if (hosts.length === 0 && req.hosts.length === 0) logLine(io, "WARNING", NO_HOSTS_WARNING);
  printCert(io, { cert, csr: csrPem, key: keyPem });
}

/**
 * cfssl's initca reads `ca.expiry` (and, for a new key, `ca.backdate`) with
 * time.ParseDuration before anything else and returns Go's plain error
 * (`time: invalid duration "bogus"`, no cfssl code), ahead of the subject check.
 */
function checkCaDurations(req: CertificateRequest, withBackdate: boolean): void {
  const check = (s: string | undefined): void => {
    if (!s) return;
    try {
      parseGoDuration(s);
    } catch (e) {
      throw new PlainError(e instanceof Error ? e.message : String(e));
    }
  };
  check(req.ca?.expiry);
  if (withBackdate) check(req.ca?.backdate);
}
