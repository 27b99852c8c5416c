import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminOf, newCustomer } from "@distlab/kit/shop-testing";
import { call, expectStatus, show } from "@distlab/kit/test-http";
import { startShop, stopShops, type Shop } from "./shop.ts";

let shop: Shop;

beforeAll(async () => {
  shop = await startShop();
});
afterAll(stopShops);

describe("the shop end to end (README steps 1–5)", () => {
  it("registers, logs in, browses, fills the cart, checks out once and lists the order [R02.0.5, R02.0.6, R02.5.1, R02.5.2, R02.5.3]", async () => {
    const admin = adminOf(shop);
    const rex = await admin.createPet({ name: "Rex", species: "dog", price: 12_000 });
    const tom = await admin.createPet({ name: "Tom", species: "cat", price: 8_000 });
    expect(rex.status).toBe("available");
    const card = await admin.openAccount(50_000);
    const alice = await newCustomer(() => shop.url);

    const browse = await call(shop.url, "GET", "/pets?available=true&limit=100");
    const listed = expectStatus(browse, 200, "GET /pets").items.map((pet: { id: string }) => pet.id);
    expect(listed, "both new pets are listed as available").toEqual(expect.arrayContaining([rex.id, tom.id]));

    expectStatus(await alice.add(rex.id), 200, "add Rex to the cart");
    const cart = expectStatus(await alice.add(tom.id), 200, "add Tom to the cart");
    expect(cart.total).toBe(20_000);
    expect(cart.items.map((item: { pet: { status: string } }) => item.pet.status)).toEqual(["reserved", "reserved"]);

    const checkout = await alice.checkout(card);
    const order = expectStatus(checkout, 201, "POST /checkout");
    expect(order.total).toBe(20_000);
    expect(order.pets.map((pet: { id: string }) => pet.id).sort()).toEqual([rex.id, tom.id].sort());

    expect(await admin.balance(card), "the card is debited by the order's total, once").toBe(30_000);
    const charge = await admin.charge(order.chargeId);
    expect(charge.status).toBe("succeeded");
    expect(charge.amount).toBe(20_000);
    for (const pet of [rex, tom]) {
      const after = expectStatus(await call(shop.url, "GET", `/pets/${pet.id}`), 200, `GET /pets/${pet.id}`);
      expect(after.status, `${pet.name} is sold`).toBe("sold");
    }
    const emptied = expectStatus(await alice.cart(), 200, "GET /cart");
    expect(emptied.items).toEqual([]);
    expect(emptied.checkoutPending).toBe(false);
    const orders = expectStatus(await alice.orders(), 200, "GET /orders");
    expect(orders.items).toEqual([order]);
  });

  it("keeps each customer's cart and orders to themselves [R02.0.5]", async () => {
    const admin = adminOf(shop);
    const pet = await admin.createPet({ name: "Nemo", species: "fish", price: 500 });
    const card = await admin.openAccount(1_000);
    const bob = await newCustomer(() => shop.url);
    const carol = await newCustomer(() => shop.url);
    expectStatus(await bob.add(pet.id), 200, "bob adds Nemo");
    expect(expectStatus(await carol.cart(), 200, "carol's cart").items).toEqual([]);
    expectStatus(await bob.checkout(card), 201, "bob checks out");
    expect(expectStatus(await carol.orders(), 200, "carol's orders").items).toEqual([]);
    expect(expectStatus(await bob.orders(), 200, "bob's orders").items).toHaveLength(1);
  });

  it("logs out: the token stops working [R02.0.5]", async () => {
    const dave = await newCustomer(() => shop.url);
    expectStatus(await dave.cart(), 200, "GET /cart while logged in");
    const logout = await call(shop.url, "DELETE", "/sessions/current", { token: dave.token });
    expect(logout.status, show(logout)).toBe(204);
    const after = await dave.cart();
    expect(after.status, show(after)).toBe(401);
    expect(after.headers["content-type"]).toMatch(/^application\/problem\+json/);
  });
});
