import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { adminOf, newCustomer } from "@distlab/kit/shop-testing";
import { BURST_PATIENCE_MS, burst, call, expectStatus, show } from "@distlab/kit/test-http";
import { startShop, stopShops, type Shop } from "./shop.ts";

let shop: Shop;

beforeAll(async () => {
  shop = await startShop();
});
afterEach(() => shop.proxy.clearRules());
afterAll(stopShops);

let keys = 0;
const newKey = () => `dup-${process.pid}-${Date.now()}-${++keys}`;
const charge = (body: unknown) =>
  call(shop.payment.url, "POST", "/charges", { json: body, timeoutMs: BURST_PATIENCE_MS });

describe("a charge delivered twice debits once (README step 2)", () => {
  it("answers a repeated charge with the first result and debits once [R02.0.3, R02.2.2]", async () => {
    const admin = adminOf(shop);
    const card = await admin.openAccount(10_000);
    const body = { card, amount: 2_500, idempotencyKey: newKey() };
    const first = await charge(body);
    expect(first.status, show(first)).toBe(201);
    const second = await charge(body);
    expect(second.status, show(second)).toBe(201);
    expect(second.body, "the replay is the first answer").toEqual(first.body);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(await admin.balance(card)).toBe(7_500);
  });

  it("debits once when 12 copies of a charge arrive at the same time [R02.2.2, R02.2.3, R02.P.5, R02.P.6]", async () => {
    const admin = adminOf(shop);
    const card = await admin.openAccount(10_000);
    const body = { card, amount: 1_000, idempotencyKey: newKey() };
    // One pipelined burst (see `burst`): Payment starts all 12 handlers before any gets past its first
    // `await`, so no copy arrives after the first one is settled, however loaded the machine.
    const replies = await burst(
      shop.payment.url,
      Array.from({ length: 12 }, () => ({ method: "POST" as const, path: "/charges", json: body })),
    );
    for (const reply of replies) expect(reply.status, show(reply)).toBe(201);
    expect(new Set(replies.map((reply) => reply.body.id)).size, "every copy names the same charge").toBe(1);
    for (const reply of replies)
      expect(reply.body.status, "every copy answers the charge's final result, not `pending`").toBe("succeeded");
    expect(await admin.balance(card), "one debit").toBe(9_000);
  });

  it("replays a declined charge as declined, even after the account was credited [R02.0.4]", async () => {
    const admin = adminOf(shop);
    const card = await admin.openAccount(100);
    const body = { card, amount: 500, idempotencyKey: newKey() };
    const declined = await charge(body);
    expect(declined.status, show(declined)).toBe(422);
    expect(declined.body.detail).toMatch(/insufficient/);
    expectStatus(
      await call(shop.payment.url, "POST", `/accounts/${card}/credit`, {
        json: { amount: 1_000 },
        headers: { authorization: "Bearer test-admin-token-0123456789" },
      }),
      200,
      "credit",
    );
    const replay = await charge(body);
    expect(replay.status, `the same key gets the first result: ${show(replay)}`).toBe(422);
    expect(await admin.balance(card)).toBe(1_100);
    const fresh = await charge({ ...body, idempotencyKey: newKey() });
    expect(fresh.status, `a new key is a new charge: ${show(fresh)}`).toBe(201);
  });

  for (const mode of ["sequential", "concurrent"] as const) {
    it(`checks out once when the network delivers PetStore's charge twice (${mode}) [R02.2.2, R02.P.5]`, async () => {
      const admin = adminOf(shop);
      const pet = await admin.createPet({ name: `Twin ${mode}`, species: "cat", price: 3_000 });
      const card = await admin.openAccount(10_000);
      const customer = await newCustomer(() => shop.url);
      expectStatus(await customer.add(pet.id), 200, "add the pet");
      shop.proxy.addRule({ fault: "duplicate", mode, route: { method: "POST", path: "/charges" }, times: 1 });
      const checkout = await customer.checkout(card);
      expect(checkout.status, show(checkout)).toBe(201);
      expect(shop.proxy.stats().rules[0]?.fired, "the charge really was delivered twice").toBe(1);
      expect(await admin.balance(card), "one debit").toBe(7_000);
      expect(expectStatus(await customer.orders(), 200, "orders").items).toHaveLength(1);
    });
  }
});
