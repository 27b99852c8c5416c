// Grading a class: every submission of an export, a few at a time, with progress and an estimate of the
// time left on stderr, one report per student in the chosen format and a CSV gradebook. A submission that
// crashes, hangs or cheats gets its score and a reason; nothing one submission does stops the batch.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { findSubmissions, type Submission } from "./batch-layout.ts";
import type { Lab } from "./catalogue.ts";
import { gradeTarget } from "./grading.ts";
import { failureSeeds, formatReport, totals, type ReportFormat, type ReportOptions } from "./report.ts";
import { describeIsolation, failedRun, runSandbox, type RunOptions, type RunResult } from "./runner.ts";
import { removeStagedTarget, resolveTarget } from "./targets.ts";

export interface BatchOptions {
  submissions: string;
  /** The folder that receives gradebook.csv and reports/. */
  out: string;
  jobs: number;
  format: ReportFormat;
  sandbox: RunOptions["sandbox"];
  reportOptions: ReportOptions;
  /** Where progress goes (stderr). */
  progress?: (line: string) => void;
}

export interface BatchRow {
  submission: Submission;
  run: RunResult;
  seconds: number;
  reason: string;
}

const EXTENSIONS: Record<ReportFormat, string> = {
  text: "txt",
  json: "json",
  gradescope: "json",
  prairielearn: "json",
  junit: "xml",
};

/** Why a submission lost points, in a few words for the gradebook. */
export function batchReason(run: RunResult): string {
  if (run.interrupted) return run.interrupted;
  const failed = run.groups.filter((group) => group.status === "failed");
  if (failed.length === 0) return "";
  const fileError = failed.find((group) => group.fileError)?.fileError.split("\n")[0];
  return `${failed.length} of ${run.groups.length} groups incomplete${fileError ? `; ${fileError}` : ""}`;
}

async function gradeSubmission(lab: Lab, submission: Submission, options: BatchOptions): Promise<BatchRow> {
  const started = Date.now();
  const isolation = describeIsolation(runSandbox(options.sandbox));
  let staged: string | undefined;
  let run: RunResult;
  try {
    if (!submission.code) {
      run = failedRun(lab.manifest.tests, `not graded: ${submission.problem}`, isolation);
    } else {
      staged = resolveTarget(lab, submission.code);
      run = await gradeTarget(lab, { target: staged, sandbox: options.sandbox });
    }
  } catch (error) {
    run = failedRun(lab.manifest.tests, `not graded: ${(error as Error).message}`, isolation);
  } finally {
    if (staged) removeStagedTarget(staged);
    if (submission.scratch) rmSync(submission.scratch, { recursive: true, force: true });
  }
  return { submission, run, seconds: Math.round((Date.now() - started) / 1000), reason: batchReason(run) };
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function gradebookCsv(lab: Lab, rows: BatchRow[]): string {
  const groups = lab.manifest.tests.map((group) => group.name);
  const header = ["student", "folder", "score", "max_score", ...groups, "failure_seeds", "seconds", "reason"];
  const lines = rows.map((row) => {
    const { score, maxScore } = totals(row.run.groups);
    const points = groups.map((name) => row.run.groups.find((group) => group.group.name === name)?.score ?? 0);
    const seeds = [...new Set(row.run.groups.flatMap(failureSeeds))].join(" ");
    return [
      row.submission.student,
      basename(row.submission.folder),
      score,
      maxScore,
      ...points,
      seeds,
      row.seconds,
      row.reason,
    ];
  });
  return `${[header, ...lines].map((line) => line.map(csvField).join(",")).join("\n")}\n`;
}

function duration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${String(Math.round(seconds % 60)).padStart(2, "0")}s` : `${Math.round(seconds)}s`;
}

/** One progress line: a bar, how many are done, the last one graded, and the time left at the pace so far. */
export function progressLine(done: number, total: number, elapsedMs: number, jobs: number, last?: BatchRow): string {
  const width = 20;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const perSubmission = done === 0 ? 0 : elapsedMs / done;
  const eta = done === 0 ? "?" : duration(((total - done) * perSubmission) / 1000);
  const lastText = last
    ? ` — ${last.submission.student}: ${totals(last.run.groups).score}/${totals(last.run.groups).maxScore}${last.reason ? ` (${last.reason.split(";")[0]})` : ""}`
    : "";
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}, ${jobs} at a time, ETA ${eta}${lastText}`;
}

function reportName(student: string, used: Set<string>): string {
  const base = student.replace(/[^\w.@-]+/g, "_").replace(/^\.+/, "") || "student";
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
  used.add(name);
  return name;
}

/** Grades every submission under options.submissions; writes gradebook.csv and reports/ under options.out. */
export async function gradeBatch(lab: Lab, options: BatchOptions): Promise<BatchRow[]> {
  runSandbox(options.sandbox);
  const progress = options.progress ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const submissions = findSubmissions(resolve(options.submissions), lab);
  const out = resolve(options.out);
  mkdirSync(join(out, "reports"), { recursive: true });
  const rows: BatchRow[] = new Array(submissions.length);
  const started = Date.now();
  let next = 0;
  let done = 0;
  progress(`grading ${submissions.length} submissions of ${lab.name}, ${options.jobs} at a time`);
  const names = new Set<string>();
  const worker = async () => {
    while (next < submissions.length) {
      const index = next++;
      const row = await gradeSubmission(lab, submissions[index]!, options);
      rows[index] = row;
      const file = `${reportName(row.submission.student, names)}.${EXTENSIONS[options.format]}`;
      writeFileSync(join(out, "reports", file), formatReport(options.format, lab, row.run, options.reportOptions));
      done++;
      progress(progressLine(done, submissions.length, Date.now() - started, options.jobs, row));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, Math.max(submissions.length, 1)) }, worker));
  writeFileSync(join(out, "gradebook.csv"), gradebookCsv(lab, rows));
  progress(
    `wrote ${join(options.out, "gradebook.csv")} and ${submissions.length} reports in ${join(options.out, "reports")}`,
  );
  return rows;
}
