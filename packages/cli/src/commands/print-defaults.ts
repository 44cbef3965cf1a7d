// k8s-pki print-defaults: cfssl's config and csr templates.
import { PRINT_DEFAULTS } from "@k8s/pki";
import { popArg, type CfsslContext } from "../cfssl-context.js";

export async function printDefaults(ctx: CfsslContext): Promise<void> {
  const what = popArg(ctx);
  const text = (PRINT_DEFAULTS as Record<string, string>)[what];
  if (what !== "list" && text !== undefined) {
    ctx.io.stdout(text + "\n");
    return;
  }
  ctx.io.stdout("Default configurations are available for:\n" + Object.keys(PRINT_DEFAULTS).map((k) => `\t${k}\n`).join(""));
}
