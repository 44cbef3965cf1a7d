// k8s-pki selfsign: cfssl selfsign (HOSTNAME is accepted and, as in cfssl, ignored).
import { parseCsrJson, selfSign, selfSignProfile } from "@k8s/pki";
import { bool, popArg, printCert, str, type CfsslContext } from "../cfssl-context.js";
import { PlainError, readStdinOrFile } from "../io.js";

const WARNING = `*** WARNING ***

Self-signed certificates are dangerous. Use this self-signed
certificate at your own risk.

It is strongly recommended that these certificates NOT be used
in production.

*** WARNING ***

`;

export async function selfsign(ctx: CfsslContext): Promise<void> {
  if (str(ctx, "hostname") === "" && !bool(ctx, "initca")) popArg(ctx);
  const file = popArg(ctx);
  if (ctx.args.length > 0) throw new PlainError("too many arguments are provided, please check with usage");
  const req = parseCsrJson(await readStdinOrFile(ctx.io, file));
  const out = await selfSign(req, selfSignProfile(ctx.config, str(ctx, "profile")));
  ctx.io.stderr(WARNING);
  printCert(ctx.io, out);
}
