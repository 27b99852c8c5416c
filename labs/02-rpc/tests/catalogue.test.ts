import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, adminOf, newCustomer } from "@distlab/kit/shop-testing";
import { call, expectStatus, show } from "@distlab/kit/test-http";
import { startShop, stopShops, type Shop } from "./shop.ts";

let shop: Shop;
/** A second PetStore on the same KV, with reservations and sessions that lapse after 2 s. */
let quick: string;

beforeAll(async () => {
  shop = await startShop();
  quick = (await shop.extraPetStore({ RESERVATION_MS: "2000", SESSION_TTL_MS: "2000" })).url;
});
afterAll(stopShops);

/** Every pet of a listing, following cursors; fails on a repeated pet. */
async function listAll(
  query: string,
  limit: number,
): Promise<{ id: string; species: string; price: number; status: string }[]> {
  const pets = [];
  let cursor: string | null = null;
  for (let page = 0; page < 200; page++) {
    const path: string = `/pets?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`;
    const body = expectStatus(await call(shop.url, "GET", path), 200, `GET ${path}`);
    expect(body.items.length, `a page holds at most ${limit} pets`).toBeLessThanOrEqual(limit);
    pets.push(...body.items);
    cursor = body.next;
    if (cursor === null) {
      expect(new Set(pets.map((pet) => pet.id)).size, "no pet appears on two pages").toBe(pets.length);
      return pets;
    }
  }
  throw new Error("the listing never ended");
}

describe("catalogue, sessions and carts (README: the given code, on top of step 1)", () => {
  it("lists pets with filters, page by page with cursors [R02.0.5, R02.1.1]", async () => {
    const admin = adminOf(shop);
    const made = [];
    for (let i = 0; i < 9; i++) {
      made.push(await admin.createPet({ name: `Lizard ${i}`, species: "reptile", price: 1_000 + i * 100 }));
    }
    const reptiles = await listAll("species=reptile", 2);
    expect(reptiles.map((pet) => pet.id)).toEqual(made.map((pet) => pet.id));
    const midPriced = await listAll("species=reptile&minPrice=1300&maxPrice=1600", 3);
    expect(midPriced.map((pet) => pet.price)).toEqual([1300, 1400, 1500, 1600]);

    const buyer = await newCustomer(() => shop.url);
    expectStatus(await buyer.add(made[0]!.id), 200, "reserve the first lizard");
    const available = await listAll("species=reptile&available=true", 4);
    expect(available.map((pet) => pet.id)).toEqual(made.slice(1).map((pet) => pet.id));
  });

  it("lets only admins create and edit pets [R02.0.2]", async () => {
    const pet = await adminOf(shop).createPet({ name: "Polly", species: "bird", price: 3_000 });
    const anonymous = await call(shop.url, "POST", "/pets", { json: { name: "X", species: "cat", price: 1 } });
    expect(anonymous.status, show(anonymous)).toBe(401);
    const wrong = await call(shop.url, "PATCH", `/pets/${pet.id}`, {
      json: { price: 1 },
      token: "not-the-admin-token",
    });
    expect(wrong.status, show(wrong)).toBe(403);
    const customer = await newCustomer(() => shop.url);
    const asCustomer = await call(shop.url, "PATCH", `/pets/${pet.id}`, { json: { price: 1 }, token: customer.token });
    expect(asCustomer.status, show(asCustomer)).toBe(403);
    const edited = await call(shop.url, "PATCH", `/pets/${pet.id}`, {
      json: { price: 2_500, name: "Polly the parrot" },
      token: ADMIN_TOKEN,
    });
    expect(expectStatus(edited, 200, "admin edit")).toMatchObject({
      name: "Polly the parrot",
      price: 2_500,
      species: "bird",
    });
    expect(expectStatus(await call(shop.url, "GET", `/pets/${pet.id}`), 200, "GET pet").price).toBe(2_500);
  });

  it("reserves a pet in a cart: nobody else can take it until it is removed [R02.0.5, R02.1.1]", async () => {
    const pet = await adminOf(shop).createPet({ name: "Kitty", species: "cat", price: 900 });
    const first = await newCustomer(() => shop.url);
    const second = await newCustomer(() => shop.url);
    expectStatus(await first.add(pet.id), 200, "first customer adds Kitty");
    const taken = await second.add(pet.id);
    expect(taken.status, show(taken)).toBe(409);
    expect(taken.body.detail, "the conflict says why").toMatch(/reserved/);
    const removed = expectStatus(await first.remove(pet.id), 200, "first customer removes Kitty");
    expect(removed.items).toEqual([]);
    expect(expectStatus(await call(shop.url, "GET", `/pets/${pet.id}`), 200, "GET pet").status).toBe("available");
    expectStatus(await second.add(pet.id), 200, "now the second customer can add Kitty");
    const missing = await first.remove(pet.id);
    expect(missing.status, show(missing)).toBe(404);
  });

  it("lets a reservation lapse after its time, and another customer take the pet [R02.0.5]", async () => {
    const pet = await adminOf(shop).createPet({ name: "Bunny", species: "rabbit", price: 700 });
    const slow = await newCustomer(() => quick);
    const fast = await newCustomer(() => shop.url);
    expectStatus(await slow.add(pet.id), 200, "add Bunny through the PetStore with 2 s reservations");
    const blocked = await fast.add(pet.id);
    expect(blocked.status, `right away the pet is still reserved: ${show(blocked)}`).toBe(409);
    await sleep(2_500);
    expect(expectStatus(await call(shop.url, "GET", `/pets/${pet.id}`), 200, "GET pet").status).toBe("available");
    expectStatus(await fast.add(pet.id), 200, "after the reservation lapsed, another customer takes Bunny");
    // The slow customer's session lapsed too (same short settings): log in again on the main PetStore.
    const again = expectStatus(
      await call(shop.url, "POST", "/sessions", { json: { username: slow.username, password: slow.password } }),
      201,
      "log in again",
    );
    const slowCart = expectStatus(await call(shop.url, "GET", "/cart", { token: again.token }), 200, "the slow cart");
    expect(slowCart.items[0]?.held, "the slow customer's cart shows the pet as no longer held").toBe(false);
  });

  it("expires sessions after their time [R02.0.5]", async () => {
    const user = await newCustomer(() => quick);
    expectStatus(await call(quick, "GET", "/cart", { token: user.token }), 200, "GET /cart right after login");
    await sleep(2_500);
    const expired = await call(quick, "GET", "/cart", { token: user.token });
    expect(expired.status, show(expired)).toBe(401);
    expect(expired.body.detail).toMatch(/expired/);
  });

  it("refuses a second account with the same username, and wrong passwords [R02.0.5, R02.1.1]", async () => {
    const user = await newCustomer(() => shop.url);
    const again = await call(shop.url, "POST", "/users", {
      json: { username: user.username, password: "another password" },
    });
    expect(again.status, show(again)).toBe(409);
    const wrong = await call(shop.url, "POST", "/sessions", {
      json: { username: user.username, password: "wrong password" },
    });
    expect(wrong.status, show(wrong)).toBe(401);
    const unknown = await call(shop.url, "POST", "/sessions", {
      json: { username: "nobody-here", password: "wrong password" },
    });
    expect(unknown.status, show(unknown)).toBe(401);
    expect(unknown.body.detail, "the same answer whether the user exists or not").toBe(wrong.body.detail);
  });
});
