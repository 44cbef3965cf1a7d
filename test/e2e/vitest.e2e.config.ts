// The end-to-end tests on the nspawn test bed (scripts/testbed.sh): not in
// the root vitest.config.ts projects, so `npm test` does not run them.
//   npx vitest run -c test/e2e/vitest.e2e.config.ts
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  resolve: {
    alias: [{ find: /^@k8s\/(pki|bootstrap|deploy|cli)$/, replacement: fileURLToPath(new URL("../../packages/$1/src/index.ts", import.meta.url)) }],
  },
  test: {
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    testTimeout: 300_000,
    hookTimeout: 600_000,
    // One bed per host: the files must not run at once.
    fileParallelism: false,
  },
});
