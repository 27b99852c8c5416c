// Step 5: the checkout saga on a perfect network — reserve, charge, sell, or refuse and compensate.
import { describe, expect, it } from "vitest";
import { accounts, checkShop, eachSeed, openShop, outcomes, petStatus, RUSH, settle } from "./scenario.ts";

describe("the checkout saga on a perfect network", () => {
  it("completes a checkout: the pets are sold and the card charged once [R04.5.1, R04.5.2, R04.5.3, R04.5.4, R04.0.3]", async () => {
    await eachSeed("completes a checkout", 10, (sim) => {
      const shop = openShop(sim, [{ user: "alice", card: "card-alice", baskets: [["rex", "nemo"]] }]);
      settle(shop);
      expect(shop.shoppers[0]!.checkouts).toEqual([{ ok: true, orderId: "cart-alice/1", amount: 135 }]);
      expect(outcomes(shop)).toEqual({ "cart-alice/1": "completed" });
      expect(accounts(shop)["card-alice"]).toBe(500 - 135);
      expect(petStatus(shop)).toMatchObject({ rex: "sold", nemo: "sold", tom: "available" });
      checkShop(shop);
    });
  });

  it("two shoppers race for one pet: one gets it, the other is refused and pays nothing [R04.5.2, R04.0.3]", async () => {
    await eachSeed("two shoppers race for one pet", 10, (sim) => {
      const shop = openShop(sim, [
        { user: "alice", card: "card-alice", baskets: [["rex"]] },
        { user: "dave", card: "card-dave", baskets: [["rex"]] },
      ]);
      settle(shop);
      expect(Object.values(outcomes(shop)).sort()).toEqual(["completed", "refused"]);
      const paid = 500 + 1000 - (accounts(shop)["card-alice"]! + accounts(shop)["card-dave"]!);
      expect(paid, "exactly one of them should have paid for rex").toBe(120);
      checkShop(shop);
    });
  });

  it("a card that cannot pay is declined and the pets are released [R04.5.3, R04.5.5, R04.5.6, R04.P.10]", async () => {
    await eachSeed("a declined card releases the pets", 10, (sim) => {
      const shop = openShop(sim, [{ user: "carol", card: "card-carol", baskets: [["bella"]] }]);
      settle(shop);
      expect(shop.shoppers[0]!.checkouts[0]).toMatchObject({ ok: false, orderId: "cart-carol/1" });
      expect(petStatus(shop)["bella"]).toBe("available");
      expect(accounts(shop)["card-carol"]).toBe(100);
      checkShop(shop);
    });
  });

  it("a pet that does not exist refuses the order without charging [R04.5.2]", async () => {
    await eachSeed("an unknown pet is refused", 10, (sim) => {
      const shop = openShop(sim, [{ user: "dave", card: "card-dave", baskets: [["unicorn", "tom"]] }]);
      settle(shop);
      expect(shop.shoppers[0]!.checkouts[0]).toMatchObject({ ok: false });
      expect(accounts(shop)["card-dave"]).toBe(1000);
      expect(petStatus(shop)["tom"]).toBe("available");
      checkShop(shop);
    });
  });

  it("four shoppers at once end consistent [R04.0.3]", async () => {
    await eachSeed("four shoppers at once", 20, (sim) => {
      const shop = openShop(sim, RUSH);
      settle(shop);
      checkShop(shop);
    });
  });
});
