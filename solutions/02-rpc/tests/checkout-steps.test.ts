import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ProxiedCall } from "@distlab/kit/faults";
import { adminOf, newCustomer } from "@distlab/kit/shop-testing";
import { call, expectStatus, show } from "@distlab/kit/test-http";
import { startShop, stopShops, type Shop } from "../../../labs/02-rpc/tests/shop.ts";

/**
 * The checkout's durable steps, watched from outside: the fault proxies record every request PetStore
 * makes to Payment and to the KV, in the order they arrive (both proxies run in this process, on one
 * clock). And two corners of the resumable checkout: a retry with another card, and pets sold to someone
 * else while Payment was down.
 */

// Reservations last 1.5 s, so a test can let one lapse; PetStore gives up on Payment after 800 ms.
const RESERVATION_MS = 1_500;

let shop: Shop;

beforeAll(async () => {
  shop = await startShop({
    petstoreEnv: { RESERVATION_MS: String(RESERVATION_MS), PAYMENT_TIMEOUT_MS: "300", PAYMENT_DEADLINE_MS: "800" },
  });
});
afterEach(() => shop.proxy.clearRules());
afterAll(stopShops);

const charges = { method: "POST", path: "/charges" } as const;
const kvPath = (call: ProxiedCall) => decodeURIComponent(call.url.split("?")[0]!);

async function customerWithPet(price: number, balance = price * 3) {
  const admin = adminOf(shop);
  const pet = await admin.createPet({ name: `Steps ${price}`, species: "rabbit", price });
  const card = await admin.openAccount(balance);
  const customer = await newCustomer(() => shop.url);
  expectStatus(await customer.add(pet.id), 200, "add the pet");
  return { admin, pet, card, customer };
}

async function petStatus(petId: string): Promise<string> {
  return expectStatus(await call(shop.url, "GET", `/pets/${petId}`), 200, "GET /pets/:id").status;
}

describe("the checkout's durable steps and its corners (README step 5)", () => {
  it("writes in order: the attempt, the charge, the pets sold, the order, then the cart closed [R02.5.3, R02.P.11]", async () => {
    const { pet, card, customer } = await customerWithPet(4_100);
    shop.proxy.clearCalls();
    shop.kvProxy.clearCalls();
    expectStatus(await customer.checkout(card), 201, "checkout");

    const charge = shop.proxy.calls().find((call) => call.method === "POST" && call.url === "/charges");
    expect(charge, "PetStore charged through Payment").toBeDefined();
    const writes = shop.kvProxy.calls().filter((call) => call.method === "PUT");
    const at = (path: string) => writes.filter((call) => kvPath(call) === path);
    const cartWrites = at(`/kv/petstore:cart:${customer.username}`);
    const petWrites = at(`/kv/petstore:pet:${pet.id}`);
    const orderWrite = writes.find((call) => kvPath(call).startsWith(`/kv/petstore:order:${customer.username}:`));
    const attempt = cartWrites.filter((write) => write.receivedMs < charge!.receivedMs).at(-1);
    const sold = petWrites.find((write) => write.receivedMs > charge!.receivedMs);
    const closed = cartWrites.at(-1);
    expect(attempt, "the attempt is written in the cart before the charge").toBeDefined();
    expect(sold, "the pet is marked sold after the charge, not before").toBeDefined();
    expect(orderWrite, "the order is written").toBeDefined();
    expect(orderWrite!.receivedMs, "the order is written after the pets are sold").toBeGreaterThan(sold!.receivedMs);
    expect(closed!.receivedMs, "the cart is closed only once the order is written").toBeGreaterThan(
      orderWrite!.receivedMs,
    );
  });

  it("refuses a retry with another card while an attempt is open, naming the attempt's card [R02.5.1, R02.P.13]", async () => {
    const { admin, card, customer } = await customerWithPet(4_200);
    const other = await admin.openAccount(100_000);
    shop.proxy.addRule({ fault: "blackhole", route: charges });
    expect((await customer.checkout(card, 15_000)).status, "Payment is down: 503").toBe(503);
    shop.proxy.clearRules();
    const switched = await customer.checkout(other);
    expect(switched.status, `another card while the attempt is open: ${show(switched)}`).toBe(409);
    expect(switched.body.detail, "the 409 names the open attempt's card").toContain(card.slice(-4));
    expect(await admin.balance(other), "the other card is not charged").toBe(100_000);
    expect(await admin.balance(card), "nor is the first one, yet").toBe(4_200 * 3);
    expectStatus(await customer.checkout(card), 201, "the retry with the attempt's card");
    expect(await admin.balance(card)).toBe(4_200 * 2);
  });

  it("refunds and drops the pets that were sold to someone else while Payment was down [R02.5.3, R02.P.14]", async () => {
    const { admin, pet, card, customer } = await customerWithPet(4_300);
    shop.proxy.addRule({ fault: "blackhole", route: charges });
    expect((await customer.checkout(card, 15_000)).status, "Payment is down: 503").toBe(503);
    shop.proxy.clearRules();
    // The hold lapses (RESERVATION_MS); another customer takes the pet and buys it.
    const deadline = Date.now() + 15_000;
    while ((await petStatus(pet.id)) !== "available") {
      if (Date.now() > deadline)
        throw new Error(`the pet's reservation did not lapse within 15 s (${RESERVATION_MS} ms)`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const rival = await newCustomer(() => shop.url);
    const rivalCard = await admin.openAccount(10_000);
    expectStatus(await rival.add(pet.id), 200, "the rival adds the lapsed pet");
    expectStatus(await rival.checkout(rivalCard), 201, "the rival buys it");

    const late = await customer.checkout(card);
    expect(late.status, `the first customer's retry, after the pet was sold: ${show(late)}`).toBe(409);
    expect(await admin.balance(card), "the charge made for a pet that cannot be delivered is refunded").toBe(4_300 * 3);
    const cart = expectStatus(await customer.cart(), 200, "GET /cart");
    expect(cart.items, "the lost pet leaves the cart").toEqual([]);
    expect(cart.checkoutPending, "the attempt is closed").toBe(false);
    expect(expectStatus(await customer.orders(), 200, "GET /orders").items, "no order").toEqual([]);
    expect(await petStatus(pet.id), "the pet stays sold to the rival").toBe("sold");
  });
});
