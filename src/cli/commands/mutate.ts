import { rm } from "node:fs/promises";
import { findLab, listLabs, type Lab } from "../../lab/catalogue.ts";
import { plantMutant, readMutants } from "../../lab/mutants.ts";
import { runLabTests } from "../../lab/runner.ts";
import { onePositional, parse } from "../args.ts";

const USAGE = "distlab mutate <lab>|all";

interface MutantOutcome {
  lab: string;
  mutant: string;
  caught: boolean;
  detail: string;
}

export async function mutateLab(lab: Lab): Promise<MutantOutcome[]> {
  const outcomes: MutantOutcome[] = [];
  for (const mutant of readMutants(lab)) {
    const target = await plantMutant(lab, mutant);
    try {
      const run = await runLabTests(lab, { target, hidden: true, progress: "quiet", groups: mutant.caughtBy });
      const losing = run.groups.filter((group) => group.score < group.maxScore).map((group) => group.group.name);
      outcomes.push({
        lab: lab.name,
        mutant: mutant.name,
        caught: losing.length > 0,
        detail: losing.length > 0 ? `caught by ${losing.join(", ")}` : `survived ${mutant.caughtBy.join(", ")}`,
      });
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  }
  return outcomes;
}

/** Plants each lab's mutants in copies of its solution and checks the named tests catch every one. */
export async function mutateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { help: { type: "boolean", short: "h" } }, USAGE);
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const which = onePositional(positionals, "lab (or all)", USAGE);
  const labs = which === "all" ? (await listLabs()).filter((lab) => lab.hasSolutions) : [await findLab(which)];
  let survivors = 0;
  for (const lab of labs) {
    for (const outcome of await mutateLab(lab)) {
      process.stdout.write(`${outcome.caught ? "✓" : "✗"} ${outcome.lab} ${outcome.mutant}: ${outcome.detail}\n`);
      if (!outcome.caught) survivors++;
    }
  }
  return survivors === 0 ? 0 : 1;
}
