import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { gradeBatch } from "../../lab/batch.ts";
import { checkGroupNames, findLab, UsageError } from "../../lab/catalogue.ts";
import { gradeTarget } from "../../lab/grading.ts";
import { formatReport, REPORT_FORMATS } from "../../lab/report.ts";
import { integerFlag, oneOf, onePositional, parse } from "../args.ts";

const USAGE =
  "distlab grade <lab> [--target labs|solutions|DIR | --submissions DIR [--jobs N]] [--format text|json|gradescope|prairielearn|junit] [--out FILE] [--seed N] [--group NAME]… [--sandbox auto|required] [--show-hidden]";

/**
 * Grades a target (or a class of submissions) with the visible and hidden tests. Exits 0 whenever
 * grading ran, whatever the score; non-zero only when it could not run (unknown lab, missing target, no
 * hidden tests in this edition, `--sandbox required` without the sandbox).
 */
export async function gradeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      target: { type: "string" },
      submissions: { type: "string" },
      jobs: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
      group: { type: "string", multiple: true },
      sandbox: { type: "string" },
      "show-hidden": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const lab = await findLab(onePositional(positionals, "lab", USAGE));
  const format = oneOf("format", values.format, REPORT_FORMATS, "text");
  const sandbox = oneOf("sandbox", values.sandbox, ["auto", "required"] as const, "auto");
  const seed = integerFlag("seed", values.seed, 0, 2 ** 32 - 1);
  if (!lab.hasSolutions && lab.manifest.tests.some((group) => group.hidden)) {
    throw new UsageError(
      `grading ${lab.name} needs its hidden tests, which only the instructor edition has; students use 'distlab test'`,
    );
  }
  const reportOptions = { showHidden: values["show-hidden"] ?? false };
  const groups = values.group;
  checkGroupNames(lab, groups, true);
  if (groups && values.submissions !== undefined)
    throw new UsageError("--group grades one target: not with --submissions");
  if (values.submissions !== undefined) {
    if (values.target !== undefined)
      throw new UsageError(`--target and --submissions do not go together\nusage: ${USAGE}`);
    if (values.out === undefined)
      throw new UsageError(`--submissions needs --out DIR for the gradebook and the reports`);
    const jobs = integerFlag("jobs", values.jobs, 1, 64) ?? 1;
    await gradeBatch(lab, { submissions: values.submissions, out: values.out, jobs, format, sandbox, reportOptions });
    return 0;
  }
  if (values.jobs !== undefined) throw new UsageError("--jobs goes with --submissions");
  const run = await gradeTarget(lab, {
    target: values.target ?? "labs",
    sandbox,
    ...(seed === undefined ? {} : { seed }),
    ...(groups ? { groups } : {}),
  });
  const report = formatReport(format, lab, run, reportOptions);
  if (values.out) {
    await writeFile(resolve(values.out), report);
    process.stderr.write(`wrote ${values.out}\n`);
  } else {
    process.stdout.write(report);
  }
  return 0;
}
