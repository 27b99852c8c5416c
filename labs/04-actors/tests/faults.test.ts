// Steps 1–5 under a hostile network: messages lost, delivered twice, or overtaken by later ones. Every
// checkout must still end, completed or refused, with no double charge and no pet sold twice.
import { describe, it } from "vitest";
import { checkShop, eachSeed, flakyNetwork, openShop, settle } from "./scenario.ts";

describe("the checkout under drops, duplicates and reordering", () => {
  it("drops: every checkout ends once messages get through (100 seeds) [R04.0.3, R04.2.2]", async () => {
    await eachSeed("drops", 100, (sim) => {
      sim.configureNetwork({ dropRate: 0.3 });
      const shop = openShop(sim);
      settle(shop);
      checkShop(shop);
    });
  });

  it("duplicates: no double charge, no pet sold twice (100 seeds) [R04.0.3, R04.3.1]", async () => {
    await eachSeed("duplicates", 100, (sim) => {
      sim.configureNetwork({ duplicateRate: 0.5 });
      const shop = openShop(sim);
      settle(shop);
      checkShop(shop);
    });
  });

  it("reordering: a late copy of an old message changes nothing (100 seeds) [R04.0.3, R04.3.1]", async () => {
    await eachSeed("reordering", 100, (sim) => {
      sim.configureNetwork({ reorderRate: 0.4, reorderDelay: 400, duplicateRate: 0.1 });
      const shop = openShop(sim);
      settle(shop);
      checkShop(shop);
    });
  });

  it("all three at once (150 seeds) [R04.0.3]", async () => {
    await eachSeed("drops, duplicates and reordering", 150, (sim) => {
      flakyNetwork(sim, 0.2);
      const shop = openShop(sim);
      settle(shop);
      checkShop(shop);
    });
  });
});
