import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** `@distlab/kit/<module>` is the kit runtime, wherever the importing file lives (the CLI has the same hook). */
export const kitAlias = [
  {
    find: /^@distlab\/kit\/([a-z-]+)$/,
    replacement: fileURLToPath(new URL("./shared/$1/index.ts", import.meta.url)),
  },
];

// Tests of the kit itself (shared/ and the CLI). Lab tests run through vitest.lab.config.ts.
export default defineConfig({
  resolve: { alias: kitAlias },
  test: {
    include: ["shared/**/*.test.ts", "src/**/*.test.ts"],
    // Fixture labs are run by the grading core's own tests (one of them kills its runner on purpose).
    exclude: ["**/node_modules/**", "**/fixtures/**"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
