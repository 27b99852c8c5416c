// The cheat corpus: hostile submissions written for the kit (fixtures/, one folder per attack, built on a
// lab's starter or solution with attack code from attacks/), graded the way a class is graded. A case
// passes when the submission scores what its honest part earns (0 on a starter, the groups' points on a
// solution), loses points with a reason, leaks nothing into the report, changes nothing in the kit,
// reaches nothing on the network and leaves no process behind.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { findLab, type Lab } from "../catalogue.ts";
import { ConfigError } from "../errors.ts";
import { KIT_ROOT } from "../paths.ts";
import { formatReport, totals } from "../report.ts";
import { runLabTests, type RunResult } from "../runner.ts";
import { removeStagedTarget, resolveTarget } from "../targets.ts";
import { Canaries, kitFingerprint, leftoverProcesses, Listener } from "./watch.ts";

const HERE = fileURLToPath(new URL("./", import.meta.url));
const FIXTURES = join(HERE, "fixtures");
const ATTACKS = join(HERE, "attacks");

const caseSchema = z.strictObject({
  /** The attack class, as the gate reports it. */
  attack: z.string().min(1),
  lab: z.string().regex(/^\d\d$/),
  /** What the honest part is: the starter (earns 0) or the reference (earns every point of `groups`). */
  base: z.enum(["starter", "solution"]),
  /** The test groups to grade: the ones the attack aims at, to keep the gate quick. */
  groups: z.array(z.string().min(1)).min(1),
  /** Files of the submission written from attacks/<name>.ts.txt. */
  files: z.record(z.string().regex(/^src\/[\w./-]+\.ts$/), z.string().regex(/^[\w-]+$/)),
  /** Text put at the start of files of the base (an import of the attack). */
  prepend: z.record(z.string().regex(/^src\/[\w./-]+\.ts$/), z.string()).optional(),
  /** A pattern the report must show: the reason the submission lost its points. */
  reason: z.string().optional(),
});

export type CheatCase = z.infer<typeof caseSchema> & { name: string };

export interface CheatOutcome {
  name: string;
  attack: string;
  ok: boolean;
  /** One line: the score, and what went wrong if anything did. */
  summary: string;
  problems: string[];
}

export function readCheatCases(only?: string[]): CheatCase[] {
  return readdirSync(FIXTURES)
    .filter((name) => existsSync(join(FIXTURES, name, "cheat.json")) && (!only || only.includes(name)))
    .sort()
    .map((name) => {
      const parsed = caseSchema.safeParse(JSON.parse(readFileSync(join(FIXTURES, name, "cheat.json"), "utf8")));
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
        throw new ConfigError(`src/lab/cheats/fixtures/${name}/cheat.json: ${problems}`);
      }
      return { ...parsed.data, name };
    });
}

/** Writes the hostile submission into a fresh folder outside the kit, as a student's upload would be. */
function writeSubmission(lab: Lab, cheat: CheatCase, listener: Listener): string {
  const dir = mkdtempSync(join(tmpdir(), `distlab-cheat-${cheat.name}-`));
  cpSync(join(cheat.base === "starter" ? lab.labDir : lab.solutionDir, "src"), join(dir, "src"), { recursive: true });
  for (const [path, attack] of Object.entries(cheat.files)) {
    const template = readFileSync(join(ATTACKS, `${attack}.ts.txt`), "utf8");
    const text = template
      .replaceAll("__KIT__", KIT_ROOT)
      .replaceAll("__MODULE__", basename(path))
      .replaceAll("__EXFIL_PORT__", String(listener.port))
      .replaceAll("__EXFIL_HOSTS__", JSON.stringify(listener.hosts));
    writeFileSync(join(dir, path), text);
  }
  for (const [path, text] of Object.entries(cheat.prepend ?? {})) {
    writeFileSync(join(dir, path), text + readFileSync(join(dir, path), "utf8"));
  }
  return dir;
}

function honestScore(lab: Lab, cheat: CheatCase): number {
  if (cheat.base === "starter") return 0;
  return lab.manifest.tests.filter((group) => cheat.groups.includes(group.name)).reduce((sum, g) => sum + g.points, 0);
}

/** Grades one case and checks everything the corpus promises about it. */
export async function runCheat(cheat: CheatCase, canaries: Canaries): Promise<CheatOutcome> {
  const listener = await Listener.open();
  try {
    return await gradeCheat(cheat, canaries, listener);
  } finally {
    await listener.close();
  }
}

async function gradeCheat(cheat: CheatCase, canaries: Canaries, listener: Listener): Promise<CheatOutcome> {
  const lab = await findLab(cheat.lab);
  const unknown = cheat.groups.filter((name) => !lab.manifest.tests.some((group) => group.name === name));
  if (unknown.length > 0)
    throw new ConfigError(`cheat ${cheat.name}: lab ${lab.name} has no group ${unknown.join(", ")}`);
  const submission = writeSubmission(lab, cheat, listener);
  const fingerprint = kitFingerprint(lab);
  let target: string | undefined;
  try {
    target = resolveTarget(lab, submission);
    const run = await runLabTests(lab, { target, hidden: true, groups: cheat.groups, progress: "quiet" });
    const report = ["text", "json", "gradescope"].map((format) => formatReport(format as "text", lab, run)).join("\n");
    const score = totals(run.groups).score;
    const expected = honestScore(lab, cheat);
    const problems = [
      score === expected ? "" : `scored ${score}, but its honest part earns ${expected}`,
      ...run.groups
        .filter((group) => group.score < group.maxScore)
        .filter((group) => !group.fileError && !group.tests.some((test) => test.status !== "passed" && test.message))
        .map((group) => `${group.group.name} lost points without a reason`),
      cheat.reason && !new RegExp(cheat.reason).test(report) ? `the report does not say why (/${cheat.reason}/)` : "",
      ...canaries.foundIn(report).map((name) => `the report leaks ${name}`),
      report.includes(KIT_ROOT) ? "the report shows a path of the grading machine" : "",
      ...leakedHiddenText(lab, report),
      ...kitFingerprint(lab)
        .changedSince(fingerprint)
        .map((file) => `the kit's ${file} changed`),
      listener.connections.length > 0 ? `it reached the grader's machine from ${listener.connections.join(", ")}` : "",
      ...(await leftoverProcesses([submission, target])).map((process) => `left a process behind: ${process}`),
    ].filter(Boolean);
    return {
      name: cheat.name,
      attack: cheat.attack,
      ok: problems.length === 0,
      summary: `${score}/${totals(run.groups).maxScore} (honest part: ${expected})${lostBecause(run) ? ` — ${lostBecause(run)}` : ""}`,
      problems,
    };
  } finally {
    if (target) removeStagedTarget(target);
    rmSync(submission, { recursive: true, force: true });
  }
}

/** The first reason the report gives for a lost point, in one line. */
function lostBecause(run: RunResult): string {
  if (run.interrupted) return run.interrupted;
  const group = run.groups.find((candidate) => candidate.score < candidate.maxScore);
  const why = group?.fileError || group?.tests.find((test) => test.status !== "passed")?.message || "";
  const line = why.split("\n")[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

function leakedHiddenText(lab: Lab, report: string): string[] {
  const hidden = join(lab.solutionDir, "tests");
  if (!existsSync(hidden)) return [];
  const lines = readdirSync(hidden)
    .filter((name) => name.endsWith(".ts"))
    .flatMap((name) => readFileSync(join(hidden, name), "utf8").split("\n"))
    .map((line) => line.trim())
    .filter((line) => line.length >= 40 && !line.startsWith("import ") && !line.startsWith("//"));
  const leaked = lines.find((line) => report.includes(line));
  return leaked ? [`the report quotes a hidden test: ${leaked.slice(0, 80)}`] : [];
}

/** Runs the corpus, `jobs` cases at a time; every case gets its outcome, whatever the others do. */
export async function runCheatCorpus(options: { only?: string[]; jobs?: number } = {}): Promise<CheatOutcome[]> {
  const cases = readCheatCases(options.only);
  const canaries = new Canaries();
  const outcomes: CheatOutcome[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      const cheat = cases[index]!;
      outcomes[index] = await runCheat(cheat, canaries).catch((error: Error) => ({
        name: cheat.name,
        attack: cheat.attack,
        ok: false,
        summary: "the case could not run",
        problems: [error.message],
      }));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.jobs ?? 2) }, worker));
  } finally {
    canaries.remove();
  }
  return outcomes;
}
