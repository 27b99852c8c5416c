import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { callLogs, expectCode, paymentClient, unary } from "./grpc.ts";
import { adminMetadata, startGrpcShop, stopShops, type GrpcShop } from "./shop.ts";
import { adminOf, newCustomer, newKey } from "@distlab/kit/shop-testing";
import { call, expectStatus, show as showHttp } from "@distlab/kit/test-http";

let shop: GrpcShop;

// PetStore may wait 30 s for Payment and gives a request 7 s: only the request's deadline can make it
// answer sooner. The tests wait at most PATIENCE_MS for an answer.
const REQUEST_BUDGET_MS = 7_000;
const PATIENCE_MS = 10_000;

beforeAll(async () => {
  shop = await startGrpcShop({
    petstoreEnv: { REQUEST_BUDGET_MS: String(REQUEST_BUDGET_MS), PAYMENT_DEADLINE_MS: "30000" },
  });
});
afterEach(() => shop.relay.heal());
afterAll(stopShops);

const balanceOf = async (card: string) =>
  Number(
    expectCode(await unary(shop.client, "GetAccount", { card }, { metadata: adminMetadata }), "OK", "GetAccount")
      .balanceCents,
  );

async function cartWithOnePet(price: number) {
  const admin = adminOf(shop);
  const pet = await admin.createPet({ name: `Timely ${price}`, species: "fish", price });
  const card = await admin.openAccount(price * 3);
  const customer = await newCustomer(() => shop.url);
  expectStatus(await customer.add(pet.id), 200, "add the pet");
  return { card, customer };
}

/** A checkout with the deadline and request id headers; the test waits PATIENCE_MS at most. */
async function checkout(customer: { token: string }, card: string, headers: Record<string, string> = {}) {
  try {
    return await call(shop.url, "POST", "/checkout", {
      json: { card },
      token: customer.token,
      headers,
      timeoutMs: PATIENCE_MS,
    });
  } catch (error) {
    throw new Error(
      `PetStore did not answer the checkout within ${PATIENCE_MS} ms (the request allowed ` +
        `${headers["x-request-timeout-ms"] ?? REQUEST_BUDGET_MS} ms): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

describe("deadlines (README steps 1 and 3)", () => {
  it("passes what is left of the PetStore request as the gRPC deadline, with the request id and key [R03.3.1, R03.3.2, R03.P.7]", async () => {
    const { card, customer } = await cartWithOnePet(1_000);
    const requestId = `req-${randomUUID()}`;
    const reply = await checkout(customer, card, { "x-request-timeout-ms": "4000", "x-request-id": requestId });
    expect(reply.status, showHttp(reply)).toBe(201);
    const [logged, ...more] = await callLogs(shop.payment, { grpc: "Charge", requestId });
    expect(
      logged,
      `Payment logged no Charge with x-request-id ${requestId}: the metadata did not carry it`,
    ).toBeDefined();
    expect(more, "one call").toHaveLength(0);
    expect(logged!.idempotencyKey, "the idempotency key travels as metadata").toBe(reply.body.chargeId);
    expect(logged!.deadlineMs, "the call had a deadline").not.toBeNull();
    expect(logged!.deadlineMs!, "at most what the request allowed (4000 ms)").toBeLessThanOrEqual(4_000);
    expect(logged!.deadlineMs!, "and some of it left").toBeGreaterThan(0);
  });

  it("gives a request without x-request-timeout-ms the PetStore's own budget as deadline [R03.3.1]", async () => {
    const { card, customer } = await cartWithOnePet(1_100);
    const requestId = `req-${randomUUID()}`;
    const reply = await checkout(customer, card, { "x-request-id": requestId });
    expect(reply.status, showHttp(reply)).toBe(201);
    const logged = (await callLogs(shop.payment, { grpc: "Charge", requestId }))[0];
    expect(logged?.deadlineMs ?? null, "a deadline within REQUEST_BUDGET_MS").not.toBeNull();
    expect(logged!.deadlineMs!).toBeLessThanOrEqual(REQUEST_BUDGET_MS);
  });

  it("answers 503 with Retry-After within the request's deadline when Payment is cut off, cart intact [R03.3.2]", async () => {
    const { card, customer } = await cartWithOnePet(1_200);
    shop.relay.partition();
    const reply = await checkout(customer, card, { "x-request-timeout-ms": "1500" });
    expect(reply.status, showHttp(reply)).toBe(503);
    expect(reply.headers["retry-after"], "Retry-After in seconds").toMatch(/^\d+$/);
    const cart = expectStatus(await customer.cart(), 200, "GET /cart");
    expect(cart.items, "the cart is intact").toHaveLength(1);
    expect(await balanceOf(card), "nothing reached Payment: nothing was charged").toBe(3_600);
    shop.relay.heal();
    const retried = await checkout(customer, card);
    expect(retried.status, `once the network is back, the same checkout succeeds: ${showHttp(retried)}`).toBe(201);
    expect(await balanceOf(card), "charged once").toBe(2_400);
  });

  it("ends a direct call with DEADLINE_EXCEEDED when no answer comes in time; the same key charges once later [R03.0.3, R03.1.1]", async () => {
    const card = await adminOf(shop).openAccount(5_000);
    // A client of our own that retries UNAVAILABLE: healing the network closes the connection it had.
    const retryUnavailable = {
      methodConfig: [
        {
          name: [{ service: "distlab.payment.v1.PaymentService" }],
          retryPolicy: {
            retryableStatusCodes: ["UNAVAILABLE"],
            maxAttempts: 4,
            initialBackoff: "0.05s",
            backoffMultiplier: 3,
            maxBackoff: "0.5s",
          },
        },
      ],
    };
    const viaRelay = paymentClient(`127.0.0.1:${shop.proxy.port}`, {
      "grpc.service_config": JSON.stringify(retryUnavailable),
    });
    try {
      expectCode(
        await unary(viaRelay, "GetAccount", { card }, { metadata: adminMetadata }),
        "OK",
        "GetAccount through the relay",
      );
      shop.relay.partition();
      const key = newKey("late");
      const request = { card, amountCents: 700 };
      const late = await unary(viaRelay, "Charge", request, { metadata: { "idempotency-key": key }, deadlineMs: 500 });
      expectCode(late, "DEADLINE_EXCEEDED", "a charge with a 500 ms deadline while nothing gets through");
      expect(await balanceOf(card), "the charge never reached Payment").toBe(5_000);
      shop.relay.heal();
      const again = await unary(viaRelay, "Charge", request, { metadata: { "idempotency-key": key } });
      expectCode(again, "OK", "the same charge once the network is back");
      expect(await balanceOf(card)).toBe(4_300);
    } finally {
      viaRelay.close();
    }
  });
});
