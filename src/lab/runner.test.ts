// The grading core end to end on a fixture lab: a real vitest run per case, so these are the slow tests
// of the kit (a few seconds each).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Lab } from "./catalogue.ts";
import type { LabDirs } from "./prereqs.ts";
import { textReport } from "./report.ts";
import { runLabTests, type RunOptions } from "./runner.ts";

const fixtures = fileURLToPath(new URL("./fixtures/grading/", import.meta.url));
const cache = mkdtempSync(join(tmpdir(), "distlab-fixture-cache-"));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

const lab: Lab = {
  name: "99-fixture",
  labDir: join(fixtures, "labs", "99-fixture"),
  solutionDir: join(fixtures, "solutions", "99-fixture"),
  hasSolutions: true,
  manifest: {
    id: "99",
    slug: "fixture",
    title: "The grading core's fixture",
    week: 1,
    prerequisites: [],
    timeLimitSeconds: 120,
    services: {},
    tests: [
      { name: "value", file: "tests/value.test.ts", points: 10, hidden: false },
      { name: "hang", file: "tests/hang.test.ts", points: 5, hidden: false },
      { name: "kill", file: "tests/kill.test.ts", points: 5, hidden: false },
      { name: "secret", file: "tests/secret.test.ts", points: 4, hidden: true },
      { name: "scratch", file: "tests/scratch.test.ts", points: 1, hidden: false },
    ],
  },
};

/** The fixture's tests import `@distlab/lab/99-fixture/…`, resolved (and cache-keyed) by this map. */
function labDirs(target: string): LabDirs {
  return {
    underTest: lab.name,
    labs: {
      [lab.name]: { dir: target, prerequisites: [], source: "target" },
      "98-fixture-tests": { dir: lab.labDir, prerequisites: [lab.name], source: "own" },
    },
  };
}

function run(target: string, options: Partial<RunOptions>) {
  process.env.DISTLAB_FIXTURE_CACHE = cache;
  const dir = join(fixtures, "targets", target);
  return runLabTests(lab, {
    target: dir,
    hidden: false,
    progress: "quiet",
    labDirs: labDirs(dir),
    vitestConfig: join(fixtures, "vitest.fixture.config.ts"),
    ...options,
  });
}

describe("the grading core on a fixture lab", () => {
  it(
    "scores two targets on their own code through one module cache [cache keyed by target]",
    { timeout: 90_000 },
    async () => {
      const right = await run("right", { groups: ["value"] });
      const wrong = await run("wrong", { groups: ["value"] });
      const again = await run("right", { groups: ["value"] });
      expect(right.groups[0]).toMatchObject({ score: 10, status: "passed" });
      expect(wrong.groups[0], "the second target must not get the first one's cached import").toMatchObject({
        score: 5,
        status: "failed",
      });
      expect(again.groups[0]).toMatchObject({ score: 10 });
    },
  );

  it(
    "keeps the points of the groups that finished when the time limit stops the run",
    { timeout: 90_000 },
    async () => {
      const result = await run("right", { groups: ["value", "hang"], timeLimitSeconds: 30 });
      const [value, hang] = result.groups;
      expect(result.timedOut).toBe(true);
      expect(value, "a group that finished before the limit keeps its points").toMatchObject({ score: 10 });
      expect(hang).toMatchObject({ score: 0, status: "failed" });
      expect(hang!.fileError).toMatch(/this group did not finish: the run was stopped at the lab's time limit of 30 s/);
    },
  );

  it("reports a test runner killed in the middle of the run, with the reason, instead of failing", async () => {
    const result = await run("right", { groups: ["kill"] });
    expect(result.interrupted).toMatch(/the test runner stopped before the end of the run \(killed by SIGKILL\)/);
    expect(result.groups[0]).toMatchObject({ score: 0, status: "failed" });
    expect(textReport(lab, result)).toMatch(/stopped early: the test runner stopped/);
  });

  it("gives the run a temporary directory of its own and removes it with everything left in it", async () => {
    const result = await run("right", { groups: ["scratch"] });
    expect(result.groups[0]).toMatchObject({ score: 1, status: "passed" });
    const scratch = readFileSync(join(cache, "scratch-path"), "utf8");
    expect(scratch.startsWith(join(tmpdir(), "distlab-run-")), scratch).toBe(true);
    expect(existsSync(scratch), `${scratch} outlived the run`).toBe(false);
  });

  it("withholds a hidden group's test names and messages from the report", async () => {
    const result = await run("right", { groups: ["secret"], hidden: true });
    expect(result.groups[0]).toMatchObject({ score: 0, status: "failed" });
    const report = textReport(lab, result);
    expect(report).toContain("0 of 1 tests passed");
    expect(report).not.toContain("hidden expectation");
  });
});
