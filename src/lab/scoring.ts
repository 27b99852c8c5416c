// From the results stream to points: a group scores its manifest points times the share of its tests that
// passed. A test that did not pass (failed, skipped, never finished) earns nothing; a file that did not
// load, or did not finish before the run was stopped, earns nothing and says why.
import { resolve } from "node:path";
import type { TestGroup } from "./manifest.ts";
import type { ResultLine } from "./results-reporter.ts";

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

type FileLine = Extract<ResultLine, { kind: "file" }>;

const ANSI = /\u001b\[[0-9;]*m/g;

/** Stack frames point into the test and the kit, not into the student's code: the message is what helps. */
export function cleanMessage(message: string, redact: (text: string) => string = (text) => text): string {
  const text = message
    .replace(ANSI, "")
    .split("\n")
    .filter((line) => !/^\s+at /.test(line))
    .join("\n")
    .trim();
  return redact(text);
}

export interface ScoringContext {
  /** The run's results, in the order they came. */
  lines: ResultLine[];
  /** Why the run stopped early ("" when it ran to its end). */
  interrupted: string;
  redact: (text: string) => string;
}

function fileResult(lines: ResultLine[], file: string): FileLine | undefined {
  return lines.find((line): line is FileLine => line.kind === "file" && resolve(line.file) === resolve(file));
}

function started(lines: ResultLine[], file: string): boolean {
  return lines.some((line) => line.kind === "start" && resolve(line.file) === resolve(file));
}

/** Why a file has no results: the run was cut short while it ran or before it started, or it never ran. */
function missingReason(context: ScoringContext, file: string): string {
  if (!context.interrupted) return "the test file did not run";
  return started(context.lines, file)
    ? `this group did not finish: ${context.interrupted}`
    : `this group did not start: ${context.interrupted}`;
}

export function scoreGroup(group: TestGroup, file: string, context: ScoringContext): GroupResult {
  const result = fileResult(context.lines, file);
  const tests: TestOutcome[] = (result?.tests ?? []).map((test) => ({
    name: test.name,
    status: test.state === "passed" ? "passed" : test.state === "skipped" ? "skipped" : "failed",
    message: cleanMessage(
      test.state === "pending" ? "the test did not finish" : test.errors.join("\n"),
      context.redact,
    ),
  }));
  // A suite-level failure (a beforeAll that threw, a file that does not load) explains every test in it.
  const fileError = result
    ? cleanMessage(result.errors.join("\n"), context.redact) || (tests.length === 0 ? "the test file ran no test" : "")
    : missingReason(context, file);
  for (const test of tests) {
    if (test.status !== "skipped") continue;
    // A graded test that did not run earns nothing, whatever stopped it.
    test.status = "failed";
    // A describe block's beforeAll that threw explains its tests; then the file's own error, if any.
    const why = test.message || fileError.split("\n")[0];
    test.message = why ? `not run: ${why}` : "not run (skipped)";
  }
  const passed = tests.filter((test) => test.status === "passed").length;
  const complete = tests.length > 0 && passed === tests.length && !fileError;
  const score = tests.length === 0 ? 0 : Math.round((group.points * passed * 100) / tests.length) / 100;
  return { group, score, maxScore: group.points, status: complete ? "passed" : "failed", tests, fileError };
}
