import { join, relative, resolve } from "node:path";
import { sandboxSupport, type SandboxSupport } from "../../shared/sandbox/support.ts";
import { UsageError, type Lab } from "./catalogue.ts";
import type { TestGroup } from "./manifest.ts";
import { KIT_ROOT } from "./paths.ts";
import { labDirsEnv, labDirsFor, type LabDirs } from "./prereqs.ts";
import { redactorFor } from "./redact.ts";
import { scoreGroup, type GroupResult } from "./scoring.ts";
import { runVitestProcess } from "./vitest-process.ts";

export type { GroupResult, TestOutcome } from "./scoring.ts";

export interface RunOptions {
  /** Folder holding the lab's src/ (see resolveTarget). */
  target: string;
  /** Also run the hidden tests (grading); needs the instructor edition. */
  hidden: boolean;
  seed?: number;
  /** Where vitest's own progress goes: the terminal, or nowhere (when the caller prints a report). */
  progress: "inherit" | "stderr" | "quiet";
  /** Run only the groups with these names (mutation runs); all groups when absent. */
  groups?: string[];
  /** Run only the tests whose full names match this regular expression (`vitest -t`; mutation runs). */
  testNamePattern?: string;
  /** Which code each prerequisite lab runs from (see prereqs.ts); the edition's default when absent. */
  labDirs?: LabDirs;
  /** `required`: refuse to run without the bubblewrap sandbox instead of falling back. */
  sandbox?: "auto" | "required";
  /** Overrides the lab's time limit, and keeps it from stretching on a loaded machine (the kit's own tests). */
  timeLimitSeconds?: number;
  /** Another vitest config (the kit's own tests of the runner, on fixture labs). */
  vitestConfig?: string;
  /** The command a failing seeded test prints to replay itself (`--seed N` is appended). */
  replayCommand?: string;
}

export interface RunResult {
  groups: GroupResult[];
  elapsedMs: number;
  timedOut: boolean;
  /** "" when the run ended by itself; else why it stopped early (time limit, runner killed). */
  interrupted: string;
  /** How submitted code was isolated during the run, as reports print it. */
  isolation: string;
}

export function groupFile(lab: Lab, group: TestGroup): string {
  return join(group.hidden ? lab.solutionDir : lab.labDir, group.file);
}

/** The environment lab tests read to find the code under test; the harness passes it on to services. */
export function labTestEnv(lab: Lab, target: string, seed?: number, labDirs?: LabDirs): Record<string, string> {
  return {
    DISTLAB_LAB: lab.name,
    DISTLAB_TARGET: resolve(target),
    ...(labDirs ? labDirsEnv(labDirs) : {}),
    ...(seed === undefined ? {} : { DISTLAB_SEED: String(seed) }),
  };
}

export function vitestArgs(
  files: string[],
  extra: string[],
  config = join(KIT_ROOT, "vitest.lab.config.ts"),
): string[] {
  const cli = join(KIT_ROOT, "node_modules", "vitest", "vitest.mjs");
  return [cli, ...extra, "--config", config, ...files.map((f) => relative(KIT_ROOT, f))];
}

/** How a run isolates submitted code, in one line for a report. */
export function describeIsolation(support: SandboxSupport): string {
  return support.bubblewrap
    ? "bubblewrap sandbox (private network with loopback only, read-only kit without solutions/ or hidden tests, scrubbed environment, resource limits)"
    : `no sandbox — ${support.reason}; fallback: own process group and session, scrubbed environment${support.prlimit ? ", resource limits" : ""}${support.dropToNobody ? ", run as nobody" : ""}`;
}

/** The sandbox this run uses, or a refusal when `required` and this machine cannot give it. */
export function runSandbox(mode: RunOptions["sandbox"] = "auto"): SandboxSupport {
  const support = sandboxSupport();
  if (mode === "required" && !support.bubblewrap) {
    throw new UsageError(`--sandbox required: ${support.reason}; refusing to grade without the sandbox`);
  }
  return support;
}

/** A run that could not happen (the runner did not start): every group fails with the reason. */
export function failedRun(groups: TestGroup[], reason: string, isolation: string): RunResult {
  return {
    groups: groups.map((group) => ({
      group,
      score: 0,
      maxScore: group.points,
      status: "failed",
      tests: [],
      fileError: reason,
    })),
    elapsedMs: 0,
    timedOut: false,
    interrupted: reason,
    isolation,
  };
}

/**
 * Runs a lab's test files against a target in a separate vitest process and scores each test group from
 * the manifest. Nothing the target contains decides a score: only which tests passed, as the test
 * runner reported them on its private results pipe.
 */
export async function runLabTests(lab: Lab, options: RunOptions): Promise<RunResult> {
  const support = runSandbox(options.sandbox);
  const groups = lab.manifest.tests.filter(
    (group) => (options.hidden || !group.hidden) && (!options.groups || options.groups.includes(group.name)),
  );
  const files = groups.map((group) => groupFile(lab, group));
  const started = Date.now();
  const reporter = join(KIT_ROOT, "src", "lab", "results-reporter.ts");
  const selection = options.testNamePattern === undefined ? [] : ["--testNamePattern", options.testNamePattern];
  const progress = options.progress === "quiet" ? [] : ["--reporter=default"];
  const args = vitestArgs(files, ["run", ...progress, ...selection, `--reporter=${reporter}`], options.vitestConfig);
  const timeLimitSeconds = options.timeLimitSeconds ?? lab.manifest.timeLimitSeconds;
  const outcome = await runVitestProcess(args, {
    env: {
      ...labTestEnv(lab, options.target, options.seed, options.labDirs ?? (await labDirsFor(lab, options.target))),
      ...(options.replayCommand ? { DISTLAB_REPLAY_COMMAND: options.replayCommand } : {}),
    },
    progress: options.progress,
    timeLimitMs: timeLimitSeconds * 1000,
    fixedLimit: options.timeLimitSeconds !== undefined,
    support,
  });
  const context = { lines: outcome.lines, interrupted: outcome.interrupted, redact: redactorFor(lab, options.target) };
  return {
    groups: groups.map((group) => scoreGroup(group, groupFile(lab, group), context)),
    elapsedMs: Date.now() - started,
    timedOut: outcome.timedOut,
    interrupted: outcome.interrupted,
    isolation: describeIsolation(support),
  };
}
