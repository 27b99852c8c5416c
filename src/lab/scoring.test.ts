import { describe, expect, it } from "vitest";
import type { TestGroup } from "./manifest.ts";
import type { ResultLine } from "./results-reporter.ts";
import { cleanMessage, scoreGroup, type ScoringContext } from "./scoring.ts";

const group: TestGroup = { name: "contract", file: "tests/a.test.ts", points: 9, hidden: false };
const FILE = "/kit/labs/01-kv/tests/a.test.ts";

function context(lines: ResultLine[], interrupted = ""): ScoringContext {
  return { lines, interrupted, redact: (text) => text };
}

function fileLine(tests: [string, "passed" | "failed" | "skipped" | "pending"][], errors: string[] = []): ResultLine {
  return {
    kind: "file",
    file: FILE,
    errors,
    tests: tests.map(([name, state]) => ({ name, state, errors: state === "failed" ? [`${name} failed`] : [] })),
  };
}

describe("scoring a group from the results stream", () => {
  it("gives the group's points times the share of its tests that passed", () => {
    const result = scoreGroup(
      group,
      FILE,
      context([
        fileLine([
          ["a", "passed"],
          ["b", "failed"],
          ["c", "passed"],
        ]),
      ]),
    );
    expect(result).toMatchObject({ score: 6, maxScore: 9, status: "failed", fileError: "" });
    expect(result.tests[1]).toMatchObject({ status: "failed", message: "b failed" });
  });

  it("counts a skipped or unfinished test as failed", () => {
    const result = scoreGroup(
      group,
      FILE,
      context([
        fileLine([
          ["a", "passed"],
          ["b", "skipped"],
          ["c", "pending"],
        ]),
      ]),
    );
    expect(result.score).toBe(3);
    expect(result.tests.map((test) => test.status)).toEqual(["passed", "failed", "failed"]);
    expect(result.tests[1]!.message).toMatch(/not run/);
  });

  it("fails every test of a file whose suite failed, and says why once", () => {
    const result = scoreGroup(group, FILE, context([fileLine([["a", "skipped"]], ["beforeAll threw: no KV"])]));
    expect(result).toMatchObject({ score: 0, status: "failed", fileError: "beforeAll threw: no KV" });
    expect(result.tests[0]!.message).toBe("not run: beforeAll threw: no KV");
  });

  it("explains a test skipped by its describe block's failed beforeAll with that block's error", () => {
    const line = fileLine([["a", "skipped"]]);
    if (line.kind === "file") line.tests[0]!.errors = ["on etcd: TodoError: TODO(lab08 §1): watch the prefix"];
    const result = scoreGroup(group, FILE, context([line]));
    expect(result.tests[0]!.message).toBe("not run: on etcd: TodoError: TODO(lab08 §1): watch the prefix");
  });

  it("says a file with no test ran no test, and scores it zero", () => {
    expect(scoreGroup(group, FILE, context([fileLine([])]))).toMatchObject({
      score: 0,
      fileError: "the test file ran no test",
    });
  });

  it("tells a group stopped by the time limit while it ran from one that never started", () => {
    const stopped = "the run was stopped at the lab's time limit of 600 s";
    const running = scoreGroup(group, FILE, context([{ kind: "start", file: FILE }], stopped));
    const waiting = scoreGroup(group, FILE, context([], stopped));
    expect(running.fileError).toBe(`this group did not finish: ${stopped}`);
    expect(waiting.fileError).toBe(`this group did not start: ${stopped}`);
    expect(running.score + waiting.score).toBe(0);
  });

  it("keeps only the message of a failure: no colours, no stack frames", () => {
    expect(cleanMessage("\u001b[31mexpected 1\u001b[39m\n    at Object.<anonymous> (a.ts:1:1)\nto be 2")).toBe(
      "expected 1\nto be 2",
    );
  });
});
