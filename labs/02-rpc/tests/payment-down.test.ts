import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { adminOf, newCustomer } from "@distlab/kit/shop-testing";
import { expectStatus, show } from "@distlab/kit/test-http";
import { startShop, stopShops, type Shop } from "./shop.ts";

let shop: Shop;

// PetStore gives each call to Payment 300 ms and the whole charge 1 s; the tests allow 10 s.
const PETSTORE_DEADLINE_MS = 1_000;
const PATIENCE_MS = 10_000;

beforeAll(async () => {
  shop = await startShop({
    petstoreEnv: { PAYMENT_TIMEOUT_MS: "300", PAYMENT_DEADLINE_MS: String(PETSTORE_DEADLINE_MS) },
  });
});
afterEach(() => shop.proxy.clearRules());
afterAll(stopShops);

async function cartWithOnePet(price: number) {
  const admin = adminOf(shop);
  const pet = await admin.createPet({ name: `Patient ${price}`, species: "bird", price });
  const card = await admin.openAccount(price * 2);
  const customer = await newCustomer(() => shop.url);
  expectStatus(await customer.add(pet.id), 200, "add the pet");
  return { admin, pet, card, customer };
}

/** The checkout, with a bound on the wait: a hung request fails here with a clear message. */
async function checkoutWithinPatience(customer: Awaited<ReturnType<typeof cartWithOnePet>>["customer"], card: string) {
  try {
    return await customer.checkout(card, PATIENCE_MS);
  } catch (error) {
    throw new Error(
      `PetStore did not answer the checkout within ${PATIENCE_MS} ms while Payment was silent ` +
        `(its own deadline is ${PETSTORE_DEADLINE_MS} ms): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

describe("Payment down: 503 with Retry-After within the deadline, cart intact (README steps 1 and 4)", () => {
  it("answers 503 with Retry-After when Payment is blackholed, and keeps the cart [R02.0.6, R02.1.2, R02.1.6]", async () => {
    const { admin, pet, card, customer } = await cartWithOnePet(2_000);
    shop.proxy.addRule({ fault: "blackhole", route: { method: "POST", path: "/charges" } });
    const reply = await checkoutWithinPatience(customer, card);
    expect(reply.status, show(reply)).toBe(503);
    expect(reply.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(reply.headers["retry-after"], "Retry-After in seconds").toMatch(/^\d+$/);
    const cart = expectStatus(await customer.cart(), 200, "GET /cart");
    expect(
      cart.items.map((item: { pet: { id: string } }) => item.pet.id),
      "the cart is intact",
    ).toEqual([pet.id]);
    expect(await admin.balance(card), "nothing was charged").toBe(4_000);

    shop.proxy.clearRules();
    const retried = await customer.checkout(card);
    expect(retried.status, `once Payment is back, the same checkout succeeds: ${show(retried)}`).toBe(201);
    expect(await admin.balance(card)).toBe(2_000);
  });

  it("answers 503 quickly when Payment's process is gone, then recovers when it is back [R02.1.4, R02.1.6]", async () => {
    const { admin, card, customer } = await cartWithOnePet(3_000);
    await shop.restart("payment", async () => {
      const reply = await checkoutWithinPatience(customer, card);
      expect(reply.status, show(reply)).toBe(503);
      expect(reply.headers["retry-after"]).toMatch(/^\d+$/);
      expect(expectStatus(await customer.cart(), 200, "GET /cart").items).toHaveLength(1);
    });
    const retried = await customer.checkout(card);
    expect(retried.status, show(retried)).toBe(201);
    expect(await admin.balance(card)).toBe(3_000);
  });

  it("keeps answering other requests while Payment hangs [R02.0.5]", async () => {
    const { card, customer } = await cartWithOnePet(1_000);
    shop.proxy.addRule({ fault: "blackhole", route: { method: "POST", path: "/charges" } });
    const [checkout, browse] = await Promise.all([checkoutWithinPatience(customer, card), customer.cart()]);
    expect(browse.status, `GET /cart during a hung charge: ${show(browse)}`).toBe(200);
    expect(checkout.status, show(checkout)).toBe(503);
  });
});
