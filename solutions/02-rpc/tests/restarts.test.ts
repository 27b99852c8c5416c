import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { adminOf, newCustomer } from "@distlab/kit/shop-testing";
import { call, expectStatus, show } from "@distlab/kit/test-http";
import { startShop, stopShops, type Shop } from "../../../labs/02-rpc/tests/shop.ts";

let shop: Shop;

beforeAll(async () => {
  shop = await startShop({ petstoreEnv: { PAYMENT_TIMEOUT_MS: "500", PAYMENT_DEADLINE_MS: "1500" } });
});
afterEach(() => shop.proxy.clearRules());
afterAll(stopShops);

async function customerWithPet(price: number) {
  const admin = adminOf(shop);
  const pet = await admin.createPet({ name: `Phoenix ${price}`, species: "bird", price });
  const card = await admin.openAccount(price * 4);
  const customer = await newCustomer(() => shop.url);
  expectStatus(await customer.add(pet.id), 200, "add the pet");
  return { admin, pet, card, customer };
}

describe("restart any service mid-scenario: nothing is lost (PetStore and Payment keep no state in memory)", () => {
  it("keeps sessions and carts across a kill -9 of PetStore [R02.0.7]", async () => {
    const { admin, pet, card, customer } = await customerWithPet(1_000);
    await shop.restart("petstore");
    const cart = expectStatus(await customer.cart(), 200, "GET /cart with the old token, after the restart");
    expect(cart.items.map((item: { pet: { id: string } }) => item.pet.id)).toEqual([pet.id]);
    expectStatus(await customer.checkout(card), 201, "checkout after the restart");
    expect(await admin.balance(card)).toBe(3_000);
  });

  it("keeps balances and charges across a kill -9 of Payment, and still answers a replay once [R02.0.7]", async () => {
    const admin = adminOf(shop);
    const card = await admin.openAccount(5_000);
    const body = { card, amount: 1_250, idempotencyKey: `restart-${Date.now()}` };
    const first = await call(shop.payment.url, "POST", "/charges", { json: body });
    expect(first.status, show(first)).toBe(201);
    await shop.restart("payment");
    expect(await admin.balance(card)).toBe(3_750);
    const replay = await call(shop.payment.url, "POST", "/charges", { json: body });
    expect(replay.status, show(replay)).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(await admin.balance(card), "no second debit after the restart").toBe(3_750);
  });

  it("keeps everything across a kill -9 of the KV, and the services carry on without a restart [R02.0.7, R02.1.1]", async () => {
    const { admin, pet, card, customer } = await customerWithPet(2_000);
    await shop.restart("kv");
    expect(expectStatus(await customer.cart(), 200, "GET /cart after the KV restart").items).toHaveLength(1);
    const order = expectStatus(await customer.checkout(card), 201, "checkout after the KV restart");
    expect(order.pets[0].id).toBe(pet.id);
    await shop.restart("kv");
    expect(await admin.balance(card)).toBe(6_000);
    expect(expectStatus(await customer.orders(), 200, "orders after a second KV restart").items).toEqual([order]);
  });

  it("finishes a checkout cut by a Payment crash exactly once [R02.5.3, R02.P.10]", async () => {
    const { admin, card, customer } = await customerWithPet(1_500);
    // Payment debits, the reply is lost, PetStore gives up with a 503, then Payment crashes.
    shop.proxy.addRule({ fault: "drop-response", route: { method: "POST", path: "/charges" } });
    const cut = await customer.checkout(card);
    expect(cut.status, show(cut)).toBe(503);
    await shop.restart("payment");
    shop.proxy.clearRules();
    const retried = await customer.checkout(card);
    expect(retried.status, show(retried)).toBe(201);
    expect(await admin.balance(card), "one debit in all").toBe(4_500);
    expect(expectStatus(await customer.orders(), 200, "orders").items).toHaveLength(1);
  });

  it("finishes a checkout after PetStore crashed in the middle of it [R02.5.3, R02.P.10]", async () => {
    const { admin, card, customer } = await customerWithPet(1_700);
    // The charge hangs; PetStore is killed while it waits, with the attempt open in the cart.
    shop.proxy.addRule({ fault: "blackhole", route: { method: "POST", path: "/charges" } });
    const pending = customer.checkout(card).catch((error: Error) => error);
    await waitUntil(() => (shop.proxy.stats().rules[0]?.fired ?? 0) > 0, "the charge to reach the proxy");
    await shop.restart("petstore");
    await pending;
    shop.proxy.clearRules();
    const cart = expectStatus(await customer.cart(), 200, "GET /cart after the crash");
    expect(cart.items).toHaveLength(1);
    const retried = await customer.checkout(card);
    expect(retried.status, show(retried)).toBe(201);
    expect(await admin.balance(card)).toBe(1_700 * 3);
  });
});

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
