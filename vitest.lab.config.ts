import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vitest/config";
import { readLabDirs, resolveLabSpecifier } from "./src/cli/resolve-hook.js";
import { kitAlias } from "./vitest.config.ts";

const kitRoot = fileURLToPath(new URL("./", import.meta.url));

/**
 * Tests that drive node code in-process (the simulator labs) import it as `../src/...`, which typechecks
 * against the starter. At run time this plugin points every import of `labs/<lab>/src/` or
 * `solutions/<lab>/src/` at the target under test, so the same test file grades any submission.
 */
function targetUnderTest(): Plugin {
  const lab = process.env.DISTLAB_LAB;
  const target = process.env.DISTLAB_TARGET;
  const prefixes = lab ? [`${kitRoot}labs/${lab}/src/`, `${kitRoot}solutions/${lab}/src/`] : [];
  return {
    name: "distlab-target-under-test",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (!target || !importer || !source.startsWith(".")) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const prefix = resolved && prefixes.find((candidate) => resolved.id.startsWith(candidate));
      if (!resolved || !prefix) return null;
      return { ...resolved, id: `${target.replace(/\/$/, "")}/src/${resolved.id.slice(prefix.length)}` };
    },
  };
}

/**
 * `@distlab/lab/<NN-slug>/<path>` in a lab's tests (and in the code they reach) is the folder this run's
 * prerequisite map (DISTLAB_LAB_DIRS) gives for that lab, allowed only for the lab's own prerequisites:
 * the same lookup, and the same refusal, as the resolve hook of the processes that run lab code.
 */
function labSpecifiers(): Plugin {
  return {
    name: "distlab-lab-specifiers",
    enforce: "pre",
    resolveId(source, importer) {
      if (!source.startsWith("@distlab/lab/")) return null;
      return resolveLabSpecifier(source, importer, readLabDirs()) ?? null;
    },
  };
}

// Lab tests: run by `distlab test` and `distlab grade` with DISTLAB_LAB, DISTLAB_TARGET and DISTLAB_LAB_DIRS set.
// Service labs start the target's services as processes through the harness; simulator labs import it.
export default defineConfig({
  plugins: [labSpecifiers(), targetUnderTest()],
  resolve: { alias: kitAlias },
  test: {
    include: ["labs/*/tests/**/*.test.ts", "solutions/*/tests/**/*.test.ts"],
    // The on-disk module cache keys a transformed file by its own content, not by DISTLAB_TARGET, so it
    // would hand one target's resolved imports to the next grading run.
    fsModuleCache: false,
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
