import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { UsageError, type Lab } from "./catalogue.ts";
import { KIT_ROOT } from "./paths.ts";
import { compileReference } from "./reference-build.ts";
import { studentReadme } from "./student-readme.ts";

/** What the student edition takes from the kit; everything else (solutions/, .ci/, instructor notes) stays. */
const COPIED = [
  "bin",
  "src",
  "shared",
  "course/syllabus.md",
  ".devcontainer",
  "Makefile",
  "package-lock.json",
  "tsconfig.json",
  "vitest.config.ts",
  "vitest.lab.config.ts",
  "eslint.config.js",
  ".prettierrc.json",
  ".prettierignore",
  ".gitignore",
  ".npmrc",
];

/** Which labs a student edition holds: every lab up to `through`, and the reference of those up to `referenceThrough`. */
export interface Release {
  through: string;
  referenceThrough: string | null;
}

/** The files of a student edition, by path, as they are to be written. */
export type EditionFiles = Map<string, Buffer>;

/** Checks a release against the labs there are, and defaults `through` to the last lab. */
export function release(labs: Lab[], through: string | undefined, referenceThrough: string | undefined): Release {
  const ids = labs.map((lab) => lab.manifest.id);
  const id = (flag: string, value: string) => {
    const padded = value.trim().padStart(2, "0");
    if (!/^\d\d$/.test(padded) || !ids.includes(padded)) {
      throw new UsageError(`--${flag} ${value}: no lab with that id; the labs are ${ids.join(", ")}`);
    }
    return padded;
  };
  const last = ids.at(-1);
  if (!last) throw new UsageError("there is no lab to publish");
  const upTo = through === undefined ? last : id("through", through);
  const reference = referenceThrough === undefined ? null : id("reference-through", referenceThrough);
  if (reference !== null && reference > upTo) {
    throw new UsageError(
      `--reference-through ${reference} is past --through ${upTo}: publish a lab's reference only once the lab itself is released (and past due)`,
    );
  }
  return { through: upTo, referenceThrough: reference };
}

/**
 * Everything a student edition holds for a release: the kit runtime and CLI, each released lab's handout,
 * starter, visible tests, demo and benchmark with a manifest of visible groups only, the compiled reference
 * of past-due labs, and its own package.json and README. No solution source and no hidden test.
 */
export async function editionFiles(labs: Lab[], chosen: Release): Promise<EditionFiles> {
  const files: EditionFiles = new Map();
  for (const entry of COPIED) await addTree(files, join(KIT_ROOT, entry), entry);
  const released = labs.filter((lab) => lab.manifest.id <= chosen.through);
  for (const lab of released) {
    const hidden = new Set(lab.manifest.tests.filter((group) => group.hidden).map((group) => group.file));
    await addTree(files, lab.labDir, `labs/${lab.name}`, (rel) => !hidden.has(rel));
    const manifest = { ...lab.manifest, tests: lab.manifest.tests.filter((group) => !group.hidden) };
    files.set(`labs/${lab.name}/lab.json`, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  }
  const published = released.filter(
    (lab) => chosen.referenceThrough !== null && lab.manifest.id <= chosen.referenceThrough,
  );
  for (const lab of published) {
    if (!lab.hasSolutions)
      throw new UsageError(`cannot publish the reference of ${lab.name}: this kit has no solutions/`);
    for (const [path, content] of await compileReference(lab)) files.set(`reference/${lab.name}/src/${path}`, content);
  }
  files.set("package.json", await studentPackageJson());
  files.set("README.md", Buffer.from(studentReadme()));
  return files;
}

/** Adds the files under `from` (a file or a folder) as `to/...`, leaving out local state. */
async function addTree(
  files: EditionFiles,
  from: string,
  to: string,
  keep: (relativePath: string) => boolean = () => true,
): Promise<void> {
  if (!existsSync(from)) return;
  if (!(await stat(from)).isDirectory()) {
    files.set(to, await readFile(from));
    return;
  }
  for (const entry of await readdir(from, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const rel = relative(from, path);
    if (isLocalState(rel) || !keep(rel)) continue;
    files.set(`${to}/${rel}`, await readFile(path));
  }
}

function isLocalState(rel: string): boolean {
  return /(^|\/)(node_modules|\.distlab|data)(\/|$)/.test(rel);
}

/** The kit's package.json, with the scripts a student uses: `npm test` runs the current lab's visible tests. */
async function studentPackageJson(): Promise<Buffer> {
  const pkg = JSON.parse(await readFile(join(KIT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  pkg.scripts = {
    test: "node bin/distlab.js test",
    typecheck: pkg.scripts.typecheck!,
    lint: pkg.scripts.lint!,
    demo: pkg.scripts.demo!,
  };
  return Buffer.from(`${JSON.stringify(pkg, null, 2)}\n`);
}
