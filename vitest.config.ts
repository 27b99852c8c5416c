import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests of the kit itself (shared/ and the CLI). Lab tests run through vitest.lab.config.ts.
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
    include: ["shared/**/*.test.ts", "src/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
