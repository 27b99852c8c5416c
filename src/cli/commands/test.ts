import { spawn } from "node:child_process";
import { findLab, listLabs, type Lab } from "../../lab/catalogue.ts";
import { currentLab, rememberCurrentLab } from "../../lab/current-lab.ts";
import { KIT_ROOT } from "../../lab/paths.ts";
import { textReport } from "../../lab/report.ts";
import { groupFile, labTestEnv, runLabTests, vitestArgs, type RunResult } from "../../lab/runner.ts";
import { describeLabDirs, labDirsFor, parsePrereqChoice, type LabDirs } from "../../lab/prereqs.ts";
import { seedSweepCommand } from "../../lab/seed-sweep.ts";
import { resolveTarget } from "../../lab/targets.ts";
import { integerFlag, parse, UsageError } from "../args.ts";

const USAGE =
  "distlab test [<lab>|all] [--target labs|solutions|DIR] [--prereqs own|reference|01=reference,…] [--seed N] [--watch]\n" +
  "       distlab test <lab> --seeds N [--jobs N] [--group NAME]… [--hidden]   (every test on seeds 1..N, a table of failing seeds;\n" +
  "                                                                        --hidden: the hidden groups too, instructor edition)";

/**
 * The student's loop: run the visible tests, see each group's points and where to look next. Without a
 * lab it runs the current one (the last named, else the latest released); the score tables come last.
 */
export async function testCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      target: { type: "string" },
      prereqs: { type: "string" },
      seed: { type: "string" },
      seeds: { type: "string" },
      jobs: { type: "string" },
      group: { type: "string", multiple: true },
      hidden: { type: "boolean" },
      watch: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  if (positionals.length > 1) throw new UsageError(`one lab at a time, or all\nusage: ${USAGE}`);
  const which = positionals[0];
  const seed = integerFlag("seed", values.seed, 0, 2 ** 32 - 1);
  const labs = which === "all" ? await listLabs() : [await chosenLab(which)];
  const targetName = values.target ?? "labs";
  const mapOf = (lab: Lab) => labDirsFor(lab, targetName, parsePrereqChoice(values.prereqs, lab));
  if (values.seeds !== undefined) return sweep(labs, values, await mapOf(labs[0]!));
  if (values.hidden)
    throw new UsageError(
      `--hidden goes with --seeds (a single run of every group is 'distlab grade')\nusage: ${USAGE}`,
    );
  if (values.watch) {
    if (labs.length !== 1) throw new UsageError("--watch follows one lab at a time");
    const lab = labs[0]!;
    return watch(lab, resolveTarget(lab, targetName), seed, await mapOf(lab));
  }
  let allPassed = true;
  const reports: string[] = [];
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
    reports.push(prerequisiteHint(lab, run, labDirs) + textReport(lab, run));
    allPassed &&= run.groups.every((group) => group.status === "passed");
  }
  process.stdout.write(`\n${reports.join("\n")}`);
  return allPassed ? 0 : 1;
}

/** `--seeds N [--jobs N] [--group NAME]…`: the lab's tests on many seeds (see lab/seed-sweep.ts). */
function sweep(
  labs: Lab[],
  values: {
    seeds?: string;
    jobs?: string;
    group?: string[];
    hidden?: boolean;
    seed?: string;
    watch?: boolean;
    target?: string;
    prereqs?: string;
  },
  labDirs: LabDirs,
): Promise<number> {
  if (labs.length !== 1 || values.seed !== undefined || values.watch)
    throw new UsageError(`--seeds runs one lab, without --seed or --watch\nusage: ${USAGE}`);
  const lab = labs[0]!;
  const flags = `${values.target ? ` --target ${values.target}` : ""}${values.prereqs ? ` --prereqs ${values.prereqs}` : ""}`;
  const hidden = values.hidden === true;
  // A hidden test replays through the grader, which runs every group, hidden ones included, and shows them.
  const replayCommand = hidden
    ? `npx distlab grade ${lab.manifest.id} --target ${values.target ?? "labs"} --show-hidden`
    : `npx distlab test ${lab.manifest.id}${flags}`;
  return seedSweepCommand({
    lab,
    target: resolveTarget(lab, values.target ?? "labs"),
    labDirs,
    count: integerFlag("seeds", values.seeds, 1, 100_000)!,
    jobs: integerFlag("jobs", values.jobs, 1, 64) ?? 2,
    groups: values.group,
    hidden,
    replayCommand,
  });
}

/** When the student's own earlier lab is what failed, says so, and how to run on the reference instead. */
function prerequisiteHint(lab: Lab, run: RunResult, labDirs: LabDirs): string {
  const text = run.groups.flatMap((group) => [group.fileError, ...group.tests.map((test) => test.message)]).join("\n");
  const failing = Object.entries(labDirs.labs)
    .filter(([name, entry]) => entry.source === "own" && text.includes(`TODO(lab${name.slice(0, 2)} `))
    .map(([name]) => name);
  if (failing.length === 0) return "";
  return (
    `Some failures come from your own ${failing.join(" and ")} (their TODOs): finish ${failing.length > 1 ? "them" : "it"}, ` +
    `or run this lab on the reference instead: npx distlab test ${lab.manifest.id} --prereqs reference\n\n`
  );
}

/** The lab named, which becomes the current lab; without a name, the current lab. */
async function chosenLab(name: string | undefined): Promise<Lab> {
  if (name !== undefined) {
    const lab = await findLab(name);
    rememberCurrentLab(lab);
    return lab;
  }
  const { lab, why } = await currentLab();
  process.stdout.write(`testing ${lab.name} (${why}; name another: npx distlab test NN)\n`);
  return lab;
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
