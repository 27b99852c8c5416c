// Hidden: the corners of the saga — an empty cart, a duplicated checkout, a reserve or a charge that
// lands after the order gave up on it, an unknown card.
import { describe, expect, it } from "vitest";
import type { Message } from "../src/messages.ts";
import {
  accounts,
  addActor,
  checkShop,
  eachSeed,
  openShop,
  outcomes,
  petStatus,
  settle,
} from "../../../labs/04-actors/tests/scenario.ts";

describe("timeouts, refusals and edge cases", () => {
  it("an empty cart is refused without placing an order", async () => {
    await eachSeed("empty cart", 5, (sim) => {
      const shop = openShop(sim, [{ user: "alice", card: "card-alice", baskets: [[]] }]);
      settle(shop);
      expect(shop.shoppers[0]!.checkouts[0]).toMatchObject({ ok: false });
      expect(outcomes(shop)).toEqual({});
      checkShop(shop);
    });
  });

  it("a checkout sent three times places one order and gets one answer, three times", async () => {
    await eachSeed("checkout sent three times", 10, (sim) => {
      const shop = openShop(sim, []);
      addActor(sim, "cart-alice", ["alice"]);
      const client = sim.addClient<Message>("alice");
      client.send("cart-alice", { type: "addToCart", rid: "alice#1", petId: "rex" });
      sim.runFor(100);
      const checkout = { type: "checkout", rid: "alice#2", card: "card-alice" } as const;
      client.send("cart-alice", checkout);
      client.send("cart-alice", checkout);
      sim.runFor(2_000);
      client.send("cart-alice", checkout);
      sim.runFor(2_000);
      expect(outcomes(shop)).toEqual({ "cart-alice/1": "completed" });
      const answers = client.inbox.flatMap(({ msg }) =>
        msg.type === "reply" && msg.rid === "alice#2" ? [msg.body] : [],
      );
      expect(answers.length, "the copy sent after the order ended should get the remembered answer").toBe(2);
      expect(answers[1]).toEqual(answers[0]);
      expect(accounts(shop)["card-alice"]).toBe(380);
      checkShop(shop);
    });
  });

  it("a reserve that lands after its timeout is released, and the pet can be bought again", async () => {
    await eachSeed("late reserve", 10, (sim) => {
      sim.setLink("order", "inventory", { minDelay: 2_500, maxDelay: 2_600 });
      sim.at(3_000, () => sim.setLink("order", "inventory", { minDelay: 1, maxDelay: 10 }));
      const shop = openShop(sim, [{ user: "alice", card: "card-alice", baskets: [["rex"], ["rex"]] }]);
      settle(shop);
      expect(outcomes(shop)).toEqual({ "cart-alice/1": "refused", "cart-alice/2": "completed" });
      expect(accounts(shop)["card-alice"]).toBe(380);
      checkShop(shop);
    });
  });

  it("a charge that lands after its timeout is refunded", async () => {
    await eachSeed("late charge", 10, (sim) => {
      sim.setLink("order", "payment", { minDelay: 2_500, maxDelay: 2_600 });
      const shop = openShop(sim, [{ user: "alice", card: "card-alice", baskets: [["rex"]] }]);
      settle(shop, { grace: 10_000 });
      expect(outcomes(shop)).toEqual({ "cart-alice/1": "refused" });
      expect(shop.shoppers[0]!.checkouts[0]).toMatchObject({ ok: false });
      expect(accounts(shop)["card-alice"], "the late charge must be refunded").toBe(500);
      expect(petStatus(shop)["rex"]).toBe("available");
      checkShop(shop);
    });
  });

  it("an unknown card is declined and the pets released", async () => {
    await eachSeed("unknown card", 5, (sim) => {
      const shop = openShop(sim, [{ user: "erin", card: "card-erin", baskets: [["polly"]] }]);
      settle(shop);
      expect(shop.shoppers[0]!.checkouts[0]).toMatchObject({ ok: false });
      expect(petStatus(shop)["polly"]).toBe("available");
      checkShop(shop);
    });
  });
});
