import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { callLogs, expectCode, unary } from "./grpc.ts";
import { adminMetadata, startGrpcShop, stopShops, type GrpcShop } from "./shop.ts";
import { adminOf, newCustomer } from "@distlab/kit/shop-testing";
import { call, expectStatus, show as showHttp } from "@distlab/kit/test-http";

let shop: GrpcShop;

beforeAll(async () => {
  shop = await startGrpcShop({ petstoreEnv: { REQUEST_BUDGET_MS: "8000" } });
});
afterEach(() => {
  shop.proxy.clearRules();
  shop.relay.heal();
});
afterAll(stopShops);

const balanceOf = async (card: string) =>
  Number(
    expectCode(await unary(shop.client, "GetAccount", { card }, { metadata: adminMetadata }), "OK", "GetAccount")
      .balanceCents,
  );

async function readyToPay(price: number, balance = price * 3) {
  const admin = adminOf(shop);
  const pet = await admin.createPet({ name: `Retry ${price}`, species: "rabbit", price });
  const card = await admin.openAccount(balance);
  const customer = await newCustomer(() => shop.url);
  expectStatus(await customer.add(pet.id), 200, "add the pet");
  return { card, customer };
}

function checkout(customer: { token: string }, card: string, requestId: string) {
  return call(shop.url, "POST", "/checkout", {
    json: { card },
    token: customer.token,
    headers: { "x-request-id": requestId },
    timeoutMs: 15_000,
  });
}

describe("retries through the service config (README steps 3 and 4)", () => {
  it("retries a call whose connection was reset (UNAVAILABLE): the checkout succeeds, one debit [R03.4.1]", async () => {
    // The first test of the file: PetStore has no connection to Payment yet, and its first one is reset.
    const { card, customer } = await readyToPay(1_000);
    shop.proxy.addRule({ fault: "reset", times: 1 });
    const requestId = `req-${randomUUID()}`;
    const reply = await checkout(customer, card, requestId);
    expect(reply.status, `the checkout goes through a reset connection: ${showHttp(reply)}`).toBe(201);
    expect(shop.proxy.stats().rules[0]?.fired, "the first connection really was reset").toBe(1);
    expect(await balanceOf(card), "one debit").toBe(2_000);
    expect((await callLogs(shop.payment, { grpc: "Charge", requestId })).map((entry) => entry.code)).toEqual(["OK"]);
  });

  it("retries a charge whose reply was lost after Payment handled it: the replay answers, one debit [R03.1.1, R03.4.1]", async () => {
    const { card, customer } = await readyToPay(1_100);
    shop.relay.loseReplies(1);
    const requestId = `req-${randomUUID()}`;
    const reply = await checkout(customer, card, requestId);
    expect(reply.status, `UNAVAILABLE is retried with the same idempotency key: ${showHttp(reply)}`).toBe(201);
    expect(shop.relay.lost, "a reply really was lost").toBe(1);
    const calls = await callLogs(shop.payment, { grpc: "Charge", requestId }, 2);
    expect(
      calls.map((entry) => entry.code),
      "Payment handled the charge twice",
    ).toEqual(["OK", "OK"]);
    expect(new Set(calls.map((entry) => entry.idempotencyKey)).size, "both copies carry the same key").toBe(1);
    expect(await balanceOf(card), "and debited once").toBe(2_200);
    const orders = expectStatus(await customer.orders(), 200, "GET /orders").items;
    expect(orders, "one order").toHaveLength(1);
  });

  it("does not retry a final answer: a declined charge is asked once [R03.4.1, R03.P.9]", async () => {
    const { card, customer } = await readyToPay(5_000, 1_000);
    const requestId = `req-${randomUUID()}`;
    const reply = await checkout(customer, card, requestId);
    expect(reply.status, showHttp(reply)).toBe(422);
    const calls = await callLogs(shop.payment, { grpc: "Charge", requestId });
    expect(
      calls.map((entry) => entry.code),
      "FAILED_PRECONDITION is final: one call",
    ).toEqual(["FAILED_PRECONDITION"]);
    expect(await balanceOf(card)).toBe(1_000);
  });

  it("answers 503 with Retry-After when every connection is refused, charges nothing, then recovers [R03.3.2, R03.4.1]", async () => {
    const { card, customer } = await readyToPay(1_300);
    shop.proxy.addRule({ fault: "reset" });
    // Close the connection PetStore holds, so that it has to open new ones (and meet the resets).
    shop.relay.partition();
    shop.relay.heal();
    const requestId = `req-${randomUUID()}`;
    const reply = await checkout(customer, card, requestId);
    expect(reply.status, showHttp(reply)).toBe(503);
    expect(reply.headers["retry-after"]).toMatch(/^\d+$/);
    expect(await callLogs(shop.payment, { grpc: "Charge", requestId }, 0), "no attempt reached Payment").toHaveLength(
      0,
    );
    expect(await balanceOf(card), "nothing charged").toBe(3_900);
    shop.proxy.clearRules();
    // The customer comes back as Retry-After says; the channel may need a moment to reconnect.
    let retried = await checkout(customer, card, `req-${randomUUID()}`);
    for (let tries = 1; retried.status === 503 && tries < 10; tries++) {
      await sleep(500);
      retried = await checkout(customer, card, `req-${randomUUID()}`);
    }
    expect(retried.status, `the same checkout, once Payment is reachable: ${showHttp(retried)}`).toBe(201);
    expect(await balanceOf(card), "charged once").toBe(2_600);
  });
});
