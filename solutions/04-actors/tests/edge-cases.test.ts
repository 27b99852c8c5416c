// Hidden: the corners of the saga — an empty cart, a duplicated checkout, a reserve or a charge that
// lands after the order gave up on it, an unknown card.
import { describe, expect, it } from "vitest";
import type { Message } from "../src/messages.ts";
import type { OrderData } from "../src/order.ts";
import type { ActorState } from "../src/reliable.ts";
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
  it("an empty cart is refused without placing an order [R04.0.3]", async () => {
    await eachSeed("empty cart", 5, (sim) => {
      const shop = openShop(sim, [{ user: "alice", card: "card-alice", baskets: [[]] }]);
      settle(shop);
      expect(shop.shoppers[0]!.checkouts[0]).toMatchObject({ ok: false });
      expect(outcomes(shop)).toEqual({});
      checkShop(shop);
    });
  });

  it("a checkout sent three times places one order and gets one answer, three times [R04.3.2, R04.P.5, R04.P.6]", async () => {
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

  it("a reserve that lands after its timeout is released, and the pet can be bought again [R04.5.7, R04.P.8]", async () => {
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

  it("a charge that lands after its timeout is refunded [R04.5.7, R04.P.13]", async () => {
    await eachSeed("late charge", 10, (sim) => {
      sim.setLink("order", "payment", { minDelay: 2_500, maxDelay: 2_600 });
      const shop = openShop(sim, [{ user: "alice", card: "card-alice", baskets: [["rex"]] }]);
      settle(shop, { grace: 10_000 });
      expect(outcomes(shop)).toEqual({ "cart-alice/1": "refused" });
      expect(shop.shoppers[0]!.checkouts[0]).toMatchObject({ ok: false });
      expect(accounts(shop)["card-alice"], "the late charge must be refunded").toBe(500);
      expect(petStatus(shop)["rex"]).toBe("available");
      const sells = sim
        .traceEvents()
        .filter((e) => e.kind === "send" && e.from === "order" && (e.msg as { type?: string }).type === "sell");
      expect(sells.length, "an order that gave up on its charge must not start selling").toBe(0);
      checkShop(shop);
    });
  });

  it("an order charged before a long partition from the inventory still completes once it heals [R04.5.3, R04.P.11]", async () => {
    await eachSeed("sell across a partition", 10, (sim) => {
      const shop = openShop(sim, [{ user: "alice", card: "card-alice", baskets: [["rex"]] }]);
      const selling = () =>
        sim.isUp("order") &&
        Object.values(sim.state<ActorState<OrderData>>("order").data.sagas).some((saga) => saga.step === "selling");
      expect(sim.runUntil(selling, { within: 5_000 }), "the order never got to selling").toBe(true);
      sim.partition([["order", "cart-alice", "payment"], ["inventory"]]);
      sim.runFor(6_000); // three step timeouts (STEP_TIMEOUT_MS is 2 s)
      sim.heal();
      settle(shop);
      expect(outcomes(shop)).toEqual({ "cart-alice/1": "completed" });
      expect(accounts(shop)["card-alice"]).toBe(380);
      checkShop(shop);
    });
  });

  it("an unknown card is declined and the pets released [R04.4.4, R04.P.10]", async () => {
    await eachSeed("unknown card", 5, (sim) => {
      const shop = openShop(sim, [{ user: "erin", card: "card-erin", baskets: [["polly"]] }]);
      settle(shop);
      expect(shop.shoppers[0]!.checkouts[0]).toMatchObject({ ok: false });
      expect(petStatus(shop)["polly"]).toBe("available");
      checkShop(shop);
    });
  });
});
