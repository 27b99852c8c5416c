import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { findLab, listLabs, type Lab } from "../../lab/catalogue.ts";
import { plantMutant, readMutants, writeMutantClass } from "../../lab/mutants.ts";
import { labCoverage, mutantTestPattern, namesAnyOf } from "../../lab/requirements.ts";
import { runLabTests } from "../../lab/runner.ts";
import { onePositional, parse, UsageError } from "../args.ts";

const USAGE =
  "distlab mutate <lab>|all [--mutant NAME]...\n       distlab mutate <lab> --class DIR   (write the reference, the starter and each mutant as a class to grade)";

interface MutantOutcome {
  lab: string;
  mutant: string;
  caught: boolean;
  detail: string;
}

export async function mutateLab(lab: Lab, only?: string[]): Promise<MutantOutcome[]> {
  const outcomes: MutantOutcome[] = [];
  const coverage = labCoverage(lab);
  const mutants = readMutants(lab);
  const unknown = (only ?? []).filter((name) => !mutants.some((mutant) => mutant.name === name));
  if (unknown.length > 0) throw new UsageError(`lab ${lab.name} has no mutant ${unknown.join(", ")}`);
  for (const mutant of mutants.filter((candidate) => !only || only.includes(candidate.name))) {
    const ids = mutant.requirements ?? [];
    // Only the tests naming the requirements the mutant breaks: the proof is a failure of a test that checks
    // what the mutant broke. (No --bail: a run stopped early may lose the results of the file that failed.)
    const pattern = mutantTestPattern(coverage, { name: mutant.name, ids, caughtBy: mutant.caughtBy });
    const target = await plantMutant(lab, mutant);
    try {
      const run = await runLabTests(lab, {
        target,
        hidden: true,
        progress: "quiet",
        groups: mutant.caughtBy,
        testNamePattern: pattern,
      });
      // A test that did not run (filtered out, or its file never started) proves nothing.
      const failing = run.groups.flatMap((group) =>
        group.tests
          .filter((test) => test.status === "failed" && !test.message.startsWith("not run"))
          .map((test) => ({ group: group.group.name, test })),
      );
      const proof =
        ids.length > 0 && pattern !== undefined ? failing.filter(({ test }) => namesAnyOf(test.name, ids)) : failing;
      const named = ids.length > 0 ? ` (${ids.join(", ")})` : "";
      outcomes.push({
        lab: lab.name,
        mutant: mutant.name,
        caught: proof.length > 0,
        detail:
          proof.length > 0
            ? `caught${named} by ${proof[0]!.group} › ${proof[0]!.test.name}`
            : `survived${named} ${mutant.caughtBy.join(", ")}`,
      });
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  }
  return outcomes;
}

/** Plants each lab's mutants in copies of its solution and checks the named tests catch every one. */
export async function mutateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      mutant: { type: "string", multiple: true },
      class: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const which = onePositional(positionals, "lab (or all)", USAGE);
  if (values.class !== undefined) {
    if (which === "all" || values.mutant)
      throw new UsageError(`--class takes one lab and no --mutant\nusage: ${USAGE}`);
    const lab = await findLab(which);
    const dir = resolve(values.class);
    const written = await writeMutantClass(lab, dir);
    process.stdout.write(
      `wrote ${written.length} submissions of ${lab.name} to ${dir}: the reference, the starter and ` +
        `${written.length - 2} mutants\ngrade them with: npx distlab grade ${lab.name} --submissions ${dir} --out RESULTS\n`,
    );
    return 0;
  }
  const labs = which === "all" ? (await listLabs()).filter((lab) => lab.hasSolutions) : [await findLab(which)];
  let survivors = 0;
  for (const lab of labs) {
    for (const outcome of await mutateLab(lab, values.mutant)) {
      process.stdout.write(`${outcome.caught ? "✓" : "✗"} ${outcome.lab} ${outcome.mutant}: ${outcome.detail}\n`);
      if (!outcome.caught) survivors++;
    }
  }
  return survivors === 0 ? 0 : 1;
}
