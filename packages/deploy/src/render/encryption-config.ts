// EncryptionConfiguration (apiserver.config.k8s.io/v1): Secrets encrypted at rest, identity last so old data stays readable.
import jsYaml from "js-yaml";
import type { RenderContext } from "./context.js";

export function encryptionConfig(c: RenderContext): string {
  const provider = c.inv.encryptionProvider;
  return jsYaml.dump(
    {
      apiVersion: "apiserver.config.k8s.io/v1",
      kind: "EncryptionConfiguration",
      resources: [{ resources: ["secrets"], providers: [{ [provider]: { keys: [{ name: "key1", secret: c.secrets.encryptionKey }] } }, { identity: {} }] }],
    },
    { lineWidth: -1, noRefs: true },
  );
}
