import { describe, expect, it } from "vitest";
import type { Lab } from "./catalogue.ts";
import {
  describeSeeds,
  progressLine,
  seedBatches,
  seedSweepCommand,
  seedsNamedIn,
  sweepReport,
  sweepSeeds,
  type SweepResult,
} from "./seed-sweep.ts";

describe("seed sweeps", () => {
  it("runs seeds 1..N", () => {
    expect(sweepSeeds(4)).toEqual([1, 2, 3, 4]);
  });

  it("splits seeds into batches of at most 10, at least three per job when there are enough", () => {
    expect(seedBatches(sweepSeeds(100), 2).map((batch) => batch.length)).toEqual(Array(10).fill(10));
    expect(seedBatches(sweepSeeds(12), 2)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    expect(seedBatches([7], 4)).toEqual([[7]]);
  });

  it("takes the failing seeds a message names, or the whole batch for a failure that names none", () => {
    expect(seedsNamedIn("log matching…\n  seed: 3\n  failing seeds: 3, 7", [1, 3, 5, 7])).toEqual([3, 7]);
    expect(seedsNamedIn("SearchError: node code threw", [1, 2])).toEqual([1, 2]);
  });

  it("describes a run of seeds as a range and scattered seeds as a list, cut at a maximum", () => {
    expect(describeSeeds([1, 2, 3, 4])).toBe("1-4");
    expect(describeSeeds([17, 3, 58])).toBe("3, 17, 58");
    expect(describeSeeds([1, 5, 9, 12, 30], 3)).toBe("1, 5, 9, … (2 more)");
    expect(describeSeeds([])).toBe("none");
  });

  it("shows progress as a bar with the seeds done, the failing ones and the time left", () => {
    const line = progressLine(50, 200, 2, 60_000, 2);
    expect(line).toMatch(/^\[#{8}-{22}\] 50\/200 seeds, 2 at a time, 2 failing, ETA 3m00s$/);
    expect(progressLine(0, 10, 0, 0, 1)).toMatch(/none failing, ETA 0s$/);
  });

  it("reports each failing test with its seeds and the command that replays the first", () => {
    const result: SweepResult = {
      seeds: sweepSeeds(100),
      elapsedMs: 125_000,
      tests: new Set(["a > elects a leader", "b > commits"]),
      failures: new Map([["b > commits", { seeds: [17, 58], reason: "SeedFailure: log matching: s1 and s2 …" }]]),
    };
    const report = sweepReport(result, "npx distlab test 06");
    expect(report).toMatch(/^2 tests × 100 seeds \(1-100\) in 2m05s: 1 test\(s\) failed on some seed\./);
    expect(report).toMatch(/b > commits\s+2\/100\s+17, 58\s+npx distlab test 06 --seed 17\s+SeedFailure: log matching/);
  });

  it("says so when every test passed on every seed", () => {
    const result: SweepResult = { seeds: [1, 2], elapsedMs: 3_000, tests: new Set(["t"]), failures: new Map() };
    expect(sweepReport(result, "npx distlab test 06")).toBe(
      "1 tests × 2 seeds (1, 2) in 3s: every test passed on every seed.\n",
    );
  });

  it("refuses --hidden where the hidden tests are not (a student's edition), naming the missing files", async () => {
    const lab = {
      name: "99-example",
      labDir: "/nowhere/labs/99-example",
      solutionDir: "/nowhere/solutions/99-example",
      hasSolutions: false,
      manifest: {
        id: "99",
        tests: [
          { name: "Visible", file: "tests/visible.test.ts", points: 1 },
          { name: "Hidden", file: "tests/hidden.test.ts", points: 1, hidden: true },
        ],
      },
    } as unknown as Lab;
    const command = { lab, target: "/nowhere", labDirs: { labs: {} }, count: 2, jobs: 1, replayCommand: "r" } as const;
    await expect(seedSweepCommand({ ...command, groups: undefined, hidden: true } as never)).rejects.toThrow(
      /--hidden needs the instructor edition: .*solutions\/99-example\/tests\/hidden\.test\.ts is not here/,
    );
    await expect(seedSweepCommand({ ...command, groups: ["Hidden"], hidden: false } as never)).rejects.toThrow(
      /no visible test group named "Hidden"; the groups are: "Visible"/,
    );
  });
});
