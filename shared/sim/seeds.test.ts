import { afterEach, describe, expect, it } from "vitest";
import { forEachSeed, SeedFailure, selectSeeds } from "./seeds.ts";

describe("seeds", () => {
  afterEach(() => {
    delete process.env["DISTLAB_SEEDS"];
  });

  it("runs a batch of seeds named by DISTLAB_SEEDS, before a single DISTLAB_SEED", () => {
    expect(selectSeeds(3, {})).toEqual([1, 2, 3]);
    expect(selectSeeds(3, { DISTLAB_SEED: "9" })).toEqual([9]);
    expect(selectSeeds(3, { DISTLAB_SEEDS: "4, 5,6", DISTLAB_SEED: "9" })).toEqual([4, 5, 6]);
    expect(() => selectSeeds(3, { DISTLAB_SEEDS: "4,x" })).toThrow(/DISTLAB_SEEDS must be integers/);
  });

  it("in a sweep, runs every seed and names each one that failed", async () => {
    process.env["DISTLAB_SEEDS"] = "1,2,3,4";
    const ran: number[] = [];
    const failing = forEachSeed({
      seeds: 1,
      name: "odd seeds fail",
      scenario: (_sim, seed) => {
        ran.push(seed);
        if (seed % 2 === 1) throw new Error(`seed ${seed} is odd`);
      },
    });
    const error = await failing.catch((caught: unknown) => caught);
    expect(ran).toEqual([1, 2, 3, 4]);
    expect(error).toBeInstanceOf(SeedFailure);
    expect((error as SeedFailure).seed).toBe(1);
    expect((error as Error).message).toMatch(/^seed 1 is odd\n[\s\S]*\n {2}failing seeds: 1, 3$/);
  });

  it("outside a sweep, stops at the first failing seed", async () => {
    const ran: number[] = [];
    await expect(
      forEachSeed({
        seeds: 4,
        scenario: (_sim, seed) => {
          ran.push(seed);
          if (seed === 2) throw new Error("two");
        },
      }),
    ).rejects.toThrow(/two/);
    expect(ran).toEqual([1, 2]);
  });
});
