import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { Lab } from "./catalogue.ts";

/**
 * Three checks that keep one home per piece of code:
 * - answers do not leak: no run of lines from a lab's `@solution` regions appears anywhere else (another
 *   lab's folder, the kit, a student edition); the lab's own starter is generated without them;
 * - labs do not copy: no file of one lab is another lab's file again;
 * - labs do not reach into each other: a lab imports another only as `@distlab/lab/...` (never by a
 *   relative path into its folder), and the kit (src/, shared/) imports no lab at all.
 * Lines are compared normalised (trimmed, spaces collapsed), and trivial lines (`}`, `return;`, `try {`)
 * are skipped: they match everywhere and mean nothing.
 */

/** Consecutive meaningful lines that count as a copy of an answer. */
const RUN = 3;
/** Meaningful lines a file needs before two labs sharing it counts as a copy. */
const MIN_FILE_LINES = 6;
const SCANNED = /\.(ts|js|mjs|md|json|proto)$/;
const SKIPPED_DIRS = /(^|\/)(node_modules|\.distlab|\.git|data)(\/|$)/;

export interface Finding {
  /** Where the copy is, relative to the folder scanned. */
  where: string;
  line: number;
  /** What it copies: `solutions/02-rpc/src/payment/charges.ts:31`, or another lab's file. */
  of: string;
}

export function normalise(line: string): string {
  return line.trim().replace(/\s+/g, " ");
}

/** A line that says nothing on its own: punctuation, a keyword, a comment, a marker. */
export function trivial(line: string): boolean {
  const text = normalise(line);
  if (text === "" || text.startsWith("//") || text.startsWith("*") || text.startsWith("/*")) return true;
  return text.replace(/[^A-Za-z0-9_]+/g, "").length < 12;
}

function meaningful(text: string): { line: number; text: string }[] {
  return text
    .split("\n")
    .map((raw, index) => ({ line: index + 1, text: normalise(raw) }))
    .filter((entry) => !trivial(entry.text));
}

const runKey = (lines: string[]) => createHash("sha1").update(lines.join("\n")).digest("hex");

/** Where a run of answer lines comes from: its lab, and its file and line. */
interface Answer {
  lab: string;
  where: string;
}

/** The runs of meaningful lines inside the labs' `@solution` regions, each with where it comes from. */
export async function answerRuns(labs: Lab[], kitRoot: string): Promise<Map<string, Answer>> {
  const runs = new Map<string, Answer>();
  for (const lab of labs.filter((candidate) => candidate.hasSolutions)) {
    const source = join(lab.solutionDir, "src");
    for (const file of await filesUnder(source)) {
      if (!file.endsWith(".ts")) continue;
      const where = relative(kitRoot, join(source, file));
      for (const region of regions(await readFile(join(source, file), "utf8"))) {
        for (let i = 0; i + RUN <= region.length; i++) {
          const key = runKey(region.slice(i, i + RUN).map((entry) => entry.text));
          runs.set(key, { lab: lab.name, where: `${where}:${region[i]!.line}` });
        }
      }
    }
  }
  return runs;
}

/** The meaningful lines of each `@solution` region of a solution file. */
function regions(text: string): { line: number; text: string }[][] {
  const found: { line: number; text: string }[][] = [];
  let region: { line: number; text: string }[] | undefined;
  for (const [index, raw] of text.split("\n").entries()) {
    if (/^\s*\/\/ @solution\b/.test(raw)) region = [];
    else if (/^\s*\/\/ @end\b/.test(raw) && region) {
      found.push(region);
      region = undefined;
    } else if (region && !trivial(raw)) region.push({ line: index + 1, text: normalise(raw) });
  }
  return found;
}

/**
 * Every run of a lab's answers found outside that lab, in a tree laid out like the kit (the kit itself, or
 * a student edition): a lab's answers may stand only in its own solutions/ folder (its starter is
 * generated without them). `also` names more paths to pass over (the compiled reference an edition
 * publishes on purpose).
 */
export async function leakedAnswers(
  labs: Lab[],
  kitRoot: string,
  root: string,
  also: (relativePath: string) => boolean = () => false,
): Promise<Finding[]> {
  const answers = await answerRuns(labs, kitRoot);
  const own = (path: string, lab: string) =>
    path.startsWith(`solutions/${lab}/`) || path.startsWith(`labs/${lab}/src/`);
  const findings: Finding[] = [];
  for (const file of await filesUnder(root)) {
    if (!SCANNED.test(file) || also(file)) continue;
    const lines = meaningful(await readFile(join(root, file), "utf8"));
    for (let i = 0; i + RUN <= lines.length; i++) {
      const answer = answers.get(runKey(lines.slice(i, i + RUN).map((entry) => entry.text)));
      if (answer && !own(file, answer.lab)) {
        findings.push({ where: file, line: lines[i]!.line, of: answer.where });
        break;
      }
    }
  }
  return findings;
}

/** Files that stand, whole, in the folders of two different labs (labs/ and solutions/ of each). */
export async function crossLabCopies(labs: Lab[], kitRoot: string): Promise<Finding[]> {
  const seen = new Map<string, { lab: string; path: string }>();
  const findings: Finding[] = [];
  for (const lab of labs) {
    for (const dir of [lab.labDir, lab.solutionDir]) {
      for (const file of await filesUnder(dir)) {
        if (!SCANNED.test(file)) continue;
        const lines = meaningful(await readFile(join(dir, file), "utf8")).map((entry) => entry.text);
        if (lines.length < MIN_FILE_LINES) continue;
        const key = runKey(lines);
        const path = relative(kitRoot, join(dir, file));
        const first = seen.get(key);
        if (!first) seen.set(key, { lab: lab.name, path });
        else if (first.lab !== lab.name) findings.push({ where: path, line: 1, of: first.path });
      }
    }
  }
  return findings;
}

async function filesUnder(root: string): Promise<string[]> {
  if (!existsSync(root)) return [];
  return (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .filter((path) => !SKIPPED_DIRS.test(path))
    .sort();
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;
const LAB_FOLDER = /^(?:labs|solutions)\/(\d\d-[a-z0-9-]+)\//;

/** Whose a kit path is: a lab's (by its folder), the kit's (src/, shared/), or nobody's (anything else). */
function ownerOf(path: string): string | undefined {
  const lab = LAB_FOLDER.exec(path)?.[1];
  if (lab) return lab;
  return /^(src|shared|bin)\//.test(path) ? "the kit" : undefined;
}

/** Imports that cross from one lab into another's folder, or from the kit into any lab. */
export async function crossImports(kitRoot: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const top of ["src", "shared", "bin", "labs", "solutions"]) {
    for (const file of await filesUnder(join(kitRoot, top))) {
      if (!/\.(ts|js|mjs)$/.test(file)) continue;
      const path = `${top}/${file}`;
      const importer = ownerOf(path);
      // The kit's own tests and their fixtures write lab specifiers as data.
      if (importer === "the kit" && /(\.test\.ts$|(^|\/)fixtures\/)/.test(path)) continue;
      const text = await readFile(join(kitRoot, path), "utf8");
      for (const match of text.matchAll(IMPORT)) {
        const specifier = match[1]!;
        const line = text.slice(0, match.index).split("\n").length;
        const target = specifier.startsWith(".")
          ? ownerOf(relative(kitRoot, join(kitRoot, path, "..", specifier)))
          : specifier.startsWith("@distlab/lab/")
            ? specifier.split("/")[2]
            : undefined;
        const crosses =
          target !== undefined &&
          target !== importer &&
          target !== "the kit" &&
          (importer === "the kit" || specifier.startsWith("."));
        if (crosses) findings.push({ where: path, line, of: `${specifier} (${target})` });
      }
    }
  }
  return findings;
}
