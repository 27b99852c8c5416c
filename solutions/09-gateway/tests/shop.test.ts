import { startService, type ServiceProcess } from "@distlab/kit/harness";
import { ADMIN_TOKEN, adminOf, newCustomer } from "@distlab/kit/shop-testing";
import { expectStatus } from "@distlab/kit/test-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routes, startGateway, stopAll, type GatewayUnderTest } from "../../../labs/09-gateway/tests/gateway.ts";

/**
 * The shop of Lab 02 behind the gateway: the KV (Lab 01), Payment and two PetStores (Lab 02) run from the
 * run's prerequisite map (the references, when grading), and every call of the scenario goes through the
 * gateway under test.
 *
 *   test ──► gateway ──► /api/petstore/… ──► petstore-1, petstore-2 ──► payment ──► kv
 *                    └─► /api/payment/…  ──► payment
 */

let gateway: GatewayUnderTest;
let petstores: ServiceProcess[];

beforeAll(async () => {
  const kv = await startService({ lab: "01-kv", service: "kv" });
  const common = { ADMIN_TOKEN, KV_URL: kv.url };
  const payment = await startService({ lab: "02-rpc", service: "payment", env: common });
  petstores = await Promise.all(
    [1, 2].map(() =>
      startService({ lab: "02-rpc", service: "petstore", env: { ...common, PAYMENT_URL: payment.url } }),
    ),
  );
  gateway = await startGateway(
    routes(
      {
        petstore: { instances: petstores.map((petstore) => petstore.url), balancer: "least-outstanding" },
        payment: { instances: [payment.url] },
      },
      [
        {
          id: "petstore",
          match: { prefix: "/api/petstore" },
          rewrite: { prefix: "/" },
          upstream: "petstore",
          timeoutMs: 30_000,
        },
        {
          id: "payment",
          match: { prefix: "/api/payment" },
          rewrite: { prefix: "/" },
          upstream: "payment",
          timeoutMs: 30_000,
        },
      ],
    ),
    { clock: "system" },
  );
}, 120_000);
afterAll(stopAll);

describe("the shop behind the gateway", () => {
  it("lets a customer register, log in, fill a cart and check out through the gateway alone, over both PetStores [R09.0.1]", async () => {
    const shop = { url: `${gateway.url}/api/petstore`, payment: { url: `${gateway.url}/api/payment` } };
    const admin = adminOf(shop);
    const pets = await Promise.all(
      [1, 2, 3].map((i) => admin.createPet({ name: `Gateway pet ${i}`, species: "cat", price: 700 })),
    );
    const card = await admin.openAccount(5_000);
    const customer = await newCustomer(() => shop.url);
    for (const pet of pets) expectStatus(await customer.add(pet.id), 200, `add ${pet.id} through the gateway`);
    const order = expectStatus(await customer.checkout(card, 30_000), 201, "checkout through the gateway");
    expect(order.pets.map((pet: { id: string }) => pet.id).sort(), "the order holds the cart").toEqual(
      pets.map((pet) => pet.id).sort(),
    );
    expect(order.total).toBe(3 * 700);
    expect(await admin.balance(card), "the charge went through once").toBe(5_000 - 3 * 700);
    const orders = expectStatus(await customer.orders(), 200, "GET /orders through the gateway");
    expect(orders.items.length, "the order is listed").toBe(1);

    const metrics = await gateway.metrics();
    for (const petstore of petstores) {
      const instance = `127.0.0.1:${petstore.port}`;
      const served = new RegExp(
        `gateway_upstream_attempts_total\\{upstream="petstore",instance="${instance.replace(/\./g, "\\.")}",outcome="2\\d\\d"\\} [1-9]`,
      );
      expect(metrics, `PetStore at ${instance} took part of the load`).toMatch(served);
    }
  });
});
