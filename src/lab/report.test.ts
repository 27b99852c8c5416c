import { describe, expect, it } from "vitest";
import type { Lab } from "./catalogue.ts";
import { gradescopeReport, jsonReport, junitReport, textReport } from "./report.ts";
import type { RunResult } from "./runner.ts";

const lab = { name: "01-kv", manifest: { title: "A store" } } as Lab;
const run: RunResult = {
  elapsedMs: 2500,
  timedOut: false,
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
      score: 6,
      maxScore: 6,
      status: "passed",
      fileError: "",
      tests: [{ name: "survives", status: "passed", message: "" }],
    },
  ],
};

describe("grading reports", () => {
  it("sums scores from the groups in the JSON shape graders ingest", () => {
    const report = jsonReport(lab, run);
    expect(report).toMatchObject({ lab: "01-kv", score: 11, max_score: 16 });
    expect(report.tests[0]).toMatchObject({ name: "contract", score: 5, max_score: 10, status: "failed" });
    expect(report.tests[0]!.output).toContain("✗ gets <back>\n    expected 200, got 501");
  });

  it("marks hidden groups hidden for Gradescope and withholds their output", () => {
    const report = gradescopeReport(lab, run);
    expect(report.score).toBe(11);
    expect(report.tests[1]).toMatchObject({ visibility: "hidden", score: 6, max_score: 6 });
    expect(report.tests[1]!.output).not.toContain("survives");
  });

  it("writes JUnit XML with escaped names and one failure per failed test", () => {
    const xml = junitReport(lab, run);
    expect(xml).toContain('name="gets &#60;back&#62;"');
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toContain('score="11" max_score="16"');
  });

  it("prints a table with points per group", () => {
    expect(textReport(lab, run)).toMatch(/✗ contract\s+5\/10[\s\S]*✓ crash\s+6\/6 {2}\(hidden\)[\s\S]*score: 11 \/ 16/);
  });
});
