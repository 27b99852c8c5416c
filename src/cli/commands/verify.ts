import { join } from "node:path";
import { listLabs, type Lab } from "../../lab/catalogue.ts";
import { copiesGate, studentEditionGate } from "../../lab/edition-gates.ts";
import { KIT_ROOT } from "../../lab/paths.ts";
import { labCoverage } from "../../lab/requirements.ts";
import { groupOutput, totals } from "../../lab/report.ts";
import { runLabTests } from "../../lab/runner.ts";
import { sh } from "../../lab/shell.ts";
import { runCheatCorpus } from "../../lab/cheats/corpus.ts";
import { parse, UsageError } from "../args.ts";
import { mutateLab } from "./mutate.ts";

const USAGE =
  "distlab verify [--gate NAME]... (gates: typecheck, lint, starter, copies, requirements, kit, solutions, starters, mutants, cheats, export)";
const GATES = [
  "typecheck",
  "lint",
  "starter",
  "copies",
  "requirements",
  "kit",
  "solutions",
  "starters",
  "mutants",
  "cheats",
  "export",
] as const;
type Gate = (typeof GATES)[number];

interface Outcome {
  name: string;
  ok: boolean;
  detail: string;
}

const bin = (name: string) => join(KIT_ROOT, "node_modules", ".bin", name);
const cli = join(KIT_ROOT, "bin", "distlab.js");

async function tool(name: string, command: string, args: string[]): Promise<Outcome> {
  const { code } = await sh(command, args);
  return { name, ok: code === 0, detail: code === 0 ? "" : `exit code ${code}` };
}

/** A grading run's wall time, shown beside each lab: grading one lab should stay well under 3 minutes. */
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)} s`;

async function solutionScores(lab: Lab): Promise<Outcome> {
  const started = Date.now();
  const run = await runLabTests(lab, { target: lab.solutionDir, hidden: true, progress: "stderr" });
  const { score, maxScore } = totals(run.groups);
  const failing = run.groups.filter((group) => group.status !== "passed");
  const detail = failing.map((group) => `${group.group.name}:\n${groupOutput(group)}`).join("\n");
  return {
    name: `${lab.name}: the solution scores ${score}/${maxScore} (graded in ${seconds(started)})`,
    ok: score === maxScore && failing.length === 0,
    detail,
  };
}

/** The starter must score 0, and every group must fail cleanly: a TODO error, not a crash or a hang. */
async function starterScores(lab: Lab): Promise<Outcome> {
  const started = Date.now();
  const run = await runLabTests(lab, { target: lab.labDir, hidden: true, progress: "quiet" });
  const { score, maxScore } = totals(run.groups);
  const unclean = run.groups.filter((group) => !groupOutput(group).includes(`TODO(lab${lab.manifest.id} §`));
  const detail = [
    run.timedOut ? "the run hit the lab's time limit" : "",
    ...unclean.map((group) => `${group.group.name} failed without a TODO message:\n${groupOutput(group)}`),
  ]
    .filter(Boolean)
    .join("\n");
  return {
    name: `${lab.name}: the starter scores ${score}/${maxScore}, failing with TODOs (graded in ${seconds(started)})`,
    ok: score === 0 && unclean.length === 0 && !run.timedOut,
    detail,
  };
}

/** Every CI gate, in the order a failure is cheapest to find; the last line counts passed and failed. */
export async function verifyCommand(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { gate: { type: "string", multiple: true }, help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const unknown = (values.gate ?? []).filter((gate) => !(GATES as readonly string[]).includes(gate));
  if (unknown.length > 0) throw new UsageError(`unknown gate ${unknown.join(", ")}\nusage: ${USAGE}`);
  const selected = new Set<Gate>((values.gate as Gate[] | undefined) ?? GATES);
  const labs = (await listLabs()).filter((lab) => lab.hasSolutions);
  if (labs.length === 0)
    throw new UsageError("verify needs the instructor edition (solutions/); students run 'npm test'");
  const outcomes: Outcome[] = [];
  const gate = async (name: Gate, run: () => Promise<Outcome | Outcome[]>) => {
    if (!selected.has(name)) return;
    process.stdout.write(`\n=== ${name} ===\n`);
    const started = Date.now();
    const results = [await run()].flat();
    for (const result of results) {
      outcomes.push(result);
      process.stdout.write(`${result.ok ? "✓" : "✗"} ${result.name}${result.ok ? "" : `\n${result.detail}`}\n`);
    }
    process.stdout.write(`(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  };
  await gate("typecheck", () =>
    tool("typecheck (tsc --noEmit, strict)", bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]),
  );
  await gate("lint", async () => [
    await tool("lint (eslint)", bin("eslint"), ["."]),
    await tool("format (prettier --check)", bin("prettier"), ["--check", "."]),
  ]);
  await gate("starter", () =>
    tool("labs/ matches what solutions/ generates", process.execPath, [cli, "starter", "--check"]),
  );
  await gate("copies", () => copiesGate(labs));
  // Every lab with a manifest, solutions or not: a lab whose handout names no requirement does not pass.
  await gate("requirements", async () =>
    (await listLabs()).map((lab) => {
      const { requirements, problems } = labCoverage(lab);
      return {
        name: `${lab.name}: its ${requirements.length} requirements, its tests and its mutants agree`,
        ok: problems.length === 0,
        detail: problems.map((problem) => `  ${problem}`).join("\n"),
      };
    }),
  );
  await gate("kit", () =>
    tool("kit runtime tests (shared/, src/)", process.execPath, [bin("vitest"), "run", "--config", "vitest.config.ts"]),
  );
  // One lab at a time: lab tests start real processes and the machine may have two cores.
  const eachLab = async (check: (lab: Lab) => Promise<Outcome>) => {
    const results: Outcome[] = [];
    for (const lab of labs) results.push(await check(lab));
    return results;
  };
  await gate("solutions", () => eachLab(solutionScores));
  await gate("starters", () => eachLab(starterScores));
  await gate("mutants", async () => {
    const results: Outcome[] = [];
    for (const lab of labs) {
      for (const outcome of await mutateLab(lab)) {
        results.push({
          name: `${lab.name}: mutant ${outcome.mutant} is ${outcome.detail}`,
          ok: outcome.caught,
          detail: "",
        });
      }
    }
    return results;
  });
  // Hostile submissions of src/lab/cheats/: each must score what its honest part earns, leak nothing, leave nothing.
  await gate("cheats", async () =>
    (await runCheatCorpus()).map((cheat) => ({
      name: `cheat ${cheat.name}: ${cheat.summary}`,
      ok: cheat.ok,
      detail: [`  attack: ${cheat.attack}`, ...cheat.problems.map((problem) => `  ${problem}`)].join("\n"),
    })),
  );
  await gate("export", () => studentEditionGate(labs));
  const passed = outcomes.filter((outcome) => outcome.ok).length;
  const failed = outcomes.length - passed;
  process.stdout.write(`\n${failed === 0 ? "all gates passed" : "some gates failed:"}\n`);
  for (const outcome of outcomes.filter((o) => !o.ok)) process.stdout.write(`  ✗ ${outcome.name}\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}
