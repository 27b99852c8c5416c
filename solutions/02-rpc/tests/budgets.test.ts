import type { ServiceProcess } from "@distlab/kit/harness";
import { nodeHost } from "@distlab/kit/sandbox";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { adminOf, newCustomer } from "@distlab/kit/shop-testing";
import { expectStatus, type Reply, show } from "@distlab/kit/test-http";
import { startShop, stopShops, type Shop } from "../../../labs/02-rpc/tests/shop.ts";

/**
 * Two limits of the resilient call that the visible tests cannot tell apart from their absence:
 *
 * - the retry budget: when every reply from Payment is lost, PetStore stops retrying once its tokens are
 *   spent, instead of multiplying its load on Payment by the number of attempts;
 * - the overall deadline: when Payment hangs, a call ends at its deadline, not when the attempt in flight
 *   finally times out.
 */

// The budget test's PetStore (the shop's own): every checkout may make up to MAX_ATTEMPTS attempts, and
// all of them share BUDGET retries. Attempts fail fast (the replies are dropped, not held), and the
// deadline is far above the longest backoff (100 + 200 + 400 + 800 ms for four retries), so without a
// budget every checkout makes all MAX_ATTEMPTS attempts.
const MAX_ATTEMPTS = 5;
const BUDGET = 4;
const CHECKOUTS = 8;

// The deadline test's PetStore: one attempt may take 5 s, the whole call only 800 ms.
const PER_ATTEMPT_MS = 5_000;
const DEADLINE_MS = 800;
// How long the test waits for an answer at all: long enough to see a PetStore that waits for the
// per-attempt timeout answer late (and say so), rather than report it as hung.
const PATIENCE_MS = PER_ATTEMPT_MS + 2_000;

let shop: Shop;
let impatient: ServiceProcess;

beforeAll(async () => {
  shop = await startShop({
    petstoreEnv: {
      PAYMENT_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      PAYMENT_RETRY_BUDGET: String(BUDGET),
      PAYMENT_TIMEOUT_MS: "1000",
      PAYMENT_DEADLINE_MS: "10000",
    },
  });
  impatient = await shop.extraPetStore({
    PAYMENT_MAX_ATTEMPTS: "6",
    PAYMENT_RETRY_BUDGET: "10",
    PAYMENT_TIMEOUT_MS: String(PER_ATTEMPT_MS),
    PAYMENT_DEADLINE_MS: String(DEADLINE_MS),
  });
});
afterEach(() => shop.proxy.clearRules());
afterAll(stopShops);

/** A customer of the PetStore at `base`, with one pet in the cart and a card that can pay for it twice. */
async function customerWithPet(base: () => string, price: number) {
  const admin = adminOf(shop);
  const pet = await admin.createPet({ name: `Budget ${price}`, species: "fish", price });
  const card = await admin.openAccount(price * 2);
  const customer = await newCustomer(base);
  expectStatus(await customer.add(pet.id), 200, "add the pet");
  return { admin, pet, card, customer };
}

function expectUnavailable(reply: Reply, what: string): void {
  expect(reply.status, `${what}: ${show(reply)}`).toBe(503);
  expect(reply.headers["retry-after"], `${what}: Retry-After in seconds`).toMatch(/^\d+$/);
}

describe("The resilient call: budget, deadlines, backoff (README steps 1 and 4)", () => {
  it("stops retrying a Payment whose replies are all lost once the retry budget is spent [R02.1.5]", async () => {
    const customers: Awaited<ReturnType<typeof customerWithPet>>[] = [];
    for (let i = 0; i < CHECKOUTS; i++) customers.push(await customerWithPet(() => shop.url, 100 + i));

    const rule = shop.proxy.addRule({ fault: "drop-response", route: { method: "POST", path: "/charges" } });
    const forwardedBefore = shop.proxy.stats().forwarded;
    const replies = await Promise.all(customers.map(({ customer, card }) => customer.checkout(card, 30_000)));
    const forwarded = shop.proxy.stats().forwarded - forwardedBefore;
    const charges = shop.proxy.stats().rules.find((stats) => stats.id === rule.id)?.fired ?? 0;

    replies.forEach((reply, i) => expectUnavailable(reply, `checkout ${i + 1} of ${CHECKOUTS}, every reply lost`));
    expect(charges, "every checkout sent its charge to Payment at least once").toBeGreaterThanOrEqual(CHECKOUTS);
    // Every attempt after a checkout's first spends a token, and there are BUDGET of them (the budget
    // starts full and never holds more): at most one first attempt per checkout plus BUDGET retries.
    // The margin of 2 forgives a budget counted slightly differently; without any budget the count is
    // CHECKOUTS × MAX_ATTEMPTS = 40.
    const allowed = CHECKOUTS + BUDGET + 2;
    expect(
      charges,
      `charges that reached Payment while its replies were lost: ${CHECKOUTS} checkouts, PAYMENT_RETRY_BUDGET=${BUDGET}, ` +
        `PAYMENT_MAX_ATTEMPTS=${MAX_ATTEMPTS}; at most ${allowed} with a budget, ${CHECKOUTS * MAX_ATTEMPTS} without one`,
    ).toBeLessThanOrEqual(allowed);
    expect(forwarded, "requests forwarded to Payment (only charges were sent)").toBe(charges);
  });

  it("answers 503 at the overall deadline while Payment hangs, not at the per-attempt timeout, and keeps the cart [R02.1.2, R02.P.1]", async () => {
    const { admin, pet, card, customer } = await customerWithPet(() => impatient.url, 2_500);
    shop.proxy.addRule({ fault: "blackhole", route: { method: "POST", path: "/charges" } });

    const started = Date.now();
    let reply: Reply;
    try {
      reply = await customer.checkout(card, PATIENCE_MS);
    } catch (error) {
      throw new Error(
        `PetStore did not answer the checkout within ${PATIENCE_MS} ms while Payment hung ` +
          `(PAYMENT_DEADLINE_MS=${DEADLINE_MS}, PAYMENT_TIMEOUT_MS=${PER_ATTEMPT_MS}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    const elapsed = Date.now() - started;
    expectUnavailable(reply, "checkout while Payment is blackholed");
    // Not a flaky timing assertion: a PetStore that obeys its deadline answers at about 800 ms, one that
    // only bounds each attempt cannot answer before the attempt's 5000 ms timeout fires. The bound sits
    // between the two, a factor of 6 apart, leaving over 4 s for a slow or busy machine.
    expect(
      elapsed,
      `ms until the 503 (PAYMENT_DEADLINE_MS=${DEADLINE_MS}): it must come before the per-attempt timeout ` +
        `(PAYMENT_TIMEOUT_MS=${PER_ATTEMPT_MS}) could have fired`,
    ).toBeLessThan(PER_ATTEMPT_MS);

    const cart = expectStatus(await customer.cart(), 200, "GET /cart after the 503");
    expect(
      cart.items.map((item: { pet: { id: string } }) => item.pet.id),
      "the cart is intact",
    ).toEqual([pet.id]);
    expect(await admin.balance(card), "nothing was charged").toBe(5_000);

    shop.proxy.clearRules();
    const retried = await customer.checkout(card);
    expect(retried.status, `once Payment answers, the same checkout succeeds: ${show(retried)}`).toBe(201);
    expect(await admin.balance(card)).toBe(2_500);
  });

  it("computes each wait with full jitter: uniform from 0 to min(maxDelayMs, baseDelayMs × 2^(retry − 1)) [R02.1.3, R02.P.3]", async () => {
    // backoffDelay is a pure function of your resilience.ts: it runs in the node host, a separate process,
    // and only numbers come back. Without policy.random it draws from Math.random.
    const host = await nodeHost();
    const policy = { maxAttempts: 6, attemptTimeoutMs: 1_000, deadlineMs: 6_000, baseDelayMs: 100, maxDelayMs: 1_000 };
    for (const retry of [1, 2, 3, 4, 5, 6]) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
      const waits = Array.from({ length: 200 }, () =>
        host.call<number>("resilience.ts", "backoffDelay", retry, policy),
      );
      const outside = waits.filter((wait) => !(wait >= 0 && wait <= ceiling));
      expect(outside.slice(0, 3), `retry ${retry}: every wait must lie in [0, ${ceiling}] ms`).toEqual([]);
      const mean = waits.reduce((sum, wait) => sum + wait, 0) / waits.length;
      // 200 draws of a uniform law: the mean strays 10 % of the ceiling from ceiling/2 about once in 300 000 runs.
      expect(
        Math.abs(mean - ceiling / 2),
        `retry ${retry}: the mean of 200 waits is ${mean.toFixed(0)} ms; full jitter over [0, ${ceiling}] averages ${ceiling / 2}`,
      ).toBeLessThan(ceiling * 0.1);
      expect(Math.max(...waits), `retry ${retry}: some waits should come close to the ceiling`).toBeGreaterThan(
        ceiling * 0.8,
      );
      expect(Math.min(...waits), `retry ${retry}: some waits should come close to 0`).toBeLessThan(ceiling * 0.2);
    }
  });

  it("gives each attempt its own timeout within the overall deadline, and tries again in it [R02.1.2, R02.P.2]", async () => {
    const petstore = await shop.extraPetStore({
      PAYMENT_TIMEOUT_MS: "500",
      PAYMENT_DEADLINE_MS: "6000",
      PAYMENT_MAX_ATTEMPTS: "6",
      PAYMENT_RETRY_BUDGET: "10",
    });
    const { card, customer } = await customerWithPet(() => petstore.url, 3_100);
    shop.proxy.addRule({ fault: "blackhole", route: { method: "POST", path: "/charges" } });
    shop.proxy.clearCalls();
    expectUnavailable(await customer.checkout(card, 15_000), "checkout while Payment is blackholed");
    const charges = () => shop.proxy.calls().filter((call) => call.method === "POST" && call.url === "/charges");
    // The proxy learns that PetStore gave up on its last attempt a moment after PetStore answered the 503.
    for (const until = Date.now() + 5_000; charges().some((call) => call.endedMs === undefined);) {
      if (Date.now() > until) throw new Error("the proxy did not see PetStore's last attempt end within 5 s");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const attempts = charges();
    expect(
      attempts.length,
      "a blackholed attempt must be abandoned at its own timeout (500 ms) and tried again within the 6 s deadline",
    ).toBeGreaterThanOrEqual(2);
    for (const attempt of attempts) {
      const lasted = (attempt.endedMs ?? Number.POSITIVE_INFINITY) - attempt.receivedMs;
      // 500 ms per attempt; the bound leaves 2.5 s for a busy machine and stays at half the deadline, which
      // an attempt bounded by the deadline alone would last.
      expect(lasted, `attempt ${attempt.seq} lasted ${lasted.toFixed(0)} ms; PAYMENT_TIMEOUT_MS is 500`).toBeLessThan(
        3_000,
      );
    }
  });

  it("earns its retry budget back with successes [R02.1.5, R02.P.4]", async () => {
    const petstore = await shop.extraPetStore({
      PAYMENT_RETRY_BUDGET: "1",
      PAYMENT_TIMEOUT_MS: "1000",
      PAYMENT_DEADLINE_MS: "8000",
    });
    const admin = adminOf(shop);
    const card = await admin.openAccount(1_000_000);
    const customer = await newCustomer(() => petstore.url);
    const buy = async (what: string) => {
      const pet = await admin.createPet({ name: `Refill ${what}`, species: "fish", price: 10 });
      expectStatus(await customer.add(pet.id), 200, `add ${what}`);
      return customer.checkout(card, 20_000);
    };
    const charges = { method: "POST", path: "/charges" } as const;
    shop.proxy.addRule({ fault: "drop-response", route: charges, times: 1 });
    expectStatus(await buy("first"), 201, "a checkout whose first reply is lost spends the only retry token");
    // Each success earns back 0.1 of a token: twelve of them refill the one token.
    for (let i = 0; i < 12; i++) expectStatus(await buy(`success ${i}`), 201, `successful checkout ${i + 1}`);
    shop.proxy.addRule({ fault: "drop-response", route: charges, times: 1 });
    const last = await buy("last");
    expect(last.status, `after 12 successes the budget has a token again: ${show(last)}`).toBe(201);
  });

  it("does not retry a declined charge: one call to Payment, and a 422 [R02.4.2, R02.P.9]", async () => {
    const admin = adminOf(shop);
    const pet = await admin.createPet({ name: "Too dear", species: "fish", price: 100_000 });
    const card = await admin.openAccount(10);
    const customer = await newCustomer(() => shop.url);
    expectStatus(await customer.add(pet.id), 200, "add the pet");
    shop.proxy.clearCalls();
    const declined = await customer.checkout(card);
    expect(declined.status, show(declined)).toBe(422);
    const calls = shop.proxy.calls().filter((call) => call.method === "POST" && call.url === "/charges");
    expect(calls.length, "a decline is a final answer: Payment is asked once").toBe(1);
  });
});
