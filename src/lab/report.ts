import type { Lab } from "./catalogue.ts";
import type { GroupResult, RunResult } from "./runner.ts";

export type ReportFormat = "text" | "json" | "gradescope" | "prairielearn" | "junit";
export const REPORT_FORMATS: ReportFormat[] = ["text", "json", "gradescope", "prairielearn", "junit"];

/**
 * Reports go to students unless an instructor asks otherwise: a hidden group then shows its points and
 * how many of its tests passed, never its tests' names or messages (they are the hidden tests' text).
 */
export interface ReportOptions {
  showHidden?: boolean;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export function totals(groups: GroupResult[]): { score: number; maxScore: number } {
  return {
    score: round(groups.reduce((sum, group) => sum + group.score, 0)),
    maxScore: round(groups.reduce((sum, group) => sum + group.maxScore, 0)),
  };
}

/** What an instructor reads under a group: each test with ✓ or ✗, and why the failed ones failed. */
export function groupOutput(group: GroupResult): string {
  // The file's own error is printed once above its tests; a describe block's failed beforeAll is printed
  // under the first test it stopped, and the next tests it stopped point back to it.
  const fileReason = group.fileError ? `not run: ${group.fileError.split("\n")[0]}` : "";
  let previous = "";
  const tests = group.tests
    .map((test) => {
      const mark = test.status === "passed" ? "✓" : test.status === "failed" ? "✗" : "-";
      let why = "";
      if (test.status === "failed" && test.message && test.message !== fileReason) {
        const repeated = test.message.startsWith("not run:") && test.message === previous;
        why = repeated
          ? "\n    not run: the same reason as above"
          : `\n    ${test.message.split("\n").slice(0, 12).join("\n    ")}`;
        previous = test.message;
      }
      return `${mark} ${test.name}${why}`;
    })
    .join("\n");
  return group.fileError ? `${group.fileError}${tests ? `\n${tests}` : ""}` : tests;
}

/** Reasons the grader itself gives (not a test's text), which a hidden group may show. */
const RUNNER_REASONS = /^(this group did not (finish|start)|the test file did not run)/;

/** What a student may read under a group: everything for a visible group, a count for a hidden one. */
export function visibleOutput(group: GroupResult, options: ReportOptions = {}): string {
  if (!group.group.hidden || options.showHidden) return groupOutput(group);
  const passed = group.tests.filter((test) => test.status === "passed").length;
  const reason = RUNNER_REASONS.test(group.fileError) ? `\n${group.fileError}` : "";
  return `hidden test group: ${passed} of ${group.tests.length} tests passed; their details are not shown${reason}`;
}

/** The seeds that replay failures of a group (simulated tests print `--seed N` when they fail). */
export function failureSeeds(group: GroupResult): number[] {
  const seeds = new Set<number>();
  for (const test of group.tests) {
    for (const match of test.message.matchAll(/--seed[ =](\d+)/g)) seeds.add(Number(match[1]));
  }
  return [...seeds];
}

/** One line about how the run went: the isolation, and why it stopped early if it did. */
export function runSummary(run: RunResult): string {
  return [`isolation: ${run.isolation}`, run.interrupted ? `stopped early: ${run.interrupted}` : ""]
    .filter(Boolean)
    .join("\n");
}

export function jsonReport(lab: Lab, run: RunResult, options: ReportOptions = {}) {
  const { score, maxScore } = totals(run.groups);
  return {
    lab: lab.name,
    score,
    max_score: maxScore,
    isolation: run.isolation,
    ...(run.interrupted ? { interrupted: run.interrupted } : {}),
    tests: run.groups.map((group) => ({
      name: group.group.name,
      score: group.score,
      max_score: group.maxScore,
      status: group.status,
      output: visibleOutput(group, options),
      ...(group.group.hidden ? { hidden: true } : {}),
    })),
  };
}

/** Gradescope's results.json: the same data, hidden groups marked hidden with their output withheld. */
export function gradescopeReport(lab: Lab, run: RunResult, options: ReportOptions = {}) {
  const { score } = totals(run.groups);
  return {
    score,
    execution_time: Math.round(run.elapsedMs / 1000),
    output: `${lab.manifest.title}: ${run.groups.length} test groups\n${runSummary(run)}`,
    visibility: "visible",
    stdout_visibility: "hidden",
    tests: run.groups.map((group, index) => ({
      name: group.group.name,
      number: String(index + 1),
      score: group.score,
      max_score: group.maxScore,
      status: group.status,
      visibility: group.group.hidden ? "hidden" : "visible",
      output: visibleOutput(group, options),
    })),
  };
}

/** PrairieLearn's external grader results.json: a score in [0, 1] and one entry per group. */
export function prairielearnReport(lab: Lab, run: RunResult, options: ReportOptions = {}) {
  const { score, maxScore } = totals(run.groups);
  return {
    gradable: true,
    score: maxScore === 0 ? 0 : round(score / maxScore),
    message: `${lab.manifest.title}: ${score} / ${maxScore}`,
    output: runSummary(run),
    tests: run.groups.map((group) => ({
      name: group.group.name,
      description: group.group.hidden ? "hidden test group" : `${group.tests.length} tests`,
      points: group.score,
      max_points: group.maxScore,
      message: group.status === "passed" ? "passed" : "failed",
      output: visibleOutput(group, options),
    })),
  };
}

function xml(text: string): string {
  return text
    .replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");
}

export function junitReport(lab: Lab, run: RunResult, options: ReportOptions = {}): string {
  const suites = run.groups.map((group) => {
    const withheld = group.group.hidden && !options.showHidden;
    const tests = withheld ? [] : group.tests;
    const cases = (
      tests.length > 0
        ? tests
        : [{ name: group.group.name, status: group.status, message: withheld ? visibleOutput(group) : group.fileError }]
    ).map((test) => {
      const body =
        test.status === "failed"
          ? `<failure message="${xml(test.message.split("\n")[0] ?? "")}">${xml(test.message)}</failure>`
          : test.status === "skipped"
            ? "<skipped/>"
            : "";
      return `    <testcase classname="${xml(lab.name)}.${xml(group.group.name)}" name="${xml(test.name)}">${body}</testcase>`;
    });
    const failures = cases.filter((line) => line.includes("<failure ")).length;
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

export function textReport(lab: Lab, run: RunResult, options: ReportOptions = {}): string {
  const { score, maxScore } = totals(run.groups);
  const width = Math.max(...run.groups.map((group) => group.group.name.length), 10);
  const lines = [`${lab.name} — ${lab.manifest.title}`, ""];
  for (const group of run.groups) {
    const mark = group.status === "passed" ? "✓" : "✗";
    const points = `${group.score}/${group.maxScore}`.padStart(9);
    lines.push(`${mark} ${group.group.name.padEnd(width)} ${points}${group.group.hidden ? "  (hidden)" : ""}`);
    if (group.status === "failed") {
      const output = visibleOutput(group, options)
        .split("\n")
        .filter((line) => !line.startsWith("✓"))
        .slice(0, 16);
      lines.push(...output.map((line) => `    ${line}`));
    }
  }
  lines.push(
    "",
    `score: ${score} / ${maxScore}${run.timedOut ? "  (stopped at the time limit)" : ""}`,
    runSummary(run),
  );
  return `${lines.join("\n")}\n`;
}

export function formatReport(format: ReportFormat, lab: Lab, run: RunResult, options: ReportOptions = {}): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(jsonReport(lab, run, options), null, 2)}\n`;
    case "gradescope":
      return `${JSON.stringify(gradescopeReport(lab, run, options), null, 2)}\n`;
    case "prairielearn":
      return `${JSON.stringify(prairielearnReport(lab, run, options), null, 2)}\n`;
    case "junit":
      return junitReport(lab, run, options);
    case "text":
      return textReport(lab, run, options);
  }
}
