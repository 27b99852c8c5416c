import { existsSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { LAB_DIRS_ENV } from "../cli/resolve-hook.js";
import { ConfigError, listLabs, UsageError, type Lab } from "./catalogue.ts";
import { KIT_ROOT } from "./paths.ts";
import { resolveTarget } from "./targets.ts";

export { LAB_DIRS_ENV };

/**
 * Which code a prerequisite lab runs from: `own` is the student's own earlier lab (beside the code under
 * test), `reference` the reference solution (solutions/ in the instructor edition, else the compiled
 * reference published in the student edition once the lab is past due).
 */
export type PrereqSource = "own" | "reference";

/** `own` or `reference` for every prerequisite, with per-lab exceptions keyed by lab id ("01"). */
export interface PrereqChoice {
  all: PrereqSource;
  perLab: Record<string, PrereqSource>;
}

export interface LabDirEntry {
  /** The folder holding this lab's src/. */
  dir: string;
  /** The labs (by folder name) this lab may import: its manifest's prerequisites. */
  prerequisites: string[];
  /** Where the code comes from: the target under test, the student's own lab, a reference. */
  source: "target" | "own" | "reference" | "published";
}

/** The prerequisite map of one run, passed to every process of the run in DISTLAB_LAB_DIRS. */
export interface LabDirs {
  underTest: string;
  labs: Record<string, LabDirEntry>;
}

/** Where the student edition publishes the compiled reference of past-due labs. */
export const PUBLISHED_DIR = join(KIT_ROOT, "reference");

const SOURCES: readonly PrereqSource[] = ["own", "reference"];
const PREREQS_USAGE = "--prereqs own|reference, or per lab: --prereqs 01=reference,02=own";

/** The default: isolation (the reference) where this edition has it, else the student's own labs. */
export function defaultPrereqChoice(lab: Lab): PrereqChoice {
  return { all: lab.hasSolutions ? "reference" : "own", perLab: {} };
}

/** Parses `--prereqs`: `own`, `reference`, or `01=reference,02=own` (labs not named keep the default). */
export function parsePrereqChoice(text: string | undefined, lab: Lab): PrereqChoice {
  const choice = defaultPrereqChoice(lab);
  if (text === undefined) return choice;
  if ((SOURCES as readonly string[]).includes(text)) return { all: text as PrereqSource, perLab: {} };
  for (const part of text.split(",")) {
    const [id, source, extra] = part.split("=").map((piece) => piece.trim());
    if (extra !== undefined || !id || !/^\d\d?$/.test(id) || !(SOURCES as readonly string[]).includes(source ?? "")) {
      throw new UsageError(`--prereqs: cannot read '${part}'\nusage: ${PREREQS_USAGE}`);
    }
    choice.perLab[id.padStart(2, "0")] = source as PrereqSource;
  }
  return choice;
}

/** The prerequisites of a lab, transitively, earliest first; a missing lab is a clear error. */
export function prerequisitesOf(lab: Lab, labs: Lab[]): Lab[] {
  const found = new Map<string, Lab>();
  const visit = (current: Lab) => {
    for (const id of current.manifest.prerequisites) {
      const prerequisite = labs.find((candidate) => candidate.manifest.id === id);
      if (!prerequisite) {
        throw new ConfigError(
          `labs/${current.name}/lab.json lists prerequisite ${id}, but there is no lab ${id} in this edition (labs: ${labs.map((l) => l.name).join(", ")})`,
        );
      }
      if (found.has(prerequisite.name)) continue;
      found.set(prerequisite.name, prerequisite);
      visit(prerequisite);
    }
  };
  visit(lab);
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function entryFor(lab: Lab, labs: Lab[], dir: string, source: LabDirEntry["source"]): LabDirEntry {
  const prerequisites = lab.manifest.prerequisites.map((id) => labs.find((other) => other.manifest.id === id)!.name);
  return { dir, prerequisites, source };
}

/** The reference of a prerequisite: solutions/ here, else the compiled reference published to students. */
function referenceDir(
  prerequisite: Lab,
  lab: Lab,
  publishedDir: string,
): { dir: string; source: "reference" | "published" } {
  if (prerequisite.hasSolutions) return { dir: prerequisite.solutionDir, source: "reference" };
  const published = join(publishedDir, prerequisite.name);
  if (existsSync(join(published, "src"))) return { dir: published, source: "published" };
  throw new UsageError(
    `lab ${lab.name} builds on ${prerequisite.name}, whose reference is not published in this edition yet; ` +
      `run it on your own ${prerequisite.name} (--prereqs own), or wait until your instructor releases the reference`,
  );
}

/**
 * The student's own copy of a prerequisite: beside the code under test when the target is a folder
 * holding several labs (a student's repository), else the edition's labs/ (or solutions/, when the lab
 * under test itself runs from solutions/).
 */
function ownDir(prerequisite: Lab, target: string): string {
  if (target === "solutions" && prerequisite.hasSolutions) return prerequisite.solutionDir;
  if (target !== "labs" && target !== "solutions") {
    const dir = isAbsolute(target) ? target : resolve(process.cwd(), target);
    const beside = [join(dir, prerequisite.name), join(dirname(dir), prerequisite.name)];
    const found = beside.find(
      (candidate) => basename(candidate) !== basename(dir) && existsSync(join(candidate, "src")),
    );
    if (found) return resolveTarget(prerequisite, found);
  }
  return prerequisite.labDir;
}

/**
 * Computes the prerequisite map of a run: the lab under test from `target` (`labs`, `solutions` or a
 * folder, as the user gave it), and every prerequisite, transitively, from `choice`.
 */
export async function labDirsFor(
  lab: Lab,
  target: string,
  choice: PrereqChoice = defaultPrereqChoice(lab),
  context: { labs?: Lab[]; publishedDir?: string } = {},
): Promise<LabDirs> {
  const all = context.labs ?? (await listLabs());
  const prerequisites = prerequisitesOf(lab, all);
  const map: LabDirs = {
    underTest: lab.name,
    labs: { [lab.name]: entryFor(lab, all, resolveTarget(lab, target), "target") },
  };
  for (const prerequisite of prerequisites) {
    const source = choice.perLab[prerequisite.manifest.id] ?? choice.all;
    const entry =
      source === "own"
        ? { dir: ownDir(prerequisite, target), source: "own" as const }
        : referenceDir(prerequisite, lab, context.publishedDir ?? PUBLISHED_DIR);
    map.labs[prerequisite.name] = entryFor(prerequisite, all, entry.dir, entry.source);
  }
  return map;
}

/** The same map with one lab's code taken from another folder (a service run on an explicit target). */
export function withLabDir(map: LabDirs, lab: Lab, dir: string, labs: Lab[]): LabDirs {
  return { ...map, labs: { ...map.labs, [lab.name]: entryFor(lab, labs, dir, "target") } };
}

/** The environment variable that carries the map to every process of the run. */
export function labDirsEnv(map: LabDirs): Record<string, string> {
  return { [LAB_DIRS_ENV]: JSON.stringify(map) };
}

/** One line per lab, for the header of a run: which code each prerequisite is. */
export function describeLabDirs(map: LabDirs): string[] {
  return Object.entries(map.labs)
    .filter(([name]) => name !== map.underTest)
    .map(([name, entry]) => {
      const where = relative(KIT_ROOT, entry.dir);
      const shown = where.startsWith("..") || isAbsolute(where) ? entry.dir : where;
      return `${name}: ${entry.source === "published" ? "published reference" : entry.source} (${shown})`;
    });
}
