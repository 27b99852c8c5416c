// Module resolution for lab code, in every process that runs it (the CLI, `distlab run` services, the
// node host's child, and vitest through vitest.lab.config.ts):
// - `@distlab/kit/<module>` is the kit runtime, wherever the importing file lives;
// - `@distlab/lab/<NN-slug>/<path under src/>` is an earlier lab's code. Which copy of that lab (the
//   student's own, the reference, a published compiled reference) is decided once per run by
//   src/lab/prereqs.ts and passed in DISTLAB_LAB_DIRS; this file only looks it up, and refuses an import of
//   a lab that the importing lab's manifest does not list as a prerequisite.
// Plain JavaScript: it runs before the TypeScript loader is registered.
import { existsSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const LAB_DIRS_ENV = "DISTLAB_LAB_DIRS";

const KIT_ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
const KIT_SPECIFIER = /^@distlab\/kit\/([a-z-]+)$/;
const LAB_SPECIFIER = /^@distlab\/lab\/([^/]*)(?:\/(.*))?$/;
const LAB_NAME = /^\d\d-[a-z][a-z0-9-]*$/;
// Where a lab's files sit inside the kit: its folders, and the staged copies of outside targets.
const KIT_LAB_FOLDER = /^(?:labs|solutions|reference)\/(\d\d-[a-z][a-z0-9-]*)(?:\/|$)/;
const STAGED_FOLDER = /^\.distlab\/targets\/(\d\d-[a-z][a-z0-9-]*)-[0-9a-f]{16}(?:\/|$)/;

/** The kit module a `@distlab/kit/<module>` specifier names, or undefined for any other specifier. */
export function kitModulePath(specifier) {
  const match = KIT_SPECIFIER.exec(specifier);
  return match ? join(KIT_ROOT, "shared", match[1], "index.ts") : undefined;
}

let cachedText;
let cachedMap;

/** The prerequisite map of this run, from DISTLAB_LAB_DIRS; undefined when none was given. */
export function readLabDirs(env = process.env) {
  const text = env[LAB_DIRS_ENV];
  if (text === undefined || text === "") return undefined;
  if (text === cachedText) return cachedMap;
  let map;
  try {
    map = JSON.parse(text);
  } catch (error) {
    throw new Error(`${LAB_DIRS_ENV} is not valid JSON (${error.message})`, { cause: error });
  }
  const labs = map && typeof map === "object" ? map.labs : undefined;
  if (!labs || typeof labs !== "object") throw new Error(`${LAB_DIRS_ENV} has no "labs" object`);
  for (const [name, entry] of Object.entries(labs)) {
    if (typeof entry?.dir !== "string" || !isAbsolute(entry.dir) || !Array.isArray(entry.prerequisites)) {
      throw new Error(`${LAB_DIRS_ENV}: lab ${name} needs an absolute "dir" and a "prerequisites" list`);
    }
  }
  cachedText = text;
  cachedMap = map;
  return map;
}

function inside(dir, path) {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** The lab a file belongs to: under one of the map's folders, or under a lab's folder in the kit. */
export function labOfFile(path, labDirs) {
  const owners = Object.entries(labDirs?.labs ?? {})
    .filter(([, entry]) => inside(entry.dir, path))
    .sort(([, a], [, b]) => b.dir.length - a.dir.length);
  if (owners.length > 0) return owners[0][0];
  if (!inside(KIT_ROOT, path)) return undefined;
  const rel = relative(KIT_ROOT, path).split(sep).join("/");
  return (KIT_LAB_FOLDER.exec(rel) ?? STAGED_FOLDER.exec(rel))?.[1];
}

/**
 * The file a `@distlab/lab/<NN-slug>/<path>` specifier names for a file imported from `importerPath`, or
 * undefined when the specifier is not one. Throws, naming both labs and the manifest, when the import is
 * not allowed; a published reference holds compiled `.js` where the source had `.ts`.
 */
export function resolveLabSpecifier(specifier, importerPath, labDirs) {
  const match = LAB_SPECIFIER.exec(specifier);
  if (!match) return undefined;
  const lab = match[1];
  const rest = match[2] ?? "";
  if (!LAB_NAME.test(lab) || rest === "" || rest.split("/").some((part) => part === ".." || part === "")) {
    throw new Error(
      `cannot import '${specifier}': write @distlab/lab/<NN-slug>/<path under that lab's src/>, e.g. @distlab/lab/01-kv/store.ts`,
    );
  }
  const from = importerPath ? ` (imported from ${displayPath(importerPath)})` : "";
  if (!labDirs) {
    throw new Error(
      `cannot import '${specifier}'${from}: no prerequisite map for this run (${LAB_DIRS_ENV}); run lab code through distlab (test, grade, run, demo, bench)`,
    );
  }
  const importer = importerPath ? labOfFile(importerPath, labDirs) : undefined;
  if (!importer) {
    throw new Error(
      `cannot import '${specifier}'${from}: only a lab's code, tests, demo and benchmark may import a lab`,
    );
  }
  if (importer !== lab) {
    const allowed = labDirs.labs[importer]?.prerequisites;
    if (!allowed) {
      throw new Error(
        `cannot import '${specifier}'${from}: lab ${importer} is not part of this run's prerequisite map`,
      );
    }
    if (!allowed.includes(lab)) {
      const listed = allowed.length === 0 ? "none" : allowed.join(", ");
      throw new Error(
        `lab ${importer} imports '${specifier}'${from}, but ${lab} is not one of its prerequisites ` +
          `(labs/${importer}/lab.json "prerequisites" lists: ${listed}); add "${lab.slice(0, 2)}" there to build on lab ${lab}`,
      );
    }
  }
  const entry = labDirs.labs[lab];
  if (!entry) {
    throw new Error(`cannot import '${specifier}'${from}: lab ${lab} is not part of this run's prerequisite map`);
  }
  const file = join(entry.dir, "src", rest);
  if (existsSync(file)) return file;
  const compiled = file.replace(/\.ts$/, ".js");
  if (compiled !== file && existsSync(compiled)) return compiled;
  const source = entry.source ? `${entry.source} ` : "";
  throw new Error(
    `cannot import '${specifier}'${from}: lab ${lab} (${source}code in ${displayPath(entry.dir)}) has no src/${rest}`,
  );
}

function displayPath(path) {
  return inside(KIT_ROOT, path) ? relative(KIT_ROOT, path) || "." : path;
}

function importerPathOf(context) {
  const parent = context.parentURL;
  return parent?.startsWith("file:") ? fileURLToPath(parent) : undefined;
}

/** The Node resolve hook (synchronous, so it also runs in-thread with module.registerHooks). */
export function resolve(specifier, context, nextResolve) {
  const kitModule = kitModulePath(specifier);
  if (kitModule) return nextResolve(pathToFileURL(kitModule).href, context);
  if (specifier.startsWith("@distlab/lab/")) {
    const file = resolveLabSpecifier(specifier, importerPathOf(context), readLabDirs());
    return nextResolve(pathToFileURL(file).href, context);
  }
  return nextResolve(specifier, context);
}
