import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callLogs, expectCode, show, unary } from "./grpc.ts";
import { adminMetadata, startGrpcShop, stopShops, type GrpcShop } from "./shop.ts";
import { adminOf, newCustomer, newKey } from "@distlab/kit/shop-testing";
import { call, expectStatus, show as showHttp } from "@distlab/kit/test-http";

let shop: GrpcShop;

beforeAll(async () => {
  shop = await startGrpcShop();
});
afterAll(stopShops);

const charge = (card: string, amountCents: number, key: string) =>
  unary(shop.client, "Charge", { card, amountCents }, { metadata: { "idempotency-key": key } });
const balanceOf = async (card: string) =>
  Number(
    expectCode(await unary(shop.client, "GetAccount", { card }, { metadata: adminMetadata }), "OK", "GetAccount")
      .balanceCents,
  );

describe("the contract of payment.proto, served by Payment (README step 1)", () => {
  it("charges a card: the Charge message, and one debit [R03.0.1, R03.1.1]", async () => {
    const card = await adminOf(shop).openAccount(10_000);
    const key = newKey("contract");
    const reply = await charge(card, 2_500, key);
    const value = expectCode(reply, "OK", "Charge");
    expect(value).toMatchObject({
      id: key,
      card: `****${card.slice(-4)}`,
      amountCents: 2_500,
      status: "CHARGE_STATUS_SUCCEEDED",
      declineReason: "",
    });
    expect(Number.isNaN(Date.parse(value.createdAt)), `createdAt is RFC 3339: ${value.createdAt}`).toBe(false);
    expect(await balanceOf(card), "GetAccount shows one debit").toBe(7_500);
  });

  it("answers a repeated key with the first charge, marked idempotent-replayed, and debits once [R03.1.1]", async () => {
    const card = await adminOf(shop).openAccount(10_000);
    const key = newKey("replay");
    const first = await charge(card, 1_000, key);
    expectCode(first, "OK", "the first Charge");
    const second = await charge(card, 1_000, key);
    expect(expectCode(second, "OK", "the repeated Charge"), "the replay is the first answer").toEqual(first.value);
    expect(second.headers["idempotent-replayed"], "initial metadata says it is a replay").toBe("true");
    expect(first.headers["idempotent-replayed"], "the first answer is no replay").toBeUndefined();
    expect(await balanceOf(card)).toBe(9_000);
  });

  it("refunds once: the charge comes back REFUNDED, and asking again changes nothing [R03.1.2]", async () => {
    const card = await adminOf(shop).openAccount(5_000);
    const key = newKey("refund");
    expectCode(await charge(card, 2_000, key), "OK", "Charge");
    const refunded = expectCode(await unary(shop.client, "Refund", { chargeId: key }), "OK", "Refund");
    expect(refunded).toMatchObject({ id: key, status: "CHARGE_STATUS_REFUNDED", amountCents: 2_000 });
    const again = await unary(shop.client, "Refund", { chargeId: key });
    expect(expectCode(again, "OK", "the second Refund").status).toBe("CHARGE_STATUS_REFUNDED");
    expect(await balanceOf(card), "the money came back once").toBe(5_000);
  });

  it("keeps one set of books for both APIs: a charge made over HTTP is replayed over gRPC [R03.0.1]", async () => {
    const card = await adminOf(shop).openAccount(8_000);
    const key = newKey("both");
    const overHttp = await call(shop.payment.url, "POST", "/charges", {
      json: { card, amount: 3_000, idempotencyKey: key },
    });
    expect(overHttp.status, showHttp(overHttp)).toBe(201);
    const overGrpc = await charge(card, 3_000, key);
    expect(expectCode(overGrpc, "OK", "Charge over gRPC").id).toBe(key);
    expect(overGrpc.headers["idempotent-replayed"]).toBe("true");
    expect(await balanceOf(card), "one debit, whatever the transport").toBe(5_000);
    expect(await adminOf(shop).balance(card), "HTTP sees the same balance").toBe(5_000);
  });

  it("checks out in the shop with PetStore calling Payment over gRPC: one debit, one order [R03.3.2]", async () => {
    const admin = adminOf(shop);
    const pet = await admin.createPet({ name: "Grpc Rex", species: "dog", price: 4_200 });
    const card = await admin.openAccount(10_000);
    const customer = await newCustomer(() => shop.url);
    expectStatus(await customer.add(pet.id), 200, "add the pet to the cart");
    const checkout = await customer.checkout(card);
    expect(checkout.status, `POST /checkout: ${showHttp(checkout)}`).toBe(201);
    expect(await balanceOf(card)).toBe(5_800);
    const orders = expectStatus(await customer.orders(), 200, "GET /orders").items;
    expect(orders).toHaveLength(1);
    const calls = await callLogs(shop.payment, { grpc: "Charge", idempotencyKey: orders[0].chargeId });
    expect(
      calls.map((entry) => entry.code),
      "PetStore charged over gRPC, once",
    ).toEqual(["OK"]);
  });

  it("answers GetAccount with the card and its balance [R03.1.3]", async () => {
    const card = await adminOf(shop).openAccount(1_234);
    const reply = await unary(shop.client, "GetAccount", { card }, { metadata: adminMetadata });
    expect(expectCode(reply, "OK", "GetAccount"), show(reply)).toEqual({ card, balanceCents: 1_234 });
  });
});
