// Running a lab's tests over many seeds, a few runs at a time: `distlab test 06 --seeds 200 --jobs 2`.
// The seeds go in batches, one ordinary test run per batch (DISTLAB_SEEDS: every seeded scenario runs on
// each seed of the batch and names the seeds it failed on), so the cost of starting a run is paid once per
// batch; a failing seed in the table replays alone with the command printed beside it. This is the
// script students of distributed-systems courses otherwise write themselves to run their tests hundreds
// of times.
import { existsSync } from "node:fs";
import { relative } from "node:path";
import { formatTable } from "@distlab/kit/bench";
import { checkGroupNames, UsageError, type Lab } from "./catalogue.ts";
import { KIT_ROOT } from "./paths.ts";
import type { LabDirs } from "./prereqs.ts";
import { groupFile, runLabTests, type RunResult } from "./runner.ts";

export interface SweepOptions {
  lab: Lab;
  target: string;
  labDirs: LabDirs;
  seeds: number[];
  /** Runs at the same time. */
  jobs: number;
  /** Only these test groups (by name); every visible group when absent. */
  groups?: string[];
  /** Runs the hidden groups too (the instructor edition: their files live in solutions/). */
  hidden?: boolean;
  /** The command a failing seed replays with (`--seed N` is appended). */
  replayCommand: string;
  /** Where progress lines go (a terminal line rewritten in place, or one line each when not a terminal). */
  progress: (line: string) => void;
}

export interface SweepResult {
  seeds: number[];
  elapsedMs: number;
  /** Per test that failed on some seed: the seeds it failed on, in order, and its first failure's first line. */
  failures: Map<string, { seeds: number[]; reason: string }>;
  /** Tests that ran (by full name), whatever their outcome. */
  tests: Set<string>;
}

/** At most this many seeds per test run: enough to pay for starting it, few enough for a lively progress bar. */
const MAX_BATCH = 10;

/** Splits the seeds into batches, at least three per job while there are seeds for them. */
export function seedBatches(seeds: number[], jobs: number): number[][] {
  const size = Math.max(1, Math.min(MAX_BATCH, Math.ceil(seeds.length / (jobs * 3))));
  const batches: number[][] = [];
  for (let i = 0; i < seeds.length; i += size) batches.push(seeds.slice(i, i + size));
  return batches;
}

/** Runs the lab's tests on every seed, a batch per run, `jobs` runs at a time; gathers which tests failed on which seeds. */
export async function runSeedSweep(options: SweepOptions): Promise<SweepResult> {
  const started = Date.now();
  const result: SweepResult = { seeds: options.seeds, elapsedMs: 0, failures: new Map(), tests: new Set() };
  const failingSeeds = new Set<number>();
  const batches = seedBatches(options.seeds, options.jobs);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++] as number[];
      const run = await runBatch(options, batch);
      for (const seed of record(result, batch, run)) failingSeeds.add(seed);
      done += batch.length;
      options.progress(progressLine(done, options.seeds.length, failingSeeds.size, Date.now() - started, options.jobs));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, options.seeds.length) }, worker));
  result.elapsedMs = Date.now() - started;
  for (const failure of result.failures.values()) failure.seeds.sort((a, b) => a - b);
  return result;
}

function runBatch(options: SweepOptions, batch: number[]): Promise<RunResult> {
  // The test runner takes its environment from this process when it starts, which runLabTests does before
  // it first awaits anything: set for that moment only, the batch reaches this run and no other.
  process.env.DISTLAB_SEEDS = batch.join(",");
  try {
    return runLabTests(options.lab, {
      target: options.target,
      hidden: options.hidden === true,
      progress: "quiet",
      labDirs: options.labDirs,
      replayCommand: options.replayCommand,
      ...(options.groups ? { groups: options.groups } : {}),
    });
  } finally {
    delete process.env.DISTLAB_SEEDS;
  }
}

/**
 * Adds one batch's run to the result; returns the seeds some test failed on. A seeded test names the
 * seeds it failed on ("failing seeds: 3, 7"); a test that failed without naming any failed on every seed.
 */
function record(result: SweepResult, batch: number[], run: RunResult): number[] {
  const failed = new Set<number>();
  for (const group of run.groups) {
    const tests =
      group.tests.length > 0 ? group.tests : [{ name: group.group.name, status: "failed", message: group.fileError }];
    for (const test of tests) {
      result.tests.add(test.name);
      if (test.status === "passed") continue;
      const seeds = seedsNamedIn(test.message, batch);
      const entry = result.failures.get(test.name) ?? { seeds: [], reason: firstLine(test.message) };
      entry.seeds.push(...seeds);
      result.failures.set(test.name, entry);
      for (const seed of seeds) failed.add(seed);
    }
  }
  return [...failed];
}

/** The seeds a failure message names ("failing seeds: 3, 7"), or the whole batch when it names none. */
export function seedsNamedIn(message: string, batch: number[]): number[] {
  const named = /failing seeds: ([\d, ]+)/.exec(message)?.[1];
  return named === undefined ? batch : named.split(",").map((seed) => Number(seed.trim()));
}

function firstLine(text: string): string {
  const line = text.split("\n").find((candidate) => candidate.trim() !== "") ?? "";
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

/** `[#####-----] 40/200 seeds, 2 at a time, 3 failing, ETA 4m10s` */
export function progressLine(done: number, total: number, failing: number, elapsedMs: number, jobs: number): string {
  const width = 30;
  const filled = Math.round((width * done) / Math.max(total, 1));
  const left = done === 0 ? 0 : ((total - done) * elapsedMs) / done;
  const failingText = failing === 0 ? "none failing" : `${failing} failing`;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} seeds, ${jobs} at a time, ${failingText}, ETA ${duration(left)}`;
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s` : `${seconds}s`;
}

/** The final report: each failing test with the seeds it failed on and the command replaying the first. */
export function sweepReport(result: SweepResult, replayCommand: string): string {
  const range = describeSeeds(result.seeds);
  const header = `${result.tests.size} tests × ${result.seeds.length} seeds (${range}) in ${duration(result.elapsedMs)}`;
  if (result.failures.size === 0) return `${header}: every test passed on every seed.\n`;
  const rows = [...result.failures].map(([test, { seeds, reason }]) => [
    test,
    `${seeds.length}/${result.seeds.length}`,
    describeSeeds(seeds, 12),
    `${replayCommand} --seed ${seeds[0]}`,
    reason,
  ]);
  const table = formatTable(["test", "failed", "seeds", "replay the first", "first failure"], rows, "lrlll");
  return `${header}: ${result.failures.size} test(s) failed on some seed.\n\n${table}\n`;
}

/** "1-200", or "3, 17, 58, …" for scattered seeds (at most `max` listed). */
export function describeSeeds(seeds: number[], max = Infinity): string {
  if (seeds.length === 0) return "none";
  const sorted = [...seeds].sort((a, b) => a - b);
  const contiguous = sorted.every((seed, i) => i === 0 || seed === sorted[i - 1]! + 1);
  if (contiguous && sorted.length > 2) return `${sorted[0]}-${sorted[sorted.length - 1]}`;
  const shown = sorted.slice(0, max).join(", ");
  return sorted.length > max ? `${shown}, … (${sorted.length - max} more)` : shown;
}

/** The seeds a sweep runs: 1..count, or from `first` on. */
export function sweepSeeds(count: number, first = 1): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

export interface SweepCommand {
  lab: Lab;
  target: string;
  labDirs: LabDirs;
  count: number;
  jobs: number;
  groups: string[] | undefined;
  hidden: boolean;
  replayCommand: string;
}

/** `distlab test NN --seeds N`: the sweep with a progress line on stderr and the report on stdout; 0 if all passed. */
export async function seedSweepCommand(command: SweepCommand): Promise<number> {
  const { lab, hidden } = command;
  checkGroupNames(lab, command.groups, hidden);
  if (hidden) {
    const missing = lab.manifest.tests.filter((group) => group.hidden && !existsSync(groupFile(lab, group)));
    if (missing.length > 0)
      throw new UsageError(
        `--hidden needs the instructor edition: ${missing.map((group) => relative(KIT_ROOT, groupFile(lab, group))).join(", ")} is not here`,
      );
  }
  const tty = process.stderr.isTTY === true;
  const seeds = sweepSeeds(command.count);
  process.stderr.write(
    `${lab.name}: ${seeds.length} seeds, ${command.jobs} at a time${hidden ? ", hidden groups included" : ""}${command.groups ? `, groups ${command.groups.join(", ")}` : ""}\n`,
  );
  const result = await runSeedSweep({
    ...command,
    seeds,
    progress: (line) => void process.stderr.write(tty ? `\r${line}` : `${line}\n`),
  });
  if (tty) process.stderr.write("\n");
  process.stdout.write(`\n${sweepReport(result, command.replayCommand)}`);
  return result.failures.size === 0 ? 0 : 1;
}
