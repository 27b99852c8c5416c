import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminOf, type Customer, newCustomer } from "@distlab/kit/shop-testing";
import { burst, type BurstRequest, call, expectStatus, type Reply, show } from "@distlab/kit/test-http";
import { startShop, stopShops, type Shop } from "./shop.ts";

let shop: Shop;
/** A second PetStore on the same KV whose reservations lapse after 0.3 s. */
let brief: string;

beforeAll(async () => {
  shop = await startShop();
  brief = (await shop.extraPetStore({ RESERVATION_MS: "300" })).url;
});
afterAll(stopShops);

/**
 * A customer's request, to send in a pipelined burst (see `burst`) to one PetStore: it starts every
 * handler of the burst before any gets past its first `await`, so none arrives after another has finished,
 * however loaded the machine. A session lives in the KV, so any PetStore on it takes the customer's token.
 */
const asCustomer = (customer: Customer, path: string, json: unknown): BurstRequest => ({
  method: "POST",
  path,
  json,
  headers: { authorization: `Bearer ${customer.token}` },
});

describe("two customers, one pet: one order, one clear conflict (README step 5)", () => {
  it("lets exactly one of eight customers racing to add the same pet have it [R02.0.5]", async () => {
    const pet = await adminOf(shop).createPet({ name: "Solo", species: "dog", price: 1_000 });
    const customers = await Promise.all(Array.from({ length: 8 }, () => newCustomer(() => shop.url)));
    const replies = await burst(
      shop.url,
      customers.map((customer) => asCustomer(customer, "/cart/items", { petId: pet.id })),
    );
    const winners = replies.filter((reply) => reply.status === 200);
    expect(winners.length, replies.map(show).join("\n")).toBe(1);
    expect(replies.filter((reply) => reply.status === 409).length, "the others get 409").toBe(7);
  });

  it("sells a pet once when two customers holding it check out at the same time [R02.5.1, R02.5.3]", async () => {
    const admin = adminOf(shop);
    const pet = await admin.createPet({ name: "Duo", species: "cat", price: 4_000 });
    const [early, late] = await Promise.all([newCustomer(() => brief), newCustomer(() => shop.url)]);
    const [earlyCard, lateCard] = await Promise.all([admin.openAccount(10_000), admin.openAccount(10_000)]);
    expectStatus(await early.add(pet.id), 200, "the first customer adds Duo");
    await expect
      .poll(async () => (await call(shop.url, "GET", `/pets/${pet.id}`)).body?.status, {
        timeout: 10_000,
        interval: 50,
        message: "the first customer's reservation of Duo (0.3 s) lapses",
      })
      .toBe("available");
    expectStatus(await late.add(pet.id), 200, "after the first reservation lapsed, a second customer adds Duo");
    // Both checkouts go to the main PetStore in one burst. It guarantees that PetStore starts both handlers
    // together (the early one cannot come after the late one sold Duo); their calls to the KV and to
    // Payment then interleave as they will.
    const [a, b] = (await burst(shop.url, [
      asCustomer(early, "/checkout", { card: earlyCard }),
      asCustomer(late, "/checkout", { card: lateCard }),
    ])) as [Reply, Reply];
    expect([a.status, b.status].sort(), `${show(a)}\n${show(b)}`).toEqual([201, 409]);
    expect(b.status, "the customer who holds the reservation gets the pet").toBe(201);
    expect(a.body.detail, "the conflict names the pet and says why").toMatch(/Duo.*reserved/);
    expect(await admin.balance(earlyCard), "the loser is not charged").toBe(10_000);
    expect(await admin.balance(lateCard)).toBe(6_000);
    expect(expectStatus(await early.orders(), 200, "orders").items).toHaveLength(0);
    expect(expectStatus(await late.orders(), 200, "orders").items).toHaveLength(1);
    const earlyCart = expectStatus(await early.cart(), 200, "the loser's cart");
    expect(earlyCart.items, "the lost pet left the loser's cart").toEqual([]);
  });

  it("makes one order when the same customer checks out twice at once [R02.5.1, R02.P.12]", async () => {
    const admin = adminOf(shop);
    const pet = await admin.createPet({ name: "Clicky", species: "fish", price: 700 });
    const card = await admin.openAccount(5_000);
    const customer = await newCustomer(() => shop.url);
    expectStatus(await customer.add(pet.id), 200, "add Clicky");
    const replies = await burst(
      shop.url,
      Array.from({ length: 3 }, () => asCustomer(customer, "/checkout", { card })),
    );
    const created = replies.filter((reply) => reply.status === 201);
    expect(created.length, replies.map(show).join("\n")).toBeGreaterThanOrEqual(1);
    for (const reply of replies) expect([201, 409], show(reply)).toContain(reply.status);
    expect(new Set(created.map((reply) => reply.body.id)).size, "every 201 names the same order").toBe(1);
    expect(await admin.balance(card), "one debit").toBe(4_300);
    expect(expectStatus(await customer.orders(), 200, "orders").items).toHaveLength(1);
  });

  it("refuses to sell a sold pet, to anyone [R02.0.5]", async () => {
    const admin = adminOf(shop);
    const pet = await admin.createPet({ name: "Gone", species: "rabbit", price: 100 });
    const buyer = await newCustomer(() => shop.url);
    expectStatus(await buyer.add(pet.id), 200, "add Gone");
    expectStatus(await buyer.checkout(await admin.openAccount(1_000)), 201, "buy Gone");
    const other = await newCustomer(() => shop.url);
    const late = await other.add(pet.id);
    expect(late.status, show(late)).toBe(409);
    expect(late.body.detail).toMatch(/sold/);
    expect(expectStatus(await call(shop.url, "GET", `/pets/${pet.id}`), 200, "GET pet").status).toBe("sold");
  });
});
