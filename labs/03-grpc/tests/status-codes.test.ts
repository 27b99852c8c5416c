import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, unary } from "./grpc.ts";
import { adminMetadata, startGrpcShop, stopShops, type GrpcShop } from "./shop.ts";
import { ADMIN_TOKEN, adminOf, newCard, newCustomer, newKey } from "@distlab/kit/shop-testing";
import { expectStatus, show as showHttp } from "@distlab/kit/test-http";

let shop: GrpcShop;

beforeAll(async () => {
  shop = await startGrpcShop();
});
afterAll(stopShops);

const charge = (card: string, amountCents: number, key?: string) =>
  unary(
    shop.client,
    "Charge",
    { card, amountCents },
    { metadata: key === undefined ? {} : { "idempotency-key": key } },
  );
const getAccount = (card: string, metadata: Record<string, string> = adminMetadata) =>
  unary(shop.client, "GetAccount", { card }, { metadata });
const balanceOf = async (card: string) => Number(expectCode(await getAccount(card), "OK", "GetAccount").balanceCents);

describe("every outcome answers its own status code (README step 1)", () => {
  it("declines a charge beyond the balance with FAILED_PRECONDITION, and moves no money [R03.0.3, R03.1.1, R03.P.1]", async () => {
    const card = await adminOf(shop).openAccount(1_000);
    const key = newKey("poor");
    const reply = await charge(card, 1_500, key);
    expectCode(reply, "FAILED_PRECONDITION", "a charge beyond the balance");
    expect(reply.details, "the details say why").toMatch(/insufficient/i);
    expect(await balanceOf(card)).toBe(1_000);
  });

  it("replays a declined charge as FAILED_PRECONDITION again, even after the account was credited [R03.1.1]", async () => {
    const card = await adminOf(shop).openAccount(100);
    const key = newKey("declined-replay");
    expectCode(await charge(card, 500, key), "FAILED_PRECONDITION", "the first charge");
    await adminOf(shop).credit(card, 1_000);
    expectCode(await charge(card, 500, key), "FAILED_PRECONDITION", "the same key: the first result");
    expect(await balanceOf(card)).toBe(1_100);
    expectCode(await charge(card, 500, newKey("fresh")), "OK", "a new key is a new charge");
  });

  it("answers NOT_FOUND for a card without an account, a charge that does not exist, an unknown account [R03.1.4]", async () => {
    const stranger = newCard();
    expectCode(await charge(stranger, 100, newKey("stranger")), "NOT_FOUND", "Charge on a card without an account");
    expectCode(await unary(shop.client, "Refund", { chargeId: newKey("nothing") }), "NOT_FOUND", "Refund of no charge");
    expectCode(await getAccount(stranger), "NOT_FOUND", "GetAccount of a card without an account");
  });

  it("answers ALREADY_EXISTS when a key is reused for another charge, and charges nothing more [R03.1.4]", async () => {
    const card = await adminOf(shop).openAccount(10_000);
    const key = newKey("reused");
    expectCode(await charge(card, 1_000, key), "OK", "the first charge");
    expectCode(await charge(card, 2_000, key), "ALREADY_EXISTS", "the same key, another amount");
    const other = await adminOf(shop).openAccount(10_000);
    expectCode(await charge(other, 1_000, key), "ALREADY_EXISTS", "the same key, another card");
    expect(await balanceOf(card)).toBe(9_000);
    expect(await balanceOf(other)).toBe(10_000);
  });

  it("refuses to refund a declined charge with FAILED_PRECONDITION [R03.1.4]", async () => {
    const card = await adminOf(shop).openAccount(50);
    const key = newKey("refund-declined");
    expectCode(await charge(card, 500, key), "FAILED_PRECONDITION", "the charge");
    expectCode(await unary(shop.client, "Refund", { chargeId: key }), "FAILED_PRECONDITION", "its refund");
    expect(await balanceOf(card)).toBe(50);
  });

  it("answers INVALID_ARGUMENT for a bad card, a missing idempotency key, a bad charge id [R03.1.1, R03.1.4, R03.P.2, R03.P.3]", async () => {
    const card = await adminOf(shop).openAccount(5_000);
    const luhn = `${card.slice(0, -1)}${(Number(card.slice(-1)) + 1) % 10}`;
    const badCard = await charge(luhn, 100, newKey("luhn"));
    expectCode(badCard, "INVALID_ARGUMENT", "a card that fails the Luhn check");
    expect(badCard.details, "the details name the field").toMatch(/card/);
    const noKey = await charge(card, 100);
    expectCode(noKey, "INVALID_ARGUMENT", "a charge without the idempotency-key metadata");
    expect(noKey.details).toMatch(/idempotency-key/);
    expectCode(await charge(card, 100, "short"), "INVALID_ARGUMENT", "a 5-character idempotency key");
    expectCode(await unary(shop.client, "Refund", { chargeId: "x" }), "INVALID_ARGUMENT", "a 1-character charge id");
    expectCode(await getAccount("12ab"), "INVALID_ARGUMENT", "GetAccount of a card that is no card number");
    expect(await balanceOf(card), "nothing moved").toBe(5_000);
  });

  it("answers UNAUTHENTICATED without the admin token and PERMISSION_DENIED with a wrong one [R03.1.3]", async () => {
    const card = await adminOf(shop).openAccount(700);
    expectCode(await getAccount(card, {}), "UNAUTHENTICATED", "GetAccount without authorization");
    expectCode(
      await getAccount(card, { authorization: `Bearer ${ADMIN_TOKEN}-not` }),
      "PERMISSION_DENIED",
      "GetAccount with a wrong token",
    );
    expect(await balanceOf(card)).toBe(700);
  });

  it("turns a decline over gRPC into the same 422 the HTTP transport gives, cart kept (README step 3) [R03.3.2, R03.P.8]", async () => {
    const admin = adminOf(shop);
    const pet = await admin.createPet({ name: "Pricey", species: "cat", price: 9_000 });
    const card = await admin.openAccount(1_000);
    const customer = await newCustomer(() => shop.url);
    expectStatus(await customer.add(pet.id), 200, "add the pet");
    const checkout = await customer.checkout(card);
    expect(checkout.status, `POST /checkout with too little money: ${showHttp(checkout)}`).toBe(422);
    expect(checkout.body.type).toBe("https://distlab.dev/problems/payment-declined");
    expect(expectStatus(await customer.cart(), 200, "GET /cart").items, "the cart is kept").toHaveLength(1);
    expect(await balanceOf(card)).toBe(1_000);
  });
});
