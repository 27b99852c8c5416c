import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Lab } from "./catalogue.ts";
import { exportStudentEdition } from "./export.ts";
import { crossImports, crossLabCopies, leakedAnswers, type Finding } from "./leaks.ts";
import { KIT_ROOT } from "./paths.ts";
import { sh } from "./shell.ts";

/** A gate's verdict, as `distlab verify` prints it. */
export interface GateOutcome {
  name: string;
  ok: boolean;
  detail: string;
}

const listed = (findings: Finding[]) =>
  findings.map((finding) => `  ${finding.where}:${finding.line} repeats ${finding.of}`).join("\n");

/** One home per piece of code: no lab's answers outside its own folder, no file of one lab in another's. */
export async function copiesGate(labs: Lab[]): Promise<GateOutcome[]> {
  const leaks = await leakedAnswers(labs, KIT_ROOT, KIT_ROOT);
  const copies = await crossLabCopies(labs, KIT_ROOT);
  const imports = await crossImports(KIT_ROOT);
  return [
    {
      name: "no lab's @solution lines stand anywhere but in its own solutions/",
      ok: leaks.length === 0,
      detail: listed(leaks),
    },
    { name: "no file of one lab is a copy of another lab's", ok: copies.length === 0, detail: listed(copies) },
    {
      name: "labs reach earlier labs only as @distlab/lab/..., and the kit imports no lab",
      ok: imports.length === 0,
      detail: imports.map((finding) => `  ${finding.where}:${finding.line} imports ${finding.of}`).join("\n"),
    },
  ];
}

/** The week-by-week release a student meets first: Labs 01 and 02, with Lab 01's reference published. */
const RELEASE = { through: "02", referenceThrough: "01" };

/**
 * The student edition as a student gets it in week 3: it holds no answer (but the compiled reference it
 * publishes on purpose), installs, and its `npm test` (the current lab, 02, on the student's own Lab 01)
 * fails with TODOs only; `--prereqs reference` runs Lab 02 on the published Lab 01 reference.
 */
export async function studentEditionGate(labs: Lab[]): Promise<GateOutcome[]> {
  const dir = await mkdtemp(join(tmpdir(), "distlab-student-"));
  const edition = join(dir, "edition");
  try {
    await exportStudentEdition(edition, RELEASE);
    const leaks = await leakedAnswers(labs, KIT_ROOT, edition, (path) => path.startsWith("reference/"));
    const outcomes: GateOutcome[] = [
      { name: "the student edition through 02 holds no lab's answers", ok: leaks.length === 0, detail: listed(leaks) },
    ];
    const install = await sh("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], edition);
    if (install.code !== 0) {
      return [...outcomes, { name: "the student edition installs", ok: false, detail: `npm ci: exit ${install.code}` }];
    }
    const own = await sh("npm", ["test"], edition, { FORCE_COLOR: "0" });
    outcomes.push({
      name: "the student edition's npm test runs the current lab and fails with TODOs only",
      ...verdict(own, [own.output.includes("testing 02-rpc") ? "" : "npm test did not run the current lab, 02-rpc"]),
    });
    const cli = join(edition, "bin", "distlab.js");
    const onReference = await sh(process.execPath, [cli, "test", "02", "--prereqs", "reference"], edition, {
      FORCE_COLOR: "0",
    });
    outcomes.push({
      name: "Lab 02 in the student edition runs on the published Lab 01 reference with --prereqs reference",
      ...verdict(onReference, [
        onReference.output.includes("prerequisite 01-kv: published reference")
          ? ""
          : "Lab 01 did not come from reference/",
        onReference.output.includes("TODO(lab01") ? "a failure came from Lab 01: the reference did not run" : "",
      ]),
    });
    return outcomes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A run on the starters: every test ran and failed, the score is 0, failures name a handout step. */
function verdict(run: { code: number; output: string }, more: string[]): { ok: boolean; detail: string } {
  const problems = [
    run.code === 1 ? "" : `the run exited ${run.code}; on starters it must run every test and exit 1`,
    /score: 0 \/ \d+/.test(run.output) ? "" : "the visible tests did not report a score of 0",
    run.output.includes("TODO(lab") ? "" : "no failure sent the student to a handout step",
    /solutions\/\d\d-/.test(run.output) ? "the run names a path under solutions/" : "",
    ...more,
  ].filter(Boolean);
  return { ok: problems.length === 0, detail: problems.join("\n") };
}
