import { findLab, listLabs } from "../../lab/catalogue.ts";
import { labCoverage, type LabCoverage } from "../../lab/requirements.ts";
import { onePositional, parse } from "../args.ts";

const USAGE = "distlab coverage <lab>|all [--json]";

/** The instructors' table: each requirement of the handout, the graded tests that check it, the mutants that break it. */
export function renderCoverage(coverage: LabCoverage): string {
  const live = coverage.tests.filter((test) => !test.skipped);
  const out = [
    `${coverage.lab} — ${coverage.requirements.length} requirements, ${live.length} graded tests, ${coverage.mutants.length} mutants (${coverage.handout})`,
  ];
  const width = Math.max(0, ...coverage.requirements.map((requirement) => requirement.id.length));
  for (const requirement of coverage.requirements) {
    const tests = live.filter((test) => test.ids.includes(requirement.id));
    const mutants = coverage.mutants.filter((mutant) => mutant.ids.includes(requirement.id));
    const indent = " ".repeat(width + 4);
    out.push(`  ${requirement.id.padEnd(width)}  ${requirement.pitfall ? "(pitfall) " : ""}${requirement.text}`);
    if (tests.length === 0) out.push(`${indent}tests:   none`);
    for (const test of tests)
      out.push(
        `${indent}test:    ${test.group}${test.hidden ? " (hidden)" : ""} › ${test.title.replace(/\s*\[[^\]]*\]$/, "")}`,
      );
    out.push(`${indent}mutants: ${mutants.map((mutant) => mutant.name).join(", ") || "none"}`);
  }
  if (coverage.problems.length > 0) {
    out.push(`  ${coverage.problems.length} problem${coverage.problems.length === 1 ? "" : "s"}:`);
    for (const problem of coverage.problems) out.push(`  ✗ ${problem}`);
  } else {
    out.push("  ✓ every requirement has a test, every pitfall a mutant, every test and mutant a known requirement");
  }
  return `${out.join("\n")}\n`;
}

/** Prints requirement → tests → mutants for one lab or all; exits 1 when the handout, tests and mutants disagree. */
export async function coverageCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const which = onePositional(positionals, "lab (or all)", USAGE);
  const labs = which === "all" ? await listLabs() : [await findLab(which)];
  const coverages = labs.map(labCoverage);
  if (values.json)
    process.stdout.write(`${JSON.stringify(coverages.length === 1 ? coverages[0] : coverages, null, 2)}\n`);
  else process.stdout.write(coverages.map(renderCoverage).join("\n"));
  return coverages.every((coverage) => coverage.problems.length === 0) ? 0 : 1;
}
