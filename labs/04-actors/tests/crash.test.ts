// Step 6: supervision. A crashed actor loses its memory, its timers and the messages in flight to it; it
// restarts from what it stored and resumes the work it had under way.
import { describe, expect, it } from "vitest";
import type { OrderData } from "../src/order.ts";
import type { ActorState } from "../src/reliable.ts";
import {
  accounts,
  checkShop,
  crashFor,
  eachSeed,
  flakyNetwork,
  openShop,
  outcomes,
  randomCrashes,
  settle,
} from "./scenario.ts";

describe("crash and restart of every actor", () => {
  for (const actor of ["order", "inventory", "payment", "cart-alice"]) {
    it(`restarts the ${actor} actor from storage in the middle of the checkouts (50 seeds) [R04.6.1, R04.0.2]`, async () => {
      await eachSeed(`crash of ${actor}`, 50, (sim, rng) => {
        flakyNetwork(sim, 0.05);
        const shop = openShop(sim);
        crashFor(shop, actor, rng.int(5, 150), rng.int(10, 800));
        settle(shop);
        checkShop(shop);
      });
    });
  }

  it("a restarted order resumes a saga it left waiting for payment [R04.6.1, R04.P.15]", async () => {
    await eachSeed("order resumes its saga", 10, (sim) => {
      const shop = openShop(sim, [{ user: "alice", card: "card-alice", baskets: [["rex"]] }]);
      const charging = () =>
        sim.isUp("order") &&
        Object.values(sim.state<ActorState<OrderData>>("order").data.sagas).some((saga) => saga.step === "charging");
      expect(sim.runUntil(charging, { within: 5_000 }), "the order never got to charging").toBe(true);
      sim.crash("order");
      sim.runFor(500);
      sim.restart("order");
      settle(shop);
      expect(outcomes(shop)).toEqual({ "cart-alice/1": "completed" });
      expect(accounts(shop)["card-alice"], "alice must be charged exactly once").toBe(380);
      checkShop(shop);
    });
  });

  it("survives repeated crashes of every actor (60 seeds) [R04.0.2, R04.0.3, R04.6.1]", async () => {
    await eachSeed("repeated crashes", 60, (sim, rng) => {
      flakyNetwork(sim, 0.05);
      const shop = openShop(sim);
      randomCrashes(shop, rng, 8, 2_500);
      settle(shop);
      checkShop(shop);
    });
  });
});
