// Hidden: everything at once — a lossy, duplicating, reordering network, actors crashing and restarting,
// and partitions — over many seeds.
import { describe, it } from "vitest";
import {
  checkShop,
  eachSeed,
  flakyNetwork,
  openShop,
  randomCrashes,
  randomPartition,
  settle,
  type ShopperPlan,
} from "../../../labs/04-actors/tests/scenario.ts";

/** More shoppers than pets, each with two baskets: most orders compete for something. */
const CROWD: ShopperPlan[] = [
  { user: "alice", card: "card-alice", baskets: [["rex"], ["polly", "nemo"]] },
  { user: "bob", card: "card-bob", baskets: [["tom", "nemo"], ["rex"]] },
  { user: "carol", card: "card-carol", baskets: [["polly"], ["bella"]], startAt: 20 },
  { user: "dave", card: "card-dave", baskets: [["bella", "rex"], ["tom"]], startAt: 40 },
  { user: "erin", card: "card-erin", baskets: [["nemo"], ["polly"]], startAt: 60 },
];

describe("everything at once", () => {
  it("drops, duplicates, reordering, crashes and partitions (100 seeds) [R04.0.2, R04.0.3]", async () => {
    await eachSeed("chaos", 100, (sim, rng) => {
      flakyNetwork(sim, 0.15);
      const shop = openShop(sim);
      randomCrashes(shop, rng, 5, 3_000);
      randomPartition(shop, rng, rng.int(0, 1_500), rng.int(300, 3_000));
      settle(shop);
      checkShop(shop);
    });
  });

  it("a crowd of shoppers with two baskets each (60 seeds) [R04.0.2, R04.0.3]", async () => {
    await eachSeed("chaos with a crowd", 60, (sim, rng) => {
      flakyNetwork(sim, 0.1);
      const shop = openShop(sim, CROWD);
      randomCrashes(shop, rng, 8, 4_000);
      randomPartition(shop, rng, rng.int(0, 2_000), rng.int(300, 4_000));
      settle(shop);
      checkShop(shop);
    });
  });
});
