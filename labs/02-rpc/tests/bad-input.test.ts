import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, adminOf, type Customer, newCard, newCustomer } from "@distlab/kit/shop-testing";
import { call, type CallOptions, expectStatus, type Reply, show } from "@distlab/kit/test-http";
import { startShop, stopShops, type Shop } from "./shop.ts";

let shop: Shop;
let card: string;
let customer: Customer;
let petId: string;

// A working shop first: bad input must be refused by a service that otherwise works.
beforeAll(async () => {
  shop = await startShop();
  card = await adminOf(shop).openAccount(10_000);
  customer = await newCustomer(() => shop.url);
  petId = (await adminOf(shop).createPet({ name: "Goldie", species: "fish", price: 100 })).id;
});
afterAll(stopShops);

type Method = "GET" | "POST" | "PATCH" | "DELETE";
type Case = [what: string, method: Method, path: string, options: CallOptions, status: number, field?: string];

/** Sends every case; each must get its 4xx as problem+json naming the field, and none a 5xx. */
async function expectRefused(base: string, cases: Case[]): Promise<void> {
  const failures: string[] = [];
  for (const [what, method, path, options, status, field] of cases) {
    const reply: Reply = await call(base, method, path, options);
    const problems: string[] = [];
    if (reply.status !== status) problems.push(`expected ${status}`);
    if (!String(reply.headers["content-type"]).startsWith("application/problem+json"))
      problems.push("not problem+json");
    if (field && !(reply.body?.errors ?? []).some((error: { field: string }) => error.field === field)) {
      problems.push(`errors[] should name ${field}`);
    }
    if (problems.length > 0) failures.push(`${what} (${method} ${path}): ${problems.join(", ")}; got ${show(reply)}`);
  }
  expect(failures, failures.join("\n")).toEqual([]);
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const validCharge = () => ({
  card,
  amount: 100,
  idempotencyKey: `bad-input-${Date.now()}-${Math.random().toString(36).slice(2)}`,
});

describe("bad input is refused cleanly (README: the API contracts)", () => {
  it("Payment: refuses bad charges with 400/415/422 naming the field, and debits nothing [R02.0.1, R02.0.3]", async () => {
    const before = await adminOf(shop).balance(card);
    const charge = (body: unknown): CallOptions => ({ json: body });
    await expectRefused(shop.payment.url, [
      [
        "a card that fails Luhn",
        "POST",
        "/charges",
        charge({ ...validCharge(), card: card.slice(0, -1) + ((Number(card.at(-1)) + 1) % 10) }),
        400,
        "body/card",
      ],
      ["a card too short", "POST", "/charges", charge({ ...validCharge(), card: "4242" }), 400, "body/card"],
      [
        "a card with letters",
        "POST",
        "/charges",
        charge({ ...validCharge(), card: "4242abcd42424242" }),
        400,
        "body/card",
      ],
      [
        "a card as a number",
        "POST",
        "/charges",
        charge({ ...validCharge(), card: 4242424242424242 }),
        400,
        "body/card",
      ],
      ["amount 0", "POST", "/charges", charge({ ...validCharge(), amount: 0 }), 400, "body/amount"],
      ["a negative amount", "POST", "/charges", charge({ ...validCharge(), amount: -100 }), 400, "body/amount"],
      ["a fractional amount", "POST", "/charges", charge({ ...validCharge(), amount: 10.5 }), 400, "body/amount"],
      ["an amount as a string", "POST", "/charges", charge({ ...validCharge(), amount: "100" }), 400, "body/amount"],
      ["a huge amount", "POST", "/charges", charge({ ...validCharge(), amount: 1e12 }), 400, "body/amount"],
      ["no idempotency key", "POST", "/charges", charge({ card, amount: 100 }), 400, "body/idempotencyKey"],
      [
        "a key with spaces",
        "POST",
        "/charges",
        charge({ ...validCharge(), idempotencyKey: "has spaces in it" }),
        400,
        "body/idempotencyKey",
      ],
      [
        "a key too short",
        "POST",
        "/charges",
        charge({ ...validCharge(), idempotencyKey: "k" }),
        400,
        "body/idempotencyKey",
      ],
      ["an unknown field", "POST", "/charges", charge({ ...validCharge(), currency: "EUR" }), 400, "body/currency"],
      [
        "a body that is not JSON",
        "POST",
        "/charges",
        { raw: "{card:", headers: { "content-type": "application/json" } },
        400,
      ],
      ["a text body", "POST", "/charges", { raw: "card=1", headers: { "content-type": "text/plain" } }, 415],
      ["an array body", "POST", "/charges", charge([validCharge()]), 400],
      [
        "a card without an account",
        "POST",
        "/charges",
        charge({ ...validCharge(), card: newCard() }),
        422,
        "body/card",
      ],
      ["a refund of an unknown charge", "POST", "/charges/no-such-charge-1/refund", {}, 404],
      ["a charge id with bad characters", "GET", "/charges/a%20b%20c%20d%20e", {}, 400, "params/id"],
      ["an account without the admin token", "POST", "/accounts", charge({ card: newCard(), balance: 5 }), 401],
      [
        "a credit with a wrong token",
        "POST",
        `/accounts/${card}/credit`,
        { json: { amount: 5 }, token: "wrong-token" },
        403,
      ],
      [
        "a negative credit",
        "POST",
        `/accounts/${card}/credit`,
        { json: { amount: -5 }, headers: admin },
        400,
        "body/amount",
      ],
      ["a second account for a card", "POST", "/accounts", { json: { card, balance: 5 }, headers: admin }, 409],
      [
        "an account for a bad card",
        "POST",
        "/accounts",
        { json: { card: "1234", balance: 5 }, headers: admin },
        400,
        "body/card",
      ],
      ["a balance of an unknown card", "GET", `/accounts/${newCard()}`, { headers: admin }, 404],
    ]);
    expect(await adminOf(shop).balance(card), "no refused charge moved money").toBe(before);
    const valid = await call(shop.payment.url, "POST", "/charges", { json: validCharge() });
    expect(valid.status, `and a valid charge still goes through: ${show(valid)}`).toBe(201);
  });

  it("PetStore: refuses bad users, pets, queries, carts and checkouts with 4xx naming the field [R02.0.1, R02.0.5]", async () => {
    const token = customer.token;
    await expectRefused(shop.url, [
      ["a short password", "POST", "/users", { json: { username: "shorty", password: "123" } }, 400, "body/password"],
      [
        "an uppercase username",
        "POST",
        "/users",
        { json: { username: "Alice", password: "long enough" } },
        400,
        "body/username",
      ],
      ["a missing password", "POST", "/sessions", { json: { username: "alice" } }, 400, "body/password"],
      [
        "an extra field",
        "POST",
        "/users",
        { json: { username: "eve-1", password: "long enough", admin: true } },
        400,
        "body/admin",
      ],
      [
        "a pet with a negative price",
        "POST",
        "/pets",
        { json: { name: "A", species: "dog", price: -1 }, headers: admin },
        400,
        "body/price",
      ],
      [
        "a pet of an unknown species",
        "POST",
        "/pets",
        { json: { name: "A", species: "dragon", price: 1 }, headers: admin },
        400,
        "body/species",
      ],
      [
        "a pet with an empty name",
        "POST",
        "/pets",
        { json: { name: "", species: "dog", price: 1 }, headers: admin },
        400,
        "body/name",
      ],
      ["an empty edit", "PATCH", `/pets/${petId}`, { json: {}, headers: admin }, 400],
      ["an edit of an unknown pet", "PATCH", "/pets/pet-unknown-1", { json: { price: 5 }, headers: admin }, 404],
      ["an unknown pet", "GET", "/pets/pet-unknown-1", {}, 404],
      ["limit 0", "GET", "/pets?limit=0", {}, 400, "querystring/limit"],
      ["limit not a number", "GET", "/pets?limit=many", {}, 400, "querystring/limit"],
      ["minPrice above maxPrice", "GET", "/pets?minPrice=500&maxPrice=100", {}, 400, "querystring/minPrice"],
      ["an unknown species filter", "GET", "/pets?species=dragon", {}, 400, "querystring/species"],
      ["a forged cursor", "GET", "/pets?cursor=bm90LWEtY3Vyc29y", {}, 400, "querystring/cursor"],
      ["an unknown query parameter", "GET", "/pets?colour=red", {}, 400],
      ["a cart without a token", "GET", "/cart", {}, 401],
      ["a malformed Authorization header", "GET", "/cart", { headers: { authorization: "Token abc" } }, 401],
      ["an unknown token", "GET", "/cart", { token: "not-a-session-token" }, 401],
      ["an unknown pet in the cart", "POST", "/cart/items", { json: { petId: "pet-unknown-1" }, token }, 404],
      ["a cart item without petId", "POST", "/cart/items", { json: {}, token }, 400, "body/petId"],
      ["removing a pet not in the cart", "DELETE", `/cart/items/${petId}`, { token }, 404],
      [
        "checkout with a card failing Luhn",
        "POST",
        "/checkout",
        { json: { card: "4242424242424241" }, token },
        400,
        "body/card",
      ],
      ["checkout without a card", "POST", "/checkout", { json: {}, token }, 400, "body/card"],
      ["checkout of an empty cart", "POST", "/checkout", { json: { card }, token }, 409],
      ["orders with a bad limit", "GET", "/orders?limit=-1", { token }, 400, "querystring/limit"],
      ["a text body", "POST", "/users", { raw: "hello", headers: { "content-type": "text/plain" } }, 415],
    ]);
    expectStatus(await customer.add(petId), 200, "and the shop still works: add a pet");
    const order = await customer.checkout(card);
    expect(order.status, `and check out: ${show(order)}`).toBe(201);
  });

  it("answers a declined charge with a clear 422 and keeps the cart [R02.0.6, R02.4.2, R02.5.3]", async () => {
    const poor = await adminOf(shop).openAccount(50);
    const pet = await adminOf(shop).createPet({ name: "Pricey", species: "dog", price: 99_900 });
    const buyer = await newCustomer(() => shop.url);
    expectStatus(await buyer.add(pet.id), 200, "add Pricey");
    const declined = await buyer.checkout(poor);
    expect(declined.status, show(declined)).toBe(422);
    expect(declined.body.detail).toMatch(/insufficient/);
    const cart = expectStatus(await buyer.cart(), 200, "GET /cart");
    expect(cart.items.map((item: { pet: { id: string } }) => item.pet.id)).toEqual([pet.id]);
    expect(cart.checkoutPending, "a declined checkout is over: the cart can change again").toBe(false);
    expect(await adminOf(shop).balance(poor)).toBe(50);
  });
});
