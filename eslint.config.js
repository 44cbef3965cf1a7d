// Lint: typescript-eslint's recommended rules, type imports kept explicit,
// and the one-way package dependencies (cli -> deploy -> bootstrap -> pki) enforced.
import tseslint from "typescript-eslint";

const noUpward = (pkg, forbidden) => ({
  files: [`packages/${pkg}/src/**/*.ts`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          { group: forbidden.map((f) => `@k8s/${f}`), message: "dependencies point cli -> deploy -> bootstrap -> pki only" },
          { group: ["@k8s/*/src/*"], message: "import a package by its name, not its sources" },
        ],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ["**/dist/**", "node_modules/**", "coverage/**", "demo-pki/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // import() types are how lazily loaded modules (client-node) are typed without loading them.
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports", disallowTypeAnnotations: false }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  noUpward("pki", ["bootstrap", "deploy", "cli"]),
  noUpward("bootstrap", ["deploy", "cli"]),
  noUpward("deploy", ["cli"]),
  {
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
