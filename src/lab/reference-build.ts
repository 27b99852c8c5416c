import { build, type Plugin } from "esbuild";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { Lab } from "./catalogue.ts";

/**
 * The published reference of a lab: its solution's src/, compiled to minified JavaScript one module per
 * file, so that `@distlab/lab/NN-slug/<path>.ts` resolves to `reference/NN-slug/src/<path>.js` (the
 * resolve hook falls back from .ts to .js) and relative imports between its modules still work. Files that
 * are not TypeScript (a .proto) are published as they are. Returns the files by path under src/.
 */
export async function compileReference(lab: Lab): Promise<Map<string, Buffer>> {
  const source = join(lab.solutionDir, "src");
  const files = (await readdir(source, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(source, join(entry.parentPath, entry.name)))
    .sort();
  const published = new Map<string, Buffer>();
  for (const file of files.filter((name) => !name.endsWith(".ts"))) {
    published.set(file, await readFile(join(source, file)));
  }
  const entryPoints = files.filter((name) => name.endsWith(".ts")).map((name) => join(source, name));
  if (entryPoints.length === 0) return published;
  const outdir = join(source, "..", ".reference-out");
  const result = await build({
    entryPoints,
    outbase: source,
    outdir,
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node22",
    minify: true,
    legalComments: "none",
    logLevel: "silent",
    plugins: [oneModulePerFile],
  });
  for (const output of result.outputFiles) published.set(relative(outdir, output.path), Buffer.from(output.contents));
  return published;
}

/** Every import stays an import: relative ones point at the compiled sibling, the rest resolve at run time. */
const oneModulePerFile: Plugin = {
  name: "distlab-one-module-per-file",
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      const path = args.path.startsWith(".") ? args.path.replace(/\.ts$/, ".js") : args.path;
      return { path, external: true };
    });
  },
};
