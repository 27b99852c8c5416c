import { describe, expect, it } from "vitest";
import type { Lab } from "./catalogue.ts";
import { gradescopeReport, jsonReport, junitReport, prairielearnReport, textReport } from "./report.ts";
import type { RunResult } from "./runner.ts";

const lab = { name: "01-kv", manifest: { title: "A store" } } as Lab;
const run: RunResult = {
  elapsedMs: 2500,
  timedOut: false,
  interrupted: "",
  isolation: "bubblewrap sandbox",
  groups: [
    {
      group: { name: "contract", file: "tests/a.test.ts", points: 10, hidden: false },
      score: 5,
      maxScore: 10,
      status: "failed",
      fileError: "",
      tests: [
        { name: "puts", status: "passed", message: "" },
        { name: "gets <back>", status: "failed", message: "expected 200, got 501" },
      ],
    },
    {
      group: { name: "crash", file: "tests/b.test.ts", points: 6, hidden: true },
      score: 3,
      maxScore: 6,
      status: "failed",
      fileError: "",
      tests: [
        { name: "survives", status: "passed", message: "" },
        { name: "replays the secret scenario", status: "failed", message: "expected the secret answer, --seed 17" },
      ],
    },
  ],
};

describe("grading reports", () => {
  it("sums scores from the groups in the JSON shape graders ingest", () => {
    const report = jsonReport(lab, run);
    expect(report).toMatchObject({ lab: "01-kv", score: 8, max_score: 16, isolation: "bubblewrap sandbox" });
    expect(report.tests[0]).toMatchObject({ name: "contract", score: 5, max_score: 10, status: "failed" });
    expect(report.tests[0]!.output).toContain("✗ gets <back>\n    expected 200, got 501");
  });

  it("marks hidden groups hidden for Gradescope and withholds their output", () => {
    const report = gradescopeReport(lab, run);
    expect(report.score).toBe(8);
    expect(report.tests[1]).toMatchObject({ visibility: "hidden", score: 3, max_score: 6 });
    expect(report.tests[1]!.output).not.toContain("survives");
    expect(report.output).toContain("isolation: bubblewrap sandbox");
  });

  it("shows a hidden group's count of passed tests, never its tests' names or messages, in every format", () => {
    for (const text of [
      JSON.stringify(jsonReport(lab, run)),
      JSON.stringify(prairielearnReport(lab, run)),
      junitReport(lab, run),
      textReport(lab, run),
    ]) {
      expect(text).not.toContain("secret");
      expect(text).toContain("1 of 2 tests passed");
    }
    expect(textReport(lab, run, { showHidden: true })).toContain("expected the secret answer");
  });

  it("writes PrairieLearn's results with a score between 0 and 1 and points per group", () => {
    const report = prairielearnReport(lab, run);
    expect(report).toMatchObject({ gradable: true, score: 0.5 });
    expect(report.tests.map((test) => [test.name, test.points, test.max_points])).toEqual([
      ["contract", 5, 10],
      ["crash", 3, 6],
    ]);
  });

  it("writes JUnit XML with escaped names and one failure per failed test", () => {
    const xml = junitReport(lab, run);
    expect(xml).toContain('name="gets &#60;back&#62;"');
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml).toContain('score="8" max_score="16"');
  });

  it("prints a table with points per group", () => {
    expect(textReport(lab, run)).toMatch(/✗ contract\s+5\/10[\s\S]*✗ crash\s+3\/6 {2}\(hidden\)[\s\S]*score: 8 \/ 16/);
  });
});
