import type { Lab } from "./catalogue.ts";
import type { GroupResult, RunResult } from "./runner.ts";

export type ReportFormat = "text" | "json" | "gradescope" | "junit";
export const REPORT_FORMATS: ReportFormat[] = ["text", "json", "gradescope", "junit"];

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export function totals(groups: GroupResult[]): { score: number; maxScore: number } {
  return {
    score: round(groups.reduce((sum, group) => sum + group.score, 0)),
    maxScore: round(groups.reduce((sum, group) => sum + group.maxScore, 0)),
  };
}

/** What a student reads under a group: each test with ✓ or ✗, and why the failed ones failed. */
export function groupOutput(group: GroupResult): string {
  const tests = group.tests
    .map((test) => {
      const mark = test.status === "passed" ? "✓" : test.status === "failed" ? "✗" : "-";
      const why =
        test.status === "failed" && test.message && !test.message.startsWith("not run:")
          ? `\n    ${test.message.split("\n").slice(0, 12).join("\n    ")}`
          : "";
      return `${mark} ${test.name}${why}`;
    })
    .join("\n");
  return group.fileError ? `${group.fileError}${tests ? `\n${tests}` : ""}` : tests;
}

export function jsonReport(lab: Lab, run: RunResult) {
  const { score, maxScore } = totals(run.groups);
  return {
    lab: lab.name,
    score,
    max_score: maxScore,
    tests: run.groups.map((group) => ({
      name: group.group.name,
      score: group.score,
      max_score: group.maxScore,
      status: group.status,
      output: groupOutput(group),
      ...(group.group.hidden ? { hidden: true } : {}),
    })),
  };
}

/** Gradescope's results.json: the same data, hidden groups marked hidden with their output withheld. */
export function gradescopeReport(lab: Lab, run: RunResult) {
  const { score } = totals(run.groups);
  return {
    score,
    execution_time: Math.round(run.elapsedMs / 1000),
    output: `${lab.manifest.title}: ${run.groups.length} test groups${run.timedOut ? " (stopped at the time limit)" : ""}`,
    visibility: "visible",
    stdout_visibility: "hidden",
    tests: run.groups.map((group, index) => ({
      name: group.group.name,
      number: String(index + 1),
      score: group.score,
      max_score: group.maxScore,
      status: group.status,
      visibility: group.group.hidden ? "hidden" : "visible",
      output: group.group.hidden ? "This test is hidden; its output is not shown." : groupOutput(group),
    })),
  };
}

function xml(text: string): string {
  return text
    .replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");
}

export function junitReport(lab: Lab, run: RunResult): string {
  const suites = run.groups.map((group) => {
    const cases = (
      group.tests.length > 0 ? group.tests : [{ name: group.group.name, status: "failed", message: group.fileError }]
    ).map((test) => {
      const body =
        test.status === "failed"
          ? `<failure message="${xml(test.message.split("\n")[0] ?? "")}">${xml(test.message)}</failure>`
          : test.status === "skipped"
            ? "<skipped/>"
            : "";
      return `    <testcase classname="${xml(lab.name)}.${xml(group.group.name)}" name="${xml(test.name)}">${body}</testcase>`;
    });
    const failures = group.tests.filter((test) => test.status === "failed").length || (group.fileError ? 1 : 0);
    return [
      `  <testsuite name="${xml(group.group.name)}" tests="${cases.length}" failures="${failures}">`,
      `    <properties><property name="score" value="${group.score}"/><property name="max_score" value="${group.maxScore}"/></properties>`,
      ...cases,
      "  </testsuite>",
    ].join("\n");
  });
  const { score, maxScore } = totals(run.groups);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(lab.name)}" score="${score}" max_score="${maxScore}" time="${run.elapsedMs / 1000}">\n${suites.join("\n")}\n</testsuites>\n`;
}

export function textReport(lab: Lab, run: RunResult): string {
  const { score, maxScore } = totals(run.groups);
  const width = Math.max(...run.groups.map((group) => group.group.name.length), 10);
  const lines = [`${lab.name} — ${lab.manifest.title}`, ""];
  for (const group of run.groups) {
    const mark = group.status === "passed" ? "✓" : "✗";
    const points = `${group.score}/${group.maxScore}`.padStart(9);
    lines.push(`${mark} ${group.group.name.padEnd(width)} ${points}${group.group.hidden ? "  (hidden)" : ""}`);
    if (group.status === "failed") {
      const output = groupOutput(group)
        .split("\n")
        .filter((line) => !line.startsWith("✓"))
        .slice(0, 16);
      lines.push(...output.map((line) => `    ${line}`));
    }
  }
  lines.push("", `score: ${score} / ${maxScore}${run.timedOut ? "  (stopped at the time limit)" : ""}`);
  return `${lines.join("\n")}\n`;
}

export function formatReport(format: ReportFormat, lab: Lab, run: RunResult): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(jsonReport(lab, run), null, 2)}\n`;
    case "gradescope":
      return `${JSON.stringify(gradescopeReport(lab, run), null, 2)}\n`;
    case "junit":
      return junitReport(lab, run);
    case "text":
      return textReport(lab, run);
  }
}
