import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeName, expectCode, unary, watch, type Transaction, type Watch } from "./grpc.ts";
import { startGrpcShop, stopShops, type GrpcShop } from "./shop.ts";
import { adminOf, newCard, newKey } from "@distlab/kit/shop-testing";
import { BURST_PATIENCE_MS } from "@distlab/kit/test-http";

let shop: GrpcShop;
const open: Watch[] = [];

beforeAll(async () => {
  shop = await startGrpcShop({ observeKv: true });
});
afterAll(async () => {
  for (const stream of open) stream.cancel();
  await stopShops();
});

function watchCard(card: string, resumeToken = ""): Watch {
  const stream = watch(shop.client, card, resumeToken);
  open.push(stream);
  return stream;
}

async function charge(card: string, amountCents: number, key = newKey("watch")) {
  expectCode(
    // Charges here also come in bursts, racing on one account: each may wait for the others.
    await unary(
      shop.client,
      "Charge",
      { card, amountCents },
      { metadata: { "idempotency-key": key }, deadlineMs: BURST_PATIENCE_MS },
    ),
    "OK",
    `Charge ${amountCents}`,
  );
  return key;
}

const summary = (items: Transaction[]) =>
  items.map((t) => `${t.sequence}:${t.kind.replace("TRANSACTION_KIND_", "")}:${t.amountCents}→${t.balanceCents}`);

function expectNumbered(items: Transaction[], from: number, what: string) {
  expect(
    items.map((t) => t.sequence),
    `${what}: consecutive sequence numbers from ${from}, no gap, no duplicate`,
  ).toEqual(items.map((_, i) => from + i));
}

describe("WatchTransactions (README step 2)", () => {
  it("streams every money movement of a card, oldest first, with balances [R03.2.3]", async () => {
    const admin = adminOf(shop);
    const card = await admin.openAccount(10_000);
    const first = await charge(card, 1_000);
    const second = await charge(card, 2_000);
    const declined = await unary(
      shop.client,
      "Charge",
      { card, amountCents: 50_000 },
      { metadata: { "idempotency-key": newKey("too-much") } },
    );
    expectCode(declined, "FAILED_PRECONDITION", "a declined charge (no money moves: no transaction)");
    expectCode(await unary(shop.client, "Refund", { chargeId: first }), "OK", "Refund");
    await admin.credit(card, 500);
    const stream = watchCard(card);
    await stream.until(5);
    expect(summary(stream.items)).toEqual([
      "1:OPENING:10000→10000",
      "2:DEBIT:1000→9000",
      "3:DEBIT:2000→7000",
      "4:CREDIT:1000→8000",
      "5:CREDIT:500→8500",
    ]);
    expect(stream.items.map((t) => t.operationId).slice(0, 4)).toEqual(["opening", first, second, `refund:${first}`]);
    expect(stream.items[4]!.operationId).toMatch(/^credit:/);
    expect(stream.status, "the stream stays open for what comes next").toBeUndefined();
  });

  it("keeps streaming the transactions that happen after it opened [R03.2.3]", async () => {
    const card = await adminOf(shop).openAccount(20_000);
    const stream = watchCard(card);
    await stream.until(1);
    for (const amount of [100, 200, 300, 400]) await charge(card, amount);
    await stream.until(5);
    expectNumbered(stream.items, 1, "live transactions");
    expect(stream.items.at(-1)!.balanceCents).toBe(19_000);
  });

  it("resumes after a reconnect from the last token: no gap and no duplicate, while charges keep coming [R03.2.1, R03.P.4]", async () => {
    const card = await adminOf(shop).openAccount(1_000_000);
    for (let i = 0; i < 5; i++) await charge(card, 10 + i);
    const before = watchCard(card);
    await before.until(4);
    before.cancel();
    const received = before.items.slice(0, 4);
    const busy = Promise.all(Array.from({ length: 20 }, (_, i) => charge(card, 100 + i)));
    const after = watchCard(card, received.at(-1)!.resumeToken);
    await busy;
    await after.until(26 - received.length);
    const all = [...received, ...after.items];
    expectNumbered(all, 1, "the transactions before and after the reconnect");
    expect(all).toHaveLength(26);
    expect(all.at(-1)!.balanceCents).toBe(1_000_000 - (10 + 11 + 12 + 13 + 14) - (20 * 100 + 190));
  });

  it("goes on right after the transaction of any token it gave out [R03.2.1, R03.P.4]", async () => {
    const card = await adminOf(shop).openAccount(9_000);
    for (const amount of [1, 2, 3, 4]) await charge(card, amount);
    const full = watchCard(card);
    await full.until(5);
    for (const from of full.items.slice(0, 4)) {
      const resumed = watchCard(card, from.resumeToken);
      await resumed.until(5 - from.sequence);
      expectNumbered(resumed.items, from.sequence + 1, `resuming after transaction ${from.sequence}`);
      resumed.cancel();
    }
  });

  it("refuses a resume token it did not give out, or gave out for another card, with INVALID_ARGUMENT [R03.2.1]", async () => {
    const card = await adminOf(shop).openAccount(3_000);
    const other = await adminOf(shop).openAccount(3_000);
    const otherStream = watchCard(other);
    await otherStream.until(1);
    for (const token of ["not-a-token", otherStream.items[0]!.resumeToken]) {
      const status = await watchCard(card, token).ended();
      expect(`${codeName(status.code)}: ${status.details}`).toMatch(/^INVALID_ARGUMENT: .*resume_token/);
    }
  });

  it("stops reading the card's transactions once its watcher has hung up [R03.2.3, R03.P.6]", async () => {
    const card = await adminOf(shop).openAccount(1_000);
    const kv = shop.kv.observation();
    const readsOfCard = (afterSeq: number) =>
      kv.requests((request) => request.seq > afterSeq && decodeURIComponent(request.url).includes(card));
    const stream = watchCard(card);
    await stream.until(1);
    await kv.waitFor(() => readsOfCard(0).length > 0, "Payment to read the card from the KV");
    stream.cancel();
    // What was in flight when the client hung up ends; then six polling periods (WATCH_POLL_MS, 250 ms).
    await new Promise((resolve) => setTimeout(resolve, 800));
    const mark = kv.events.at(-1)?.seq ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(
      readsOfCard(mark).map((request) => `${request.method} ${decodeURIComponent(request.url)}`),
      "requests to the KV about a card whose only watcher hung up 0.8 s earlier",
    ).toEqual([]);
  });

  it("answers NOT_FOUND for a card without an account, and INVALID_ARGUMENT for a bad card [R03.2.2]", async () => {
    const missing = await watchCard(newCard()).ended();
    expect(`${codeName(missing.code)}: ${missing.details}`).toMatch(/^NOT_FOUND/);
    const bad = await watchCard("1234").ended();
    expect(`${codeName(bad.code)}: ${bad.details}`).toMatch(/^INVALID_ARGUMENT: .*card/);
  });
});
