// Why the simulator is worth it: a run is a function of its seed, so a failing seed replays exactly.
// Actor code must take time and randomness from its env only.
import { checkDeterminism, Prng, type Simulator } from "@distlab/kit/sim";
import { describe, expect, it } from "vitest";
import { flakyNetwork, openShop, randomCrashes, settle } from "./scenario.ts";

function busyDay(sim: Simulator): void {
  flakyNetwork(sim, 0.15);
  const shop = openShop(sim);
  randomCrashes(shop, Prng.derive(sim.seed, "crashes"), 4, 2_000);
  settle(shop);
}

describe("runs replay from their seed", () => {
  it("gives the same trace twice for the same seed, with no Math.random or Date.now in actor code [R04.0.1]", async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const report = await checkDeterminism(busyDay, seed, { name: "busy day" });
      expect(report.deterministic, report.message).toBe(true);
    }
  });

  it("gives different runs for different seeds [R04.0.1]", async () => {
    const [a, b] = await Promise.all([checkDeterminism(busyDay, 11), checkDeterminism(busyDay, 12)]);
    expect(a.hashes[0]).not.toBe(b.hashes[0]);
  });
});
