import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { findLab, UsageError } from "../../lab/catalogue.ts";
import { formatReport, REPORT_FORMATS } from "../../lab/report.ts";
import { runLabTests } from "../../lab/runner.ts";
import { resolveTarget } from "../../lab/targets.ts";
import { integerFlag, oneOf, onePositional, parse } from "../args.ts";

const USAGE =
  "distlab grade <lab> [--target labs|solutions|DIR] [--format text|json|gradescope|junit] [--out FILE] [--seed N]";

/**
 * Grades a target with the visible and hidden tests. Exits 0 whenever grading ran, whatever the score;
 * non-zero only when it could not run (unknown lab, missing target, no hidden tests in this edition).
 */
export async function gradeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      target: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const lab = await findLab(onePositional(positionals, "lab", USAGE));
  const format = oneOf("format", values.format, REPORT_FORMATS, "text");
  if (!lab.hasSolutions && lab.manifest.tests.some((group) => group.hidden)) {
    throw new UsageError(
      `grading ${lab.name} needs its hidden tests, which only the instructor edition has; students use 'distlab test'`,
    );
  }
  const target = resolveTarget(lab, values.target ?? "labs");
  const seed = integerFlag("seed", values.seed, 0, 2 ** 32 - 1);
  // A simulated test that fails prints this, plus --seed N, as the command that replays it.
  process.env.DISTLAB_REPLAY_COMMAND = `npx distlab grade ${lab.manifest.id}${values.target ? ` --target ${values.target}` : ""}`;
  const run = await runLabTests(lab, {
    target,
    hidden: true,
    progress: "quiet",
    ...(seed === undefined ? {} : { seed }),
  });
  const report = formatReport(format, lab, run);
  if (values.out) {
    await writeFile(resolve(values.out), report);
    process.stderr.write(`wrote ${values.out}\n`);
  } else {
    process.stdout.write(report);
  }
  return 0;
}
