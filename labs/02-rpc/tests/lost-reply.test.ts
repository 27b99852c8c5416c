import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { adminOf, newCustomer } from "@distlab/kit/shop-testing";
import { expectStatus, show } from "@distlab/kit/test-http";
import { startShop, stopShops, type Shop } from "./shop.ts";

let shop: Shop;

beforeAll(async () => {
  shop = await startShop({ petstoreEnv: { PAYMENT_TIMEOUT_MS: "1000", PAYMENT_DEADLINE_MS: "8000" } });
});
afterEach(() => shop.proxy.clearRules());
afterAll(stopShops);

/** A customer with one pet in the cart and a card that can pay for it three times over. */
async function readyToPay(price: number) {
  const admin = adminOf(shop);
  const pet = await admin.createPet({ name: `Pet ${price}`, species: "dog", price });
  const card = await admin.openAccount(price * 3);
  const customer = await newCustomer(() => shop.url);
  expectStatus(await customer.add(pet.id), 200, "add the pet to the cart");
  return { admin, pet, card, customer };
}

/** Checks the books after a checkout: one debit of `price`, one order, the pet sold. */
async function expectExactlyOnce(setup: Awaited<ReturnType<typeof readyToPay>>, price: number) {
  expect(await setup.admin.balance(setup.card), "the card is debited exactly once").toBe(price * 2);
  const orders = expectStatus(await setup.customer.orders(), 200, "GET /orders").items;
  expect(orders, "exactly one order").toHaveLength(1);
  expect((await setup.admin.charge(orders[0].chargeId)).status).toBe("succeeded");
}

const charges = { method: "POST", path: "/charges" } as const;

describe("a lost Payment reply is retried safely (README steps 1, 2 and 4)", () => {
  it("retries when the charge succeeded but its reply was lost: one debit, one order [R02.1.1, R02.1.4, R02.4.1]", async () => {
    const setup = await readyToPay(1_100);
    shop.proxy.addRule({ fault: "drop-response", route: charges, times: 1 });
    const checkout = await setup.customer.checkout(setup.card);
    expect(checkout.status, `the checkout still succeeds: ${show(checkout)}`).toBe(201);
    const fired = shop.proxy.stats().rules[0]?.fired ?? 0;
    expect(fired, "the reply really was dropped once").toBe(1);
    expect(shop.proxy.stats().forwarded, "PetStore sent the charge again").toBeGreaterThanOrEqual(2);
    await expectExactlyOnce(setup, 1_100);
  });

  it("retries when the charge request itself was lost [R02.1.4]", async () => {
    const setup = await readyToPay(1_200);
    shop.proxy.addRule({ fault: "drop-request", route: charges, times: 1 });
    const checkout = await setup.customer.checkout(setup.card);
    expect(checkout.status, show(checkout)).toBe(201);
    await expectExactlyOnce(setup, 1_200);
  });

  it("retries after a connection reset [R02.1.4]", async () => {
    const setup = await readyToPay(1_300);
    shop.proxy.addRule({ fault: "reset", route: charges, times: 2 });
    const checkout = await setup.customer.checkout(setup.card);
    expect(checkout.status, show(checkout)).toBe(201);
    await expectExactlyOnce(setup, 1_300);
  });

  it("survives three lost replies in a row [R02.1.1]", async () => {
    const setup = await readyToPay(1_400);
    shop.proxy.addRule({ fault: "drop-response", route: charges, times: 3 });
    const checkout = await setup.customer.checkout(setup.card);
    expect(checkout.status, show(checkout)).toBe(201);
    await expectExactlyOnce(setup, 1_400);
  });

  it("when every reply is lost, answers 503; the retried checkout then charges no second time [R02.0.6, R02.1.6, R02.P.10]", async () => {
    const setup = await readyToPay(1_500);
    shop.proxy.addRule({ fault: "drop-response", route: charges });
    const lost = await setup.customer.checkout(setup.card);
    expect(lost.status, `no reply ever came back from Payment: ${show(lost)}`).toBe(503);
    expect(lost.headers["retry-after"], "a 503 says when to come back").toMatch(/^\d+$/);
    expect(await setup.admin.balance(setup.card), "Payment did debit, PetStore just never heard").toBe(1_500 * 2);
    shop.proxy.clearRules();
    const retried = await setup.customer.checkout(setup.card);
    expect(retried.status, `the retried checkout goes through: ${show(retried)}`).toBe(201);
    await expectExactlyOnce(setup, 1_500);
  });
});
