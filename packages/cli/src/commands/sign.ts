// k8s-pki sign: cfssl sign (sign an existing CSR, optionally overriding subject and hosts).
import { createLocalSigner, parseSignSubject, splitHosts, type SignSubject } from "@k8s/pki";
import { loadCaPair, needRemoteUnsupported, popArg, printCert, str, type CfsslContext } from "../cfssl-context.js";
import { logLine, PlainError, readPlain, readStdinOrFile } from "../io.js";

export async function sign(ctx: CfsslContext): Promise<void> {
  const { io } = ctx;
  let csrFile = str(ctx, "csr");
  if (csrFile === "") csrFile = popArg(ctx);
  let subject: SignSubject | undefined;
  if (ctx.args.length > 0) {
    const subjectFile = popArg(ctx);
    if (ctx.args.length > 0) throw new PlainError("too many arguments are provided, please check with usage");
    subject = parseSignSubject(await readPlain(io, subjectFile));
  }
  const csr = await readStdinOrFile(io, csrFile);
  needRemoteUnsupported(ctx);
  if (!ctx.config) {
    if (str(ctx, "ca") === "") return logLine(io, "ERROR", "need CA certificate (provide one with -ca)");
    if (str(ctx, "ca-key") === "") return logLine(io, "ERROR", "need CA key (provide one with -ca-key)");
  }
  const signer = createLocalSigner({ ...(await loadCaPair(ctx)), config: ctx.config });
  const hostname = str(ctx, "hostname");
  const cert = await signer.sign({
    request: csr,
    hosts: hostname !== "" ? splitHosts(hostname) : undefined,
    subject,
    profile: str(ctx, "profile"),
  });
  printCert(io, { cert, csr });
}
