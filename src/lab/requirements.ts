import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Lab } from "./catalogue.ts";
import { readMutants } from "./mutants.ts";
import { KIT_ROOT } from "./paths.ts";

/**
 * Requirements as data. A handout gives each normative statement an id written in square brackets where
 * the statement is made: `[R01.3.2]` is the second requirement of step 3 of Lab 01, `[R01.P.4]` the
 * handout's fourth pitfall, `[R01.0.5]` a requirement stated outside the steps (the API contract). A graded
 * test names the ids it checks in its title (`it("… [R01.3.2, R01.P.4]")`) or in a `// checks: R01.3.2`
 * comment right above its `it(`; a mutant names the ids it breaks in `"requirements"`.
 */
const ID = String.raw`R(\d\d)\.(\d+|P)\.(\d+)`;
const ID_LIST = String.raw`${ID}(?:\s*,\s*${ID})*`;

export interface Requirement {
  id: string;
  /** The step that states it; 0 outside the steps; null for a pitfall. */
  step: number | null;
  pitfall: boolean;
  /** The statement as the handout words it (its first line or so), for the coverage table. */
  text: string;
  line: number;
}

export interface TestCase {
  title: string;
  line: number;
  /** Every id the test names, in its title or its `// checks:` comment. */
  ids: string[];
  /** The ids in its title only: what a run can select it by (`vitest -t`). */
  idsInTitle: string[];
  skipped: boolean;
}

export interface GradedTest extends TestCase {
  group: string;
  /** Relative to the kit root. */
  file: string;
  hidden: boolean;
}

export interface MutantRequirements {
  name: string;
  ids: string[];
  caughtBy: string[];
}

export interface LabCoverage {
  lab: string;
  handout: string;
  requirements: Requirement[];
  tests: GradedTest[];
  mutants: MutantRequirements[];
  /** Everything the requirements gate fails on; empty when the lab's handout, tests and mutants agree. */
  problems: string[];
}

const idsIn = (text: string): string[] => [...text.matchAll(new RegExp(ID, "g"))].map((match) => match[0]);
const lineAt = (text: string, index: number): number => text.slice(0, index).split("\n").length;
const unique = <T>(items: T[]): T[] => [...new Set(items)];

/** A requirement's id names its lab and its step; a regular expression matching exactly that id. */
export function idPattern(id: string): string {
  return `${id.replace(/\./g, "\\.")}(?!\\d)`;
}

/** The requirements a handout defines, and what is wrong with how it writes them. */
export function parseHandout(
  text: string,
  labId: string,
  where: string,
): { requirements: Requirement[]; problems: string[] } {
  const requirements: Requirement[] = [];
  const problems: string[] = [];
  const references: { id: string; line: number }[] = [];
  const lines = text.split("\n");
  let step = 0;
  lines.forEach((line, index) => {
    const heading = /^## (?:Step (\d+)\b)?/.exec(line);
    if (heading) step = heading[1] === undefined ? 0 : Number(heading[1]);
    const definitions = new Set<number>();
    for (const match of line.matchAll(new RegExp(String.raw`\[(${ID})\]`, "g"))) {
      definitions.add(match.index + 1);
      const [, id, lab, section] = match as unknown as [string, string, string, string];
      const at = `${where}:${index + 1}`;
      if (lab !== labId) problems.push(`${at}: ${id} names lab ${lab}, but this is lab ${labId}'s handout`);
      else if (section !== "P" && Number(section) !== step)
        problems.push(
          `${at}: ${id} is a step ${section} requirement written under ${step === 0 ? "no step" : `step ${step}`}`,
        );
      if (requirements.some((known) => known.id === id)) problems.push(`${at}: ${id} is defined twice`);
      requirements.push({
        id,
        step: section === "P" ? null : Number(section),
        pitfall: section === "P",
        text: statement(lines, index, match.index + match[0].length),
        line: index + 1,
      });
    }
    for (const match of line.matchAll(new RegExp(ID, "g")))
      if (!definitions.has(match.index)) references.push({ id: match[0], line: index + 1 });
  });
  for (const reference of references) {
    if (!requirements.some((known) => known.id === reference.id))
      problems.push(`${where}:${reference.line}: mentions ${reference.id}, which the handout does not define`);
  }
  return { requirements, problems };
}

/** The words after a definition: the rest of its line and the lines that continue the same paragraph or item. */
function statement(lines: string[], index: number, from: number): string {
  let text = lines[index]!.slice(from);
  for (let next = index + 1; next < lines.length; next++) {
    const line = lines[next]!;
    if (line.trim() === "" || /^\s*(?:[-*|#>]|\d+\.)/.test(line) || text.length > 160) break;
    text += ` ${line.trim()}`;
  }
  const plain = text
    .replace(new RegExp(String.raw`\[${ID}\]`, "g"), "")
    .replace(/(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)/g, "$1")
    .replace(/[*`]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return plain.length > 110 ? `${plain.slice(0, 107)}…` : plain;
}

const TEST_CALL = new RegExp(
  String.raw`(?<![\w.])(it|test|describe)((?:\.(?:only|skip|todo|concurrent|sequential|fails|runIf\([^)]*\)|skipIf\([^)]*\)))*)\s*\(\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|` +
    "`(?:[^`\\\\]|\\\\.)*`)",
  "g",
);
const CHECKS_COMMENT = new RegExp(String.raw`^\s*//\s*checks:\s*(.*)$`);

/** The tests of one file with the ids each names; `// checks:` comments must sit right above an `it(`. */
export function parseTestFile(text: string, where: string): { tests: TestCase[]; problems: string[] } {
  const lines = text.split("\n");
  const tests: TestCase[] = [];
  const problems: string[] = [];
  const usedComments = new Set<number>();
  for (const match of text.matchAll(TEST_CALL)) {
    const [, kind, modifiers, literal] = match as unknown as [string, string, string, string];
    const line = lineAt(text, match.index);
    const title = literal.slice(1, -1);
    const titleIds = [...title.matchAll(new RegExp(String.raw`\[(${ID_LIST})\]`, "g"))].flatMap((found) =>
      idsIn(found[1]!),
    );
    if (kind === "describe") {
      if (titleIds.length > 0) problems.push(`${where}:${line}: ids go on tests, not on describe blocks ("${title}")`);
      continue;
    }
    const commentIds: string[] = [];
    for (let above = line - 2; above >= 0 && /^\s*\/\//.test(lines[above]!); above--) {
      const checks = CHECKS_COMMENT.exec(lines[above]!);
      if (!checks) continue;
      usedComments.add(above);
      if (!new RegExp(String.raw`^${ID_LIST}\s*$`).test(checks[1]!.trim()))
        problems.push(
          `${where}:${above + 1}: a checks comment lists ids separated by commas, got "${checks[1]!.trim()}"`,
        );
      commentIds.push(...idsIn(checks[1]!));
    }
    tests.push({
      title,
      line,
      ids: unique([...titleIds, ...commentIds]),
      idsInTitle: unique(titleIds),
      skipped: /\.(?:skip|todo)/.test(modifiers),
    });
  }
  lines.forEach((line, index) => {
    if (CHECKS_COMMENT.test(line) && !usedComments.has(index))
      problems.push(`${where}:${index + 1}: a checks comment must sit right above the it(...) it describes`);
  });
  return { tests, problems };
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

/** A lab's requirements, the graded tests and mutants that name them, and every disagreement between them. */
export function labCoverage(lab: Lab): LabCoverage {
  const handoutPath = join(lab.labDir, "README.md");
  const handout = relative(KIT_ROOT, handoutPath);
  const problems: string[] = [];
  const parsed = parseHandout(readIfExists(handoutPath) ?? "", lab.manifest.id, handout);
  problems.push(...parsed.problems);
  if (parsed.requirements.length === 0)
    problems.push(
      `${handout} defines no requirement ids: give each normative statement and pitfall one (course/authoring.md)`,
    );
  if (!lab.hasSolutions) problems.push(`${lab.name}: the hidden tests and mutants are not in this edition`);
  const tests = gradedTests(lab, problems);
  const mutants = lab.hasSolutions
    ? readMutants(lab).map((mutant) => ({
        name: mutant.name,
        ids: mutant.requirements ?? [],
        caughtBy: mutant.caughtBy,
      }))
    : [];
  problems.push(...disagreements(lab, handout, parsed.requirements, tests, mutants));
  return { lab: lab.name, handout, requirements: parsed.requirements, tests, mutants, problems };
}

function gradedTests(lab: Lab, problems: string[]): GradedTest[] {
  return lab.manifest.tests
    .filter((group) => lab.hasSolutions || !group.hidden)
    .flatMap((group) => {
      const path = join(group.hidden ? lab.solutionDir : lab.labDir, group.file);
      const file = relative(KIT_ROOT, path);
      const text = readIfExists(path);
      if (text === undefined) {
        problems.push(`${file}: the test file of group "${group.name}" does not exist`);
        return [];
      }
      const parsed = parseTestFile(text, file);
      problems.push(...parsed.problems);
      return parsed.tests.map((test) => ({ ...test, group: group.name, file, hidden: group.hidden }));
    });
}

function disagreements(
  lab: Lab,
  handout: string,
  requirements: Requirement[],
  tests: GradedTest[],
  mutants: MutantRequirements[],
): string[] {
  const problems: string[] = [];
  const defined = new Set(requirements.map((requirement) => requirement.id));
  const live = tests.filter((test) => !test.skipped);
  for (const test of live) {
    const at = `${test.file}:${test.line} "${test.title}"`;
    if (test.ids.length === 0) problems.push(`${at} names no requirement`);
    for (const id of test.ids.filter((id) => !defined.has(id)))
      problems.push(`${at} names ${id}, which ${handout} does not define`);
  }
  for (const requirement of requirements) {
    if (!live.some((test) => test.ids.includes(requirement.id)))
      problems.push(`${requirement.id} (${handout}:${requirement.line}) has no test: ${requirement.text}`);
    if (lab.hasSolutions && requirement.pitfall && !mutants.some((mutant) => mutant.ids.includes(requirement.id)))
      problems.push(`${requirement.id} is a pitfall without a mutant that plants it: ${requirement.text}`);
  }
  for (const mutant of mutants) {
    const at = `solutions/${lab.name}/mutants/${mutant.name}.json`;
    if (mutant.ids.length === 0) problems.push(`${at} names no requirement: add the ids it breaks as "requirements"`);
    for (const id of mutant.ids.filter((id) => !defined.has(id)))
      problems.push(`${at} names ${id}, which ${handout} does not define`);
    const checking = live.filter(
      (test) => mutant.caughtBy.includes(test.group) && test.ids.some((id) => mutant.ids.includes(id)),
    );
    if (mutant.ids.length > 0 && checking.length === 0)
      problems.push(`${at}: no test in its caughtBy groups names ${mutant.ids.join(" or ")}`);
  }
  return problems;
}

/**
 * The tests a mutant's run needs, as a `vitest -t` pattern: the tests whose titles name one of the ids it
 * breaks. Undefined when some test checking those ids names them only in a comment (the run then takes
 * the mutant's whole groups).
 */
export function mutantTestPattern(coverage: LabCoverage, mutant: MutantRequirements): string | undefined {
  if (mutant.ids.length === 0) return undefined;
  const checking = coverage.tests.filter(
    (test) => mutant.caughtBy.includes(test.group) && test.ids.some((id) => mutant.ids.includes(id)),
  );
  if (checking.length === 0 || checking.some((test) => !test.idsInTitle.some((id) => mutant.ids.includes(id))))
    return undefined;
  return mutant.ids.map(idPattern).join("|");
}

/** Whether a test, by its full name as the runner reports it, names one of these ids. */
export function namesAnyOf(testName: string, ids: string[]): boolean {
  return ids.some((id) => new RegExp(idPattern(id)).test(testName));
}
