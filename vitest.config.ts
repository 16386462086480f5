import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    reporters: ["default", "./test/support/closing-line-reporter.ts"],
    // @actions/workflow-parser imports JSON without import attributes, which Node 20's ESM loader
    // refuses; inlining lets Vite transform it, as the esbuild bundle does for the CLI.
    server: { deps: { inline: [/@actions\//] } },
    projects: [
      // The PostgreSQL store suites create a database per suite, which takes seconds on a busy machine.
      {
        extends: true,
        test: { name: "unit", include: ["src/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          setupFiles: ["./test/support/fresh-connections.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The OpenFeature providers of packages/*, through the real SDKs against the built CLI.
        extends: true,
        test: {
          name: "packages",
          include: ["packages/*/test/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
