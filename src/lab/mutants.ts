import { existsSync, readFileSync, readdirSync } from "node:fs";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { Lab } from "./catalogue.ts";
import { ConfigError } from "./errors.ts";
import { KIT_ROOT } from "./paths.ts";

/**
 * A mutant is a small, deliberate bug planted in a copy of the reference solution, with the test groups
 * that must catch it. `distlab mutate` proves the tests can fail for the reasons the handout gives.
 */
const mutantSchema = z.strictObject({
  description: z.string().min(1),
  file: z.string().regex(/^src\/[\w./-]+\.ts$/),
  /** Exact text that must occur once in the file... */
  find: z.string().min(1),
  /** ...and what replaces it. */
  replace: z.string(),
  /** Names of manifest test groups of which at least one must lose points. */
  caughtBy: z.array(z.string().min(1)).min(1),
  /** The handout's requirement ids the bug breaks (see requirements.ts): the tests naming them must fail. */
  requirements: z
    .array(z.string().regex(/^R\d\d\.(?:\d+|P)\.\d+$/, "a requirement id such as R01.3.2"))
    .min(1)
    .optional(),
});

export type Mutant = z.infer<typeof mutantSchema> & { name: string };

export function readMutants(lab: Lab): Mutant[] {
  const dir = join(lab.solutionDir, "mutants");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => {
      const parsed = mutantSchema.safeParse(JSON.parse(readFileSync(join(dir, file), "utf8")));
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
        throw new ConfigError(`solutions/${lab.name}/mutants/${file}: ${problems}`);
      }
      const unknown = parsed.data.caughtBy.filter((name) => !lab.manifest.tests.some((group) => group.name === name));
      if (unknown.length > 0)
        throw new ConfigError(`solutions/${lab.name}/mutants/${file}: no test group named ${unknown.join(", ")}`);
      return { ...parsed.data, name: file.replace(/\.json$/, "") };
    });
}

/**
 * Writes the solution with the mutant planted into `target` (by default a scratch target under .distlab/)
 * and returns it.
 */
export async function plantMutant(
  lab: Lab,
  mutant: Mutant,
  target = join(KIT_ROOT, ".distlab", "mutants", `${lab.name}-${mutant.name}`),
): Promise<string> {
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  await cp(join(lab.solutionDir, "src"), join(target, "src"), { recursive: true });
  const path = join(target, mutant.file);
  const text = await readFile(path, "utf8");
  const count = text.split(mutant.find).length - 1;
  if (count !== 1) {
    throw new ConfigError(
      `mutant ${mutant.name}: its 'find' text occurs ${count} times in ${mutant.file}; it must occur once`,
    );
  }
  await writeFile(path, text.replace(mutant.find, mutant.replace));
  return target;
}

/**
 * Writes a class of submissions to grade with `distlab grade --submissions`: the reference, the starter
 * and one folder per mutant, each a student's `src/`. Grading it twice, once on an idle machine and once
 * under load, must give the same gradebook; it is also a quick check of a grading machine.
 */
export async function writeMutantClass(lab: Lab, dir: string): Promise<string[]> {
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new ConfigError(`${dir} is not empty: --class writes a new class folder and overwrites nothing`);
  const mutants = readMutants(lab);
  await mkdir(dir, { recursive: true });
  await cp(join(lab.solutionDir, "src"), join(dir, "reference", "src"), { recursive: true });
  await cp(join(lab.labDir, "src"), join(dir, "starter", "src"), { recursive: true });
  for (const mutant of mutants) await plantMutant(lab, mutant, join(dir, `mutant-${mutant.name}`));
  return ["reference", "starter", ...mutants.map((mutant) => `mutant-${mutant.name}`)];
}
