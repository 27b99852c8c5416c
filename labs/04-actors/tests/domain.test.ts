// Step 4: the inventory's and payment's handlers, called directly. The network may deliver a request
// twice under a new id (after a restart), or late (after the order gave up on it): the answer, and the
// effect, must depend on the order, not on how many times or when it was asked.
import { describe, expect, it } from "vitest";
import type { InventoryData } from "../src/inventory.ts";
import type { Charge, Refund, Release, ReplyBody, Reserve, Sell } from "../src/messages.ts";
import type { PaymentData } from "../src/payment.ts";
import { callInPlace, host } from "./host.ts";
import { ACCOUNTS, PETS } from "./scenario.ts";

// The handlers run in the node host, on a copy of the data that comes back with their changes.
const initialInventory = (pets: typeof PETS) => host().call<InventoryData>("inventory.ts", "initialInventory", pets);
const initialPayment = (accounts: typeof ACCOUNTS) =>
  host().call<PaymentData>("payment.ts", "initialPayment", accounts);
const handleReserve = (data: InventoryData, request: Reserve) =>
  callInPlace<ReplyBody>("inventory.ts", "handleReserve", data, request);
const handleRelease = (data: InventoryData, request: Release) =>
  callInPlace<ReplyBody>("inventory.ts", "handleRelease", data, request);
const handleSell = (data: InventoryData, request: Sell) =>
  callInPlace<ReplyBody>("inventory.ts", "handleSell", data, request);
const handleCharge = (data: PaymentData, request: Charge) =>
  callInPlace<ReplyBody>("payment.ts", "handleCharge", data, request);
const handleRefund = (data: PaymentData, request: Refund) =>
  callInPlace<ReplyBody>("payment.ts", "handleRefund", data, request);

let rid = 0;
const next = () => `test#${++rid}`;
const reserve = (orderId: string, pets: string[]) => ({ type: "reserve" as const, rid: next(), orderId, pets });
const release = (orderId: string) => ({ type: "release" as const, rid: next(), orderId });
const sell = (orderId: string) => ({ type: "sell" as const, rid: next(), orderId });
const charge = (orderId: string, card: string, amount: number) => ({
  type: "charge" as const,
  rid: next(),
  orderId,
  card,
  amount,
});
const refund = (orderId: string) => ({ type: "refund" as const, rid: next(), orderId });

describe("the inventory, idempotent", () => {
  it("reserves every pet of an order, or none of them [R04.4.1, R04.P.7]", () => {
    const data = initialInventory(PETS);
    expect(handleReserve(data, reserve("o1", ["rex", "nemo"]))).toEqual({ ok: true, amount: 135 });
    expect(data.pets["rex"]).toMatchObject({ status: "reserved", order: "o1" });
    const refused = handleReserve(data, reserve("o2", ["tom", "nemo"]));
    expect(refused.ok, "nemo is held by o1, so o2 must be refused").toBe(false);
    expect(data.pets["tom"], "a refused order must not hold any pet").toMatchObject({
      status: "available",
      order: null,
    });
  });

  it("answers a repeated reserve the same way, without reserving again [R04.4.1, R04.P.9]", () => {
    const data = initialInventory(PETS);
    const first = handleReserve(data, reserve("o1", ["rex"]));
    expect(handleReserve(data, reserve("o1", ["rex"])), "the same order asked again").toEqual(first);
    expect(handleReserve(data, reserve("o2", ["rex"])).ok).toBe(false);
    handleRelease(data, release("o1"));
    expect(handleReserve(data, reserve("o2", ["rex"])).ok, "o2 was refused once: it stays refused").toBe(false);
    expect(data.pets["rex"]).toMatchObject({ status: "available", order: null });
  });

  it("refuses a pet that does not exist [R04.4.1]", () => {
    const data = initialInventory(PETS);
    const reply = handleReserve(data, reserve("o1", ["rex", "unicorn"]));
    expect(reply.ok).toBe(false);
    expect(data.pets["rex"]).toMatchObject({ status: "available" });
  });

  it("releases once, and refuses a reserve that arrives after its release [R04.4.2, R04.P.8]", () => {
    const data = initialInventory(PETS);
    handleReserve(data, reserve("o1", ["rex"]));
    expect(handleRelease(data, release("o1")).ok).toBe(true);
    expect(handleRelease(data, release("o1")).ok, "releasing twice is fine").toBe(true);
    expect(data.pets["rex"]).toMatchObject({ status: "available", order: null });
    expect(handleRelease(data, release("o9")).ok, "releasing an order never reserved is fine").toBe(true);
    expect(handleReserve(data, reserve("o9", ["tom"])).ok, "a reserve arriving after its release").toBe(false);
    expect(data.pets["tom"]).toMatchObject({ status: "available", order: null });
  });

  it("sells held pets once, and a sold order stays sold [R04.4.3]", () => {
    const data = initialInventory(PETS);
    handleReserve(data, reserve("o1", ["rex", "nemo"]));
    expect(handleSell(data, sell("o1")).ok).toBe(true);
    expect(handleSell(data, sell("o1")).ok, "selling twice is fine").toBe(true);
    expect(handleRelease(data, release("o1")).ok, "a sold order cannot be released").toBe(false);
    expect(data.pets["rex"]).toMatchObject({ status: "sold", order: "o1" });
    expect(handleSell(data, sell("o2")).ok, "an order that holds nothing cannot be sold").toBe(false);
  });
});

describe("payment, idempotent", () => {
  it("charges a card once per order [R04.4.4]", () => {
    const data = initialPayment(ACCOUNTS);
    expect(handleCharge(data, charge("o1", "card-alice", 120))).toMatchObject({ ok: true });
    expect(handleCharge(data, charge("o1", "card-alice", 120))).toMatchObject({ ok: true });
    expect(data.accounts["card-alice"], "the second charge of o1 must not debit again").toBe(380);
    expect(data.charges["o1"]).toMatchObject({ status: "charged", amount: 120 });
  });

  it("declines an unknown card or insufficient funds without moving money, and keeps declining [R04.4.4, R04.P.9]", () => {
    const data = initialPayment(ACCOUNTS);
    expect(handleCharge(data, charge("o1", "card-carol", 150)).ok).toBe(false);
    expect(handleCharge(data, charge("o2", "card-nobody", 10)).ok).toBe(false);
    expect(data.accounts).toEqual(ACCOUNTS);
    data.accounts["card-carol"] = 1000;
    expect(handleCharge(data, charge("o1", "card-carol", 150)).ok, "o1 was declined once: it stays declined").toBe(
      false,
    );
  });

  it("refunds once, and refuses a charge that arrives after its refund [R04.4.5, R04.P.8]", () => {
    const data = initialPayment(ACCOUNTS);
    handleCharge(data, charge("o1", "card-bob", 200));
    expect(handleRefund(data, refund("o1")).ok).toBe(true);
    expect(handleRefund(data, refund("o1")).ok).toBe(true);
    expect(data.accounts["card-bob"], "refunding twice must credit once").toBe(200);
    expect(handleRefund(data, refund("o2")).ok, "refunding an order never charged is fine").toBe(true);
    expect(handleCharge(data, charge("o2", "card-bob", 50)).ok, "a charge arriving after its refund").toBe(false);
    expect(data.accounts["card-bob"]).toBe(200);
  });
});
