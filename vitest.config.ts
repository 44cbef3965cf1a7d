import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import the packages' TypeScript sources (@k8s/pki -> packages/pki/src/index.ts, ...),
// so no build is needed to run them. The mapping lives here and in the test and
// bench tsconfig "paths", not in the packages' exports, so that the published
// package.json files carry no development-only condition.
const sources = [
  { find: /^@k8s\/(pki|bootstrap|deploy|cli)$/, replacement: fileURLToPath(new URL("./packages/$1/src/index.ts", import.meta.url)) },
];

export default defineConfig({
  resolve: { alias: sources },
  test: {
    restoreMocks: true,
    clearMocks: true,
    projects: [
      ...["pki", "bootstrap", "deploy", "cli"].map((name) => ({
        extends: true as const,
        test: { name, include: [`test/${name}/**/*.test.ts`], environment: "node", testTimeout: 60_000 },
      })),
      {
        extends: true as const,
        // The operations bundle: the container image built, imported into a real containerd and run.
        // After the integration project (vitest needs a group of its own for a different worker count).
        test: { name: "ops", include: ["test/ops/**/*.test.ts"], environment: "node", testTimeout: 300_000, hookTimeout: 300_000, maxWorkers: 2, sequence: { groupOrder: 2 } },
      },
      {
        extends: true as const,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // Each file starts its own real control plane; two at once is all 2 cores take.
          maxWorkers: 2,
          // After the unit projects, which run with the default worker count.
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true as const,
        // The nspawn test bed (scripts/testbed.sh): machines, a bridge and host sysctls, one bed per host, so it
        // runs last and alone.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 300_000,
          hookTimeout: 600_000,
          maxWorkers: 1,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
