import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Lab tests: run by `distlab test` and `distlab grade` with DISTLAB_LAB and DISTLAB_TARGET set.
// They never import the code under test; they start its services as processes through the harness.
export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@distlab\/kit\/([a-z-]+)$/,
        replacement: fileURLToPath(new URL("./shared/$1/index.ts", import.meta.url)),
      },
    ],
  },
  test: {
    include: ["labs/*/tests/**/*.test.ts", "solutions/*/tests/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
