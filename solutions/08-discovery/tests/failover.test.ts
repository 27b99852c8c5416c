import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { adminOf, newCustomer, type Customer } from "@distlab/kit/shop-testing";
import { call, expectStatus } from "@distlab/kit/test-http";
import {
  petstoreSees,
  petstoreView,
  startDiscoverable,
  type Discoverable,
} from "../../../labs/08-discovery/tests/discovery.ts";
import { availability, startTestRegistry, type TestRegistry } from "../../../labs/08-discovery/tests/registries.ts";

// On etcd with a 30 s lease: a Payment instance killed here stays in the registry (and in PetStore's set)
// long enough for PetStore to meet it dead, which is what failover is for.
const STAYS = { REGISTRATION_TTL_S: "30" };

async function chargesServed(payment: ServiceProcess): Promise<number> {
  const text = (await call(payment.url, "GET", "/metrics")).text;
  return text
    .split("\n")
    .filter(
      (row) =>
        row.startsWith("http_requests_total{") && row.includes('route="/charges"') && row.includes('method="POST"'),
    )
    .reduce((sum, row) => sum + Number(row.split(" ").at(-1)), 0);
}

const etcd = availability("etcd");
describe.skipIf(!etcd.available)(
  `PetStore's calls to Payment${etcd.available ? "" : ` — skipped: ${etcd.why}`}`,
  () => {
    let registry: TestRegistry;
    let kv: ServiceProcess;
    let first: Discoverable;
    let second: Discoverable;
    let petstore: Discoverable;
    let customer: Customer;
    let card: string;

    const shop = () => ({ url: petstore.url, payment: { url: first.url } });
    async function checkout(price: number) {
      const pet = await adminOf(shop()).createPet({ name: `Pet ${price}`, species: "fish", price });
      expectStatus(await customer.add(pet.id), 200, "add the pet");
      return customer.checkout(card, 20_000);
    }

    beforeAll(async () => {
      registry = await startTestRegistry("etcd");
      kv = await startService({ lab: "01-kv", service: "kv" });
      [first, second] = await Promise.all([
        startDiscoverable("payment", registry, { env: { KV_URL: kv.url, ...STAYS } }),
        startDiscoverable("payment", registry, { env: { KV_URL: kv.url, ...STAYS } }),
      ]);
      petstore = await startDiscoverable("petstore", registry, {
        env: { KV_URL: kv.url, PAYMENT_TIMEOUT_MS: "500", PAYMENT_DEADLINE_MS: "2000" },
      });
      await petstoreSees(petstore, [first.instanceId, second.instanceId], true, [first, second]);
      card = await adminOf(shop()).openAccount(100_000);
      customer = await newCustomer(() => petstore.url);
    });
    afterAll(async () => {
      await stopAllServices();
      await registry?.close();
    });

    it("sends each call to the next instance in turn [R08.7.1]", async () => {
      const before = [await chargesServed(first), await chargesServed(second)];
      for (let i = 1; i <= 6; i++) expectStatus(await checkout(10 * i), 201, `checkout ${i}`);
      const served = [(await chargesServed(first)) - before[0]!, (await chargesServed(second)) - before[1]!];
      expect(served, "charges served by each of the two instances, for six checkouts").toEqual([3, 3]);
    }, 60_000);

    it("moves a call on to the next instance when one does not answer, and charges once [R08.7.2]", async () => {
      await second.kill("SIGKILL");
      expect(
        (await petstoreView(petstore)).instances.map((i) => i.id).sort(),
        "the dead one is still in the set",
      ).toEqual([first.instanceId, second.instanceId].sort());
      const balance = await adminOf(shop()).balance(card);
      for (let i = 1; i <= 4; i++) {
        const reply = await checkout(100 + i);
        expect(reply.status, `checkout ${i} with one Payment instance dead: ${reply.text}`).toBe(201);
      }
      expect(await adminOf(shop()).balance(card), "each checkout charged once").toBe(balance - (101 + 102 + 103 + 104));
    }, 60_000);

    it("answers 503 with Retry-After when no instance answers, and keeps the cart [R08.7.3]", async () => {
      await Promise.all([first.kill("SIGKILL"), second.kill("SIGKILL")]);
      const reply = await checkout(999);
      expect(reply.status, reply.text).toBe(503);
      expect(reply.headers["retry-after"]).toMatch(/^\d+$/);
      const cart = expectStatus(await customer.cart(), 200, "GET /cart");
      expect(cart.items, "the cart is kept for a later checkout").toHaveLength(1);
    }, 60_000);
  },
);
