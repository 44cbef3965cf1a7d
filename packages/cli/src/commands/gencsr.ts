// k8s-pki gencsr: cfssl gencsr (a CSR for an existing key, from CSR JSON or from a certificate).
import { generateKeyAndCsr, parseCsrJson, parsePrivateKeyPem, requestFromCertificate, requestSubject, splitHosts } from "@k8s/pki";
import { parseSingleCertificate, popArg, printCert, str, type CfsslContext } from "../cfssl-context.js";
import { PlainError, readBytes, readStdinOrFile } from "../io.js";

export async function gencsr(ctx: CfsslContext): Promise<void> {
  const keyFile = str(ctx, "key");
  if (keyFile === "") throw new PlainError("private key file is required through '-key', please check with usage");
  const keyBytes = await readBytes(ctx.io, keyFile);
  const key = parsePrivateKeyPem(keyBytes, "key");
  let req;
  if (str(ctx, "cert") !== "") {
    if (ctx.args.length > 0) throw new PlainError("no argument is accepted with '-cert', please check with usage");
    req = requestFromCertificate(parseSingleCertificate(await readBytes(ctx.io, str(ctx, "cert")), "cert"));
  } else {
    const file = popArg(ctx);
    if (ctx.args.length > 0) throw new PlainError("only one argument is accepted, please check with usage");
    req = parseCsrJson(await readStdinOrFile(ctx.io, file));
  }
  if (str(ctx, "hostname") !== "") req.hosts = splitHosts(str(ctx, "hostname"));
  // cfssl's csr.Generate returns the subject's error (a bad names OID) unwrapped: plain text, not cfssl JSON.
  try {
    requestSubject(req);
  } catch (e) {
    throw new PlainError(e instanceof Error ? e.message : String(e));
  }
  const { csrPem } = await generateKeyAndCsr(req, key);
  // cfssl echoes the key file back verbatim.
  printCert(ctx.io, { key: keyBytes, csr: csrPem });
}
