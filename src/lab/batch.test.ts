import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findSubmissions } from "./batch-layout.ts";
import { batchReason, gradebookCsv, progressLine, type BatchRow } from "./batch.ts";
import type { Lab } from "./catalogue.ts";
import type { RunResult } from "./runner.ts";

const scratch = mkdtempSync(join(tmpdir(), "distlab-batch-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const lab = {
  name: "01-kv",
  manifest: {
    tests: [
      { name: "contract", file: "tests/a.test.ts", points: 10, hidden: false },
      { name: "crash, hidden", file: "tests/b.test.ts", points: 5, hidden: true },
    ],
  },
} as Lab;

function file(path: string, text = "export {};\n"): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

describe("finding the submissions of a class export", () => {
  it("reads one folder per student, nested folders, Moodle names and a zip upload", () => {
    const root = join(scratch, "moodle");
    file(join(root, "Ada Lovelace_1001_assignsubmission_file_", "src", "main.ts"));
    file(join(root, "Alan Turing_1002_assignsubmission_file_", "project", "01-kv", "src", "main.ts"));
    const zipped = join(scratch, "zip-source");
    file(join(zipped, "lab1", "src", "main.ts"));
    mkdirSync(join(root, "Grace Hopper_1003_assignsubmission_file_"));
    execFileSync("zip", ["-qr", join(root, "Grace Hopper_1003_assignsubmission_file_", "lab.zip"), "lab1"], {
      cwd: zipped,
    });
    mkdirSync(join(root, "Empty Student_1004_assignsubmission_file_"));
    const found = findSubmissions(root, lab);
    expect(found.map((s) => s.student)).toEqual(["Ada Lovelace", "Alan Turing", "Empty Student", "Grace Hopper"]);
    expect(found[1]!.code).toMatch(/project$/);
    expect(found[2]).toMatchObject({ code: undefined, problem: expect.stringMatching(/no src\/ folder/) });
    expect(found[3]!.code).toMatch(/lab1$/);
    for (const submission of found) if (submission.scratch) rmSync(submission.scratch, { recursive: true });
  });

  it("names GitHub Classroom clones by user and Gradescope submissions by submitter", () => {
    const classroom = join(scratch, "classroom");
    for (const user of ["octocat", "hubot"]) file(join(classroom, `lab-01-kv-${user}`, "src", "main.ts"));
    expect(findSubmissions(classroom, lab).map((s) => s.student)).toEqual(["hubot", "octocat"]);
    const gradescope = join(scratch, "gradescope");
    file(join(gradescope, "submission_111", "src", "main.ts"));
    file(
      join(gradescope, "submission_metadata.yml"),
      "submission_111:\n  :submitters:\n  - :name: Barbara Liskov\n    :email: bl@example.edu\n",
    );
    expect(findSubmissions(gradescope, lab)[0]!.student).toBe("Barbara Liskov");
  });
});

function row(student: string, scores: [number, number], reason = "", message = ""): BatchRow {
  const run: RunResult = {
    elapsedMs: 1000,
    timedOut: false,
    interrupted: reason,
    isolation: "bubblewrap sandbox",
    groups: lab.manifest.tests.map((group, i) => ({
      group,
      score: scores[i]!,
      maxScore: group.points,
      status: scores[i] === group.points ? "passed" : "failed",
      tests: [{ name: "t", status: scores[i] === group.points ? "passed" : "failed", message }],
      fileError: "",
    })),
  };
  return {
    submission: { student, folder: `/x/${student}`, code: "/x", problem: "" },
    run,
    seconds: 12,
    reason: batchReason(run),
  };
}

describe("the gradebook", () => {
  it("has a row per student with points per group, the seeds of failures, the time and a reason", () => {
    const csv = gradebookCsv(lab, [
      row("Ada, Countess", [10, 5]),
      row("Alan", [5, 0], "", "SeedFailure … replay: npx distlab grade 01 --seed 17"),
      row("Grace", [0, 0], "the run was stopped at the lab's time limit of 600 s"),
    ]);
    expect(csv.split("\n")).toEqual([
      'student,folder,score,max_score,contract,"crash, hidden",failure_seeds,seconds,reason',
      '"Ada, Countess","Ada, Countess",15,15,10,5,,12,',
      "Alan,Alan,5,15,5,0,17,12,2 of 2 groups incomplete",
      "Grace,Grace,0,15,0,0,,12,the run was stopped at the lab's time limit of 600 s",
      "",
    ]);
  });

  it("shows progress with the time left at the pace so far", () => {
    expect(progressLine(0, 30, 0, 2)).toBe("[--------------------] 0/30, 2 at a time, ETA ?");
    expect(progressLine(10, 30, 600_000, 2, row("Alan", [5, 0]))).toBe(
      "[#######-------------] 10/30, 2 at a time, ETA 20m00s — Alan: 5/15 (2 of 2 groups incomplete)",
    );
  });
});
