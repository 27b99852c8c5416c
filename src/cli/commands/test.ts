import { spawn } from "node:child_process";
import { findLab, listLabs, type Lab } from "../../lab/catalogue.ts";
import { KIT_ROOT } from "../../lab/paths.ts";
import { textReport } from "../../lab/report.ts";
import { groupFile, labTestEnv, runLabTests, vitestArgs } from "../../lab/runner.ts";
import { describeLabDirs, labDirsFor, parsePrereqChoice, type LabDirs } from "../../lab/prereqs.ts";
import { resolveTarget } from "../../lab/targets.ts";
import { integerFlag, onePositional, parse, UsageError } from "../args.ts";

const USAGE =
  "distlab test <lab>|all [--target labs|solutions|DIR] [--prereqs own|reference|01=reference,…] [--seed N] [--watch]";

/** The student's loop: run the visible tests, see each group's points and where to look next. */
export async function testCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      target: { type: "string" },
      prereqs: { type: "string" },
      seed: { type: "string" },
      watch: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const which = onePositional(positionals, "lab (or all)", USAGE);
  const seed = integerFlag("seed", values.seed, 0, 2 ** 32 - 1);
  const labs = which === "all" ? await listLabs() : [await findLab(which)];
  const targetName = values.target ?? "labs";
  const mapOf = (lab: Lab) => labDirsFor(lab, targetName, parsePrereqChoice(values.prereqs, lab));
  if (values.watch) {
    if (labs.length !== 1) throw new UsageError("--watch follows one lab at a time");
    const lab = labs[0]!;
    return watch(lab, resolveTarget(lab, targetName), seed, await mapOf(lab));
  }
  let allPassed = true;
  for (const lab of labs) {
    const target = resolveTarget(lab, targetName);
    const labDirs = await mapOf(lab);
    const flags = `${values.target ? ` --target ${values.target}` : ""}${values.prereqs ? ` --prereqs ${values.prereqs}` : ""}`;
    process.env.DISTLAB_REPLAY_COMMAND = `npx distlab test ${lab.manifest.id}${flags}`;
    for (const line of describeLabDirs(labDirs)) process.stdout.write(`prerequisite ${line}\n`);
    const run = await runLabTests(lab, {
      target,
      hidden: false,
      progress: "inherit",
      labDirs,
      ...(seed === undefined ? {} : { seed }),
    });
    process.stdout.write(`\n${textReport(lab, run)}`);
    allPassed &&= run.groups.every((group) => group.status === "passed");
  }
  return allPassed ? 0 : 1;
}

function watch(lab: Lab, target: string, seed: number | undefined, labDirs: LabDirs): Promise<number> {
  const files = lab.manifest.tests.filter((group) => !group.hidden).map((group) => groupFile(lab, group));
  const child = spawn(process.execPath, vitestArgs(files, ["watch"]), {
    cwd: KIT_ROOT,
    env: { ...process.env, ...labTestEnv(lab, target, seed, labDirs) },
    stdio: "inherit",
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 0)));
}
