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

/**
 * The on-disk module cache keys a transformed file by its content; a file that reaches lab code (`../src/`,
 * `@distlab/lab/`) is resolved against this run's target and prerequisites, so its key includes them too:
 * one target's resolved imports never serve another run.
 */
function cacheKeyedByRun(): Plugin {
  const reachesLabCode = /["']\.\.?\/[^"']*src\/|@distlab\/lab\//;
  return {
    name: "distlab-cache-keyed-by-run",
    configureVitest({ defineCacheKeyGenerator }) {
      defineCacheKeyGenerator(({ sourceCode }) =>
        reachesLabCode.test(sourceCode)
          ? `${process.env.DISTLAB_TARGET ?? ""}\0${process.env.DISTLAB_LAB_DIRS ?? ""}`
          : undefined,
      );
    },
  };
}

// Lab tests: run by `distlab test` and `distlab grade` with DISTLAB_LAB, DISTLAB_TARGET and DISTLAB_LAB_DIRS set.
// Service labs start the target's services as processes through the harness; simulator labs import it.
export default defineConfig({
  plugins: [labSpecifiers(), targetUnderTest(), cacheKeyedByRun()],
  resolve: { alias: kitAlias },
  test: {
    include: ["labs/*/tests/**/*.test.ts", "solutions/*/tests/**/*.test.ts"],
    // Keyed by run where it matters (cacheKeyedByRun); kept under .distlab/, which no sandbox shows.
    fsModuleCache: true,
    fsModuleCachePath: ".distlab/vitest-cache",
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
