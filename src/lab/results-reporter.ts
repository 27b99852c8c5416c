// A vitest reporter that streams each test file's results to the grader, one JSON line per file as soon
// as the file ends, on a pipe the grader handed to the test runner as descriptor 3. Scores come from
// this stream alone: no results file exists that a submitted process could find and rewrite, and the
// files that finished keep their results when a time limit or a crash stops the run.
import { writeSync } from "node:fs";
import type { Reporter, SerializedError, TestCase, TestModule, TestRunEndReason } from "vitest/node";

/** One line of the stream. */
export type ResultLine =
  | { kind: "start"; file: string }
  | {
      kind: "file";
      file: string;
      /** Errors of the file itself: it did not load, a beforeAll threw. */
      errors: string[];
      tests: { name: string; state: "passed" | "failed" | "skipped" | "pending"; errors: string[] }[];
    }
  | { kind: "end"; reason: TestRunEndReason; errors: string[] };

export const RESULTS_FD = 3;

function describeError(error: SerializedError): string {
  const text = [error.message ?? String(error), typeof error.diff === "string" ? error.diff : ""]
    .filter(Boolean)
    .join("\n");
  return error.name && error.name !== "Error" && !text.startsWith(error.name) ? `${error.name}: ${text}` : text;
}

function send(line: ResultLine): void {
  const bytes = Buffer.from(`${JSON.stringify(line)}\n`);
  let written = 0;
  while (written < bytes.length) written += writeSync(RESULTS_FD, bytes, written);
}

/** Why a test did not run: a beforeAll of one of its describe blocks threw (the file's own errors are apart). */
function suiteErrors(test: TestCase): string[] {
  for (let parent = test.parent; parent.type === "suite"; parent = parent.parent) {
    const errors = parent.errors();
    if (errors.length > 0) return errors.map((error) => `${parent.name}: ${describeError(error)}`);
  }
  return [];
}

export default class ResultsReporter implements Reporter {
  onTestModuleStart(module: TestModule): void {
    send({ kind: "start", file: module.moduleId });
  }

  onTestModuleEnd(module: TestModule): void {
    const tests = [...module.children.allTests()].map((test) => {
      const result = test.result();
      const errors = (result.errors ?? []).map(describeError);
      return {
        name: test.fullName,
        state: result.state,
        errors: errors.length === 0 && result.state === "skipped" ? suiteErrors(test) : errors,
      };
    });
    send({ kind: "file", file: module.moduleId, errors: module.errors().map(describeError), tests });
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<SerializedError>, reason: TestRunEndReason) {
    send({ kind: "end", reason, errors: errors.map(describeError) });
  }
}
