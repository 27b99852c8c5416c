// Hidden: partitions that last longer than the retransmission backoff, and longer than the step timeout.
// Once the network heals, every order must end completed or cleanly refused.
import { describe, expect, it } from "vitest";
import {
  accounts,
  checkShop,
  eachSeed,
  flakyNetwork,
  openShop,
  outcomes,
  petStatus,
  randomPartition,
  settle,
} from "../../../labs/04-actors/tests/scenario.ts";

describe("partitions healed later", () => {
  it("the order cut off from inventory and payment (60 seeds) [R04.0.3, R04.5.7]", async () => {
    await eachSeed("order cut off from inventory and payment", 60, (sim, rng) => {
      const shop = openShop(sim);
      const carts = shop.actors.filter((id) => id.startsWith("cart-"));
      const at = rng.int(0, 200);
      sim.at(at, () =>
        sim.partition([
          ["order", ...carts],
          ["inventory", "payment"],
        ]),
      );
      sim.at(at + rng.int(500, 6_000), () => sim.heal());
      settle(shop);
      checkShop(shop);
    });
  });

  it("the carts cut off from the order (60 seeds) [R04.0.3, R04.3.1]", async () => {
    await eachSeed("carts cut off from the order", 60, (sim, rng) => {
      const shop = openShop(sim);
      const carts = shop.actors.filter((id) => id.startsWith("cart-"));
      const at = rng.int(0, 200);
      sim.at(at, () => sim.partition([carts, ["order", "inventory", "payment"]]));
      sim.at(at + rng.int(500, 6_000), () => sim.heal());
      settle(shop);
      checkShop(shop);
    });
  });

  it("random partitions one after another, on a lossy network (80 seeds) [R04.0.3]", async () => {
    await eachSeed("random partitions", 80, (sim, rng) => {
      flakyNetwork(sim, 0.1);
      const shop = openShop(sim);
      let at = rng.int(0, 100);
      for (let i = 0; i < 3; i++) {
        const duration = rng.int(200, 3_000);
        randomPartition(shop, rng, at, duration);
        at += duration + rng.int(0, 500);
      }
      settle(shop);
      checkShop(shop);
    });
  });

  it("a partition longer than the step timeout refuses the orders cleanly [R04.5.5, R04.5.7, R04.P.12]", async () => {
    await eachSeed("partition longer than the timeout", 10, (sim) => {
      const shop = openShop(sim, [
        { user: "alice", card: "card-alice", baskets: [["rex", "nemo"]] },
        { user: "dave", card: "card-dave", baskets: [["tom"]] },
      ]);
      sim.partition([
        ["order", "cart-alice", "cart-dave"],
        ["inventory", "payment"],
      ]);
      sim.at(5_000, () => sim.heal());
      settle(shop);
      expect(outcomes(shop)).toEqual({ "cart-alice/1": "refused", "cart-dave/1": "refused" });
      for (const shopper of shop.shoppers) expect(shopper.checkouts[0]).toMatchObject({ ok: false });
      expect(accounts(shop)).toMatchObject({ "card-alice": 500, "card-dave": 1000 });
      expect(petStatus(shop)).toMatchObject({ rex: "available", nemo: "available", tom: "available" });
      checkShop(shop);
    });
  });
});
