// k8s-pki genkey: cfssl genkey (a key and CSR; with -initca, a self-signed CA too).
import { generateKeyAndCsr, initCa, parseCsrJson } from "@k8s/pki";
import { bool, popArg, printCert, type CfsslContext } from "../cfssl-context.js";
import { PlainError, readStdinOrFile } from "../io.js";

export async function genkey(ctx: CfsslContext): Promise<void> {
  const file = popArg(ctx);
  if (ctx.args.length > 0) throw new PlainError("only one argument is accepted, please check with usage");
  const req = parseCsrJson(await readStdinOrFile(ctx.io, file));
  if (bool(ctx, "initca")) {
    printCert(ctx.io, await initCa(req));
    return;
  }
  if (req.ca) throw new PlainError("ca section only permitted in initca");
  const { keyPem, csrPem } = await generateKeyAndCsr(req);
  printCert(ctx.io, { key: keyPem, csr: csrPem });
}
