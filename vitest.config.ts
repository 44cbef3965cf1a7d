import { defineConfig } from "vitest/config";

// Tests import the packages' TypeScript sources through the "@k8s/source"
// export condition, so no build is needed to run them.
const conditions = ["@k8s/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
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
        test: { name: "ops", include: ["test/ops/**/*.test.ts"], environment: "node", testTimeout: 300_000, hookTimeout: 300_000, sequence: { groupOrder: 1 } },
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
    ],
  },
});
