import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import type { Lab } from "./catalogue.ts";
import type { TestGroup } from "./manifest.ts";
import { KIT_ROOT } from "./paths.ts";
import { labDirsEnv, labDirsFor, type LabDirs } from "./prereqs.ts";

export interface TestOutcome {
  name: string;
  status: "passed" | "failed" | "skipped";
  message: string;
}

export interface GroupResult {
  group: TestGroup;
  score: number;
  maxScore: number;
  status: "passed" | "failed";
  tests: TestOutcome[];
  /** Why the whole file failed, when it did not even load (syntax error, import error, time limit). */
  fileError: string;
}

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
  /** Stop at the first failing test (mutation runs: one failure is the proof). */
  bail?: boolean;
  /** Which code each prerequisite lab runs from (see prereqs.ts); the edition's default when absent. */
  labDirs?: LabDirs;
}

export interface RunResult {
  groups: GroupResult[];
  elapsedMs: number;
  timedOut: boolean;
}

interface VitestJson {
  testResults: {
    name: string;
    message: string;
    assertionResults: { fullName: string; status: string; failureMessages: string[] | null }[];
  }[];
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

export function vitestArgs(files: string[], extra: string[]): string[] {
  const cli = join(KIT_ROOT, "node_modules", "vitest", "vitest.mjs");
  return [
    cli,
    ...extra,
    "--config",
    join(KIT_ROOT, "vitest.lab.config.ts"),
    ...files.map((f) => relative(KIT_ROOT, f)),
  ];
}

/**
 * Runs a lab's test files against a target in a separate vitest process and scores each test group from
 * the manifest. Nothing the target contains decides a score: only which tests passed.
 */
export async function runLabTests(lab: Lab, options: RunOptions): Promise<RunResult> {
  const groups = lab.manifest.tests.filter(
    (group) => (options.hidden || !group.hidden) && (!options.groups || options.groups.includes(group.name)),
  );
  const files = groups.map((group) => groupFile(lab, group));
  const scratch = await mkdtemp(join(tmpdir(), "distlab-run-"));
  const jsonFile = join(scratch, "results.json");
  const started = Date.now();
  try {
    const reporter = options.progress === "quiet" ? [] : ["--reporter=default"];
    const selection = [
      ...(options.testNamePattern === undefined ? [] : ["--testNamePattern", options.testNamePattern]),
      ...(options.bail ? ["--bail=1"] : []),
    ];
    const args = vitestArgs(files, [
      "run",
      ...reporter,
      ...selection,
      "--reporter=json",
      `--outputFile.json=${jsonFile}`,
    ]);
    const timedOut = await runVitest(args, {
      env: labTestEnv(lab, options.target, options.seed, options.labDirs ?? (await labDirsFor(lab, options.target))),
      progress: options.progress,
      timeLimitMs: lab.manifest.timeLimitSeconds * 1000,
    });
    const json = await readFile(jsonFile, "utf8").then(
      (text) => JSON.parse(text) as VitestJson,
      () => null,
    );
    if (!json && !timedOut) throw new Error(`the test runner ended without writing results (${jsonFile})`);
    const limit = `the lab's tests did not finish within its time limit of ${lab.manifest.timeLimitSeconds} s`;
    return {
      groups: groups.map((group) => scoreGroup(group, groupFile(lab, group), json, timedOut ? limit : "")),
      elapsedMs: Date.now() - started,
      timedOut,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function scoreGroup(group: TestGroup, file: string, json: VitestJson | null, limitMessage: string): GroupResult {
  const result = json?.testResults.find((candidate) => resolve(candidate.name) === resolve(file));
  const tests: TestOutcome[] = (result?.assertionResults ?? []).map((assertion) => ({
    name: assertion.fullName,
    status: assertion.status === "passed" ? "passed" : assertion.status === "failed" ? "failed" : "skipped",
    message: cleanMessage((assertion.failureMessages ?? []).join("\n")),
  }));
  // A suite-level failure (a beforeAll that threw, a file that does not load) explains every test in it.
  const fileError = result
    ? cleanMessage(result.message) || (tests.length === 0 ? "the test file ran no test" : "")
    : limitMessage || "the test file did not run";
  if (fileError) {
    // Tests skipped because their suite could not even set up did not pass: report them as failed.
    const reason = `not run: ${fileError.split("\n")[0]}`;
    for (const test of tests) if (test.status === "skipped") Object.assign(test, { status: "failed", message: reason });
  }
  const passed = tests.filter((test) => test.status === "passed").length;
  const complete = tests.length > 0 && passed === tests.length && !fileError;
  const score = tests.length === 0 ? 0 : Math.round((group.points * passed * 100) / tests.length) / 100;
  return { group, score, maxScore: group.points, status: complete ? "passed" : "failed", tests, fileError };
}

const ANSI = /\u001b\[[0-9;]*m/g;

function cleanMessage(message: string): string {
  // Stack frames point into the test and the kit, not into the student's code: the message is what helps.
  const text = message
    .replace(ANSI, "")
    .split("\n")
    .filter((line) => !/^\s+at /.test(line))
    .join("\n")
    .trim();
  return text.length > 4000 ? `${text.slice(0, 4000)}\n… (cut)` : text;
}

/** Runs vitest in its own process group so a time limit can stop it together with every service it started. */
function runVitest(
  args: string[],
  options: { env: Record<string, string>; progress: RunOptions["progress"]; timeLimitMs: number },
): Promise<boolean> {
  return new Promise((resolvePromise, reject) => {
    const stdio =
      options.progress === "inherit"
        ? "inherit"
        : ([
            "ignore",
            options.progress === "stderr" ? process.stderr : "ignore",
            options.progress === "stderr" ? process.stderr : "ignore",
          ] as const);
    const child = spawn(process.execPath, args, {
      cwd: KIT_ROOT,
      env: {
        ...process.env,
        ...options.env,
        FORCE_COLOR: options.progress === "inherit" ? process.env.FORCE_COLOR : "0",
      },
      stdio: stdio as never,
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, "SIGKILL");
    }, options.timeLimitMs);
    const interrupt = () => killGroup(child.pid, "SIGTERM");
    process.once("SIGINT", interrupt);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start the test runner: ${error.message}`));
    });
    child.once("exit", () => {
      clearTimeout(timer);
      process.off("SIGINT", interrupt);
      killGroup(child.pid, "SIGKILL");
      resolvePromise(timedOut);
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}
