import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_REUSED_TYPE } from "@distlab/kit/shop";
import { adminOf, newCard } from "@distlab/kit/shop-testing";
import { BURST_PATIENCE_MS, burst, type BurstRequest, call, show } from "@distlab/kit/test-http";
import { startShop, stopShops, type Shop } from "../../../labs/02-rpc/tests/shop.ts";

let shop: Shop;

beforeAll(async () => {
  shop = await startShop();
});
afterAll(stopShops);

let keys = 0;
const newKey = () => `edge-${process.pid}-${Date.now()}-${++keys}`;
const charge = (body: unknown) =>
  call(shop.payment.url, "POST", "/charges", { json: body, timeoutMs: BURST_PATIENCE_MS });
const refund = (id: string) =>
  call(shop.payment.url, "POST", `/charges/${id}/refund`, { timeoutMs: BURST_PATIENCE_MS });
/**
 * Racing requests to Payment as one pipelined burst (see `burst`): Payment starts every handler before any
 * gets past its first `await`, so none arrives after another has finished, however loaded the machine. The
 * answers come back in the order of `requests`.
 */
const together = (requests: BurstRequest[]) => burst(shop.payment.url, requests);
const chargeRequest = (body: unknown): BurstRequest => ({ method: "POST", path: "/charges", json: body });

describe("Payment edge cases (README steps 2 and 3)", () => {
  it("refuses an idempotency key reused for another amount or card, and moves no money [R02.2.2]", async () => {
    const admin = adminOf(shop);
    const card = await admin.openAccount(10_000);
    const other = await admin.openAccount(10_000);
    const key = newKey();
    expect((await charge({ card, amount: 1_000, idempotencyKey: key })).status).toBe(201);
    const otherAmount = await charge({ card, amount: 2_000, idempotencyKey: key });
    expect(otherAmount.status, show(otherAmount)).toBe(422);
    expect(otherAmount.body.errors?.[0]?.field).toBe("body/idempotencyKey");
    expect(otherAmount.body.type, "the problem type of a reused key").toBe(KEY_REUSED_TYPE);
    const otherCard = await charge({ card: other, amount: 1_000, idempotencyKey: key });
    expect(otherCard.status, show(otherCard)).toBe(422);
    expect(await admin.balance(card)).toBe(9_000);
    expect(await admin.balance(other)).toBe(10_000);
  });

  it("refunds once, however often and however concurrently it is asked [R02.3.1, R02.P.8]", async () => {
    const admin = adminOf(shop);
    const card = await admin.openAccount(5_000);
    const key = newKey();
    expect((await charge({ card, amount: 2_000, idempotencyKey: key })).status).toBe(201);
    const replies = await together(
      Array.from({ length: 8 }, () => ({ method: "POST" as const, path: `/charges/${key}/refund` })),
    );
    for (const reply of replies) {
      expect(reply.status, show(reply)).toBe(200);
      expect(reply.body.status).toBe("refunded");
    }
    expect((await refund(key)).body.status).toBe("refunded");
    expect(await admin.balance(card), "credited back once").toBe(5_000);
    const replay = await charge({ card, amount: 2_000, idempotencyKey: key });
    expect(replay.body.status, "the key still names the refunded charge: no new debit").toBe("refunded");
    expect(await admin.balance(card)).toBe(5_000);
  });

  it("refuses to refund a declined charge or an unknown one [R02.3.1]", async () => {
    const card = await adminOf(shop).openAccount(10);
    const key = newKey();
    expect((await charge({ card, amount: 500, idempotencyKey: key })).status).toBe(422);
    const declined = await refund(key);
    expect(declined.status, show(declined)).toBe(409);
    const unknown = await refund(newKey());
    expect(unknown.status, show(unknown)).toBe(404);
  });

  it("never overdraws: of 20 concurrent charges an account can pay 7, exactly 7 go through [R02.2.1, R02.P.7]", async () => {
    const admin = adminOf(shop);
    const card = await admin.openAccount(7_000);
    const replies = await together(
      Array.from({ length: 20 }, () => chargeRequest({ card, amount: 1_000, idempotencyKey: newKey() })),
    );
    const succeeded = replies.filter((reply) => reply.status === 201).length;
    const declined = replies.filter((reply) => reply.status === 422).length;
    expect(succeeded, replies.map(show).join("\n")).toBe(7);
    expect(declined).toBe(13);
    expect(await admin.balance(card)).toBe(0);
  });

  it("keeps duplicates and distinct charges apart when both race on one account [R02.2.1, R02.2.2]", async () => {
    const admin = adminOf(shop);
    const card = await admin.openAccount(3_000);
    const bodies = Array.from({ length: 5 }, () => ({ card, amount: 1_000, idempotencyKey: newKey() }));
    // Each of 5 charges arrives 4 times, all at once; the account can pay 3 of them.
    const replies = await together(bodies.flatMap((body) => Array.from({ length: 4 }, () => chargeRequest(body))));
    const byKey = new Map<string, number[]>();
    replies.forEach((reply, index) => {
      const key = bodies[Math.floor(index / 4)]!.idempotencyKey;
      byKey.set(key, [...(byKey.get(key) ?? []), reply.status]);
    });
    for (const [key, statuses] of byKey) {
      expect(new Set(statuses).size, `every copy of ${key} got the same answer: ${statuses}`).toBe(1);
    }
    const paid = [...byKey.values()].filter((statuses) => statuses[0] === 201).length;
    expect(paid, "three charges paid").toBe(3);
    expect(await admin.balance(card)).toBe(0);
  });

  it("answers a charge for a card without an account with 422, and stores nothing [R02.0.4]", async () => {
    const card = newCard();
    const key = newKey();
    const reply = await charge({ card, amount: 100, idempotencyKey: key });
    expect(reply.status, show(reply)).toBe(422);
    expect((await call(shop.payment.url, "GET", `/charges/${key}`)).status).toBe(404);
  });
});
