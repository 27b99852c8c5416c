import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HttpRuleInput } from "@distlab/kit/faults";
import { adminOf, type Customer, newCustomer, testSeed } from "@distlab/kit/shop-testing";
import { call, expectStatus, type Reply, show } from "@distlab/kit/test-http";
import { startShop, stopShops, type Shop } from "../../../labs/02-rpc/tests/shop.ts";

/**
 * Random operations under random faults. Each run is a fresh little world (3 customers, 2 cards, 4 pets)
 * in the same running system; operations are adds, removes, checkouts and races of two checkouts, each
 * with a fault on the next message to Payment or to the KV. At the end the faults stop, every checkout
 * left half-done is retried, and the books must balance: money is conserved and no pet is sold twice.
 */

const SEED = testSeed();
const RUNS = 25;

let shop: Shop;

beforeAll(async () => {
  shop = await startShop({ seed: SEED, petstoreEnv: { PAYMENT_TIMEOUT_MS: "300", PAYMENT_DEADLINE_MS: "1200" } });
});
afterAll(stopShops);

const toPayment: HttpRuleInput[] = [
  { fault: "drop-response", route: { method: "POST", path: "/charges" }, times: 1 },
  // Every reply lost for longer than PetStore's deadline: a 503 although Payment did charge.
  { fault: "drop-response", route: { method: "POST", path: "/charges" }, times: 10 },
  { fault: "drop-request", route: { method: "POST", path: "/charges" }, times: 1 },
  { fault: "reset", route: { method: "POST", path: "/charges" }, times: 1 },
  { fault: "duplicate", mode: "sequential", route: { method: "POST", path: "/charges" }, times: 1 },
  { fault: "duplicate", mode: "concurrent", route: { method: "POST", path: "/charges" }, times: 1 },
  { fault: "blackhole", route: { method: "POST", path: "/charges" }, times: 4 },
  { fault: "latency", ms: 150, route: { method: "POST", path: "/charges" }, times: 2 },
];
const toKv: HttpRuleInput[] = [
  { fault: "drop-response", route: { method: "PUT", path: "/kv" }, times: 1 },
  { fault: "drop-request", route: { method: "PUT", path: "/kv" }, times: 1 },
  { fault: "duplicate", mode: "concurrent", route: { method: "PUT", path: "/kv" }, times: 1 },
  { fault: "reset", route: { method: "GET", path: "/kv" }, times: 1 },
];

const fault = fc.option(
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...toPayment.keys()).map((i) => ({ to: "payment" as const, i })) },
    { weight: 1, arbitrary: fc.constantFrom(...toKv.keys()).map((i) => ({ to: "kv" as const, i })) },
  ),
  { freq: 3 },
);
/** Adds and removes call only the KV; a fault on Payment would not touch them. */
const kvFault = fc.option(
  fc.constantFrom(...toKv.keys()).map((i) => ({ to: "kv" as const, i })),
  { freq: 3 },
);
const user = fc.integer({ min: 0, max: 2 });
const pet = fc.integer({ min: 0, max: 3 });
const operation = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("add" as const), user, pet, fault: kvFault }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), user, pet, fault: kvFault }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("checkout" as const), user, pet, fault }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("race" as const), user, pet, fault }) },
);
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

const ALLOWED: Record<Operation["op"], number[]> = {
  add: [200, 409],
  remove: [200, 404, 409],
  checkout: [201, 409, 422, 503],
  race: [201, 409, 422, 503],
};

/** One run: a fresh world, the operations, then quiescence and the invariants. */
async function runScenario(operations: Operation[]): Promise<void> {
  const admin = adminOf(shop);
  const openingBalances = [6_000, 2_500];
  const cards = await Promise.all(openingBalances.map((balance) => admin.openAccount(balance)));
  const pets: { id: string }[] = [];
  for (const [i, price] of [1_500, 2_000, 1_000, 3_000].entries()) {
    pets.push(await admin.createPet({ name: `Prop ${i}`, species: "other", price }));
  }
  const customers: Customer[] = await Promise.all([0, 1, 2].map(() => newCustomer(() => shop.url)));
  // Customers 0 and 2 share card 0, so their checkouts race on one account too.
  const cardOf = (customer: number) => cards[customer % 2]!;

  const expectAllowed = (operation: Operation, reply: Reply) => {
    if (!ALLOWED[operation.op].includes(reply.status)) {
      throw new Error(`${JSON.stringify(operation)} answered ${show(reply)}`);
    }
  };
  for (const operation of operations) {
    if (operation.fault) {
      const rule = operation.fault.to === "payment" ? toPayment[operation.fault.i]! : toKv[operation.fault.i]!;
      (operation.fault.to === "payment" ? shop.proxy : shop.kvProxy).addRule(rule);
    }
    const customer = customers[operation.user]!;
    if (operation.op === "add") expectAllowed(operation, await customer.add(pets[operation.pet]!.id));
    if (operation.op === "remove") expectAllowed(operation, await customer.remove(pets[operation.pet]!.id));
    if (operation.op === "checkout") expectAllowed(operation, await customer.checkout(cardOf(operation.user)));
    if (operation.op === "race") {
      const other = (operation.user + 1) % 3;
      const replies = await Promise.all([
        customer.checkout(cardOf(operation.user)),
        customers[other]!.checkout(cardOf(other)),
      ]);
      for (const reply of replies) expectAllowed(operation, reply);
    }
    shop.proxy.clearRules();
    shop.kvProxy.clearRules();
  }

  // Quiescence: with the network healthy again, every checkout left open is finished by retrying it.
  for (const [index, customer] of customers.entries()) {
    for (let tries = 0; tries < 5; tries++) {
      const cart = expectStatus(await customer.cart(), 200, "GET /cart at the end");
      if (!cart.checkoutPending) break;
      const retried = await customer.checkout(cardOf(index));
      if (tries === 4) throw new Error(`a checkout stayed open after 5 retries: ${show(retried)}`);
    }
  }

  const orders = [];
  for (const customer of customers) orders.push(...expectStatus(await customer.orders(), 200, "GET /orders").items);
  const soldIds = orders.flatMap((order: { pets: { id: string }[] }) => order.pets.map((pet) => pet.id));
  expect(new Set(soldIds).size, `no pet is in two orders: ${soldIds}`).toBe(soldIds.length);
  for (const candidate of pets) {
    const status = expectStatus(await call(shop.url, "GET", `/pets/${candidate.id}`), 200, "GET pet").status;
    expect(status === "sold", `pet ${candidate.id} is sold if and only if an order has it`).toBe(
      soldIds.includes(candidate.id),
    );
  }
  for (const order of orders) {
    const charge = await admin.charge(order.chargeId);
    expect(charge, `order ${order.id} was paid by its charge`).toMatchObject({
      status: "succeeded",
      amount: order.total,
    });
  }
  const balances = await Promise.all(cards.map((card) => admin.balance(card)));
  for (const balance of balances) expect(balance, "no account is overdrawn").toBeGreaterThanOrEqual(0);
  const paid = orders.reduce((sum: number, order: { total: number }) => sum + order.total, 0);
  const total = (values: number[]) => values.reduce((sum, value) => sum + value, 0);
  expect(total(balances) + paid, `money is conserved: balances ${balances} + orders ${paid}`).toBe(
    total(openingBalances),
  );
}

describe("random operations under random faults", () => {
  it(`conserves money and never sells a pet twice (seed ${SEED}; replay with DISTLAB_SEED=${SEED}) [R02.2.1, R02.5.3]`, async () => {
    try {
      await fc.assert(fc.asyncProperty(fc.array(operation, { minLength: 4, maxLength: 12 }), runScenario), {
        seed: SEED,
        numRuns: RUNS,
        endOnFailure: true,
      });
    } catch (error) {
      // fast-check keeps what went wrong in `cause`; put it in the message, where the report shows it.
      const cause = (error as Error).cause;
      const failure = cause instanceof Error ? cause.message : String(cause);
      throw new Error(
        `${(error as Error).message}\nWhat failed: ${failure}\nReplay this run with DISTLAB_SEED=${SEED}`,
        {
          cause: error,
        },
      );
    }
  }, 240_000);
});
