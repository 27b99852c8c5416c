import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { adminOf, newCustomer } from "@distlab/kit/shop-testing";
import { call, expectStatus } from "@distlab/kit/test-http";
import {
  eventually,
  petstoreSees,
  petstoreView,
  registryLists,
  startDiscoverable,
  type Discoverable,
} from "./discovery.ts";
import { startLink, type Link } from "./link.ts";
import { availability, startTestRegistry, type RegistryKind, type TestRegistry } from "./registries.ts";

// PetStore reaches the registry through a link the test cuts; Payment reaches it directly. Reconnecting
// involves the clients' own backoff (etcd's gRPC channel, the resolver's retries): the tests allow 30 s.
const RECOVERY_MS = 30_000;

async function connectedGauge(petstore: ServiceProcess): Promise<number> {
  const text = (await call(petstore.url, "GET", "/metrics")).text;
  const line = text.split("\n").find((row) => row.startsWith("discovery_registry_connected"));
  return Number(line?.split(" ").at(-1));
}

for (const kind of ["etcd", "consul"] as RegistryKind[]) {
  const { available, why } = availability(kind);
  describe.skipIf(!available)(`The registry out of reach, on ${kind}${available ? "" : ` — skipped: ${why}`}`, () => {
    let registry: TestRegistry;
    let kv: ServiceProcess;
    let link: Link;
    let payment: Discoverable;
    let petstore: Discoverable;

    beforeAll(async () => {
      registry = await startTestRegistry(kind);
      [kv, link] = await Promise.all([startService({ lab: "01-kv", service: "kv" }), startLink(registry)]);
      payment = await startDiscoverable("payment", registry, { env: { KV_URL: kv.url } });
      petstore = await startDiscoverable("petstore", registry, { via: link, env: { KV_URL: kv.url } });
      await petstoreSees(petstore, [payment.instanceId], true, [payment]);
    });
    afterAll(async () => {
      await stopAllServices();
      await link?.close();
      await registry?.close();
    });

    it("keeps serving the last known set while the registry is out of reach, and says so [R08.1.2, R08.3.2, R08.P.1]", async () => {
      await link.cut();
      const view = await eventually(
        "PetStore to notice the registry is gone",
        () => petstoreView(petstore),
        (v) => !v.connected,
        {
          timeoutMs: RECOVERY_MS,
          logsOf: [petstore],
        },
      );
      expect(
        view.instances.map((instance) => instance.id),
        "the last known set, not an empty one",
      ).toEqual([payment.instanceId]);
      expect(await connectedGauge(petstore), "discovery_registry_connected on /metrics").toBe(0);

      const shop = { url: petstore.url, payment: { url: payment.url } };
      const admin = adminOf(shop);
      const pet = await admin.createPet({ name: "Partitioned", species: "cat", price: 300 });
      const card = await admin.openAccount(1_000);
      const customer = await newCustomer(() => petstore.url);
      expectStatus(await customer.add(pet.id), 200, "add the pet");
      const checkout = await customer.checkout(card, 15_000);
      expect(checkout.status, `a checkout while PetStore cannot reach the registry: ${checkout.text}`).toBe(201);
    }, 60_000);

    it("catches up once the registry is back: connected, with what changed meanwhile [R08.1.2, R08.3.2, R08.3.3]", async () => {
      await link.cut();
      await eventually(
        "PetStore cut from the registry",
        () => petstoreView(petstore),
        (v) => !v.connected,
        {
          timeoutMs: RECOVERY_MS,
          logsOf: [petstore],
        },
      );
      const newcomer = await startDiscoverable("payment", registry, { env: { KV_URL: kv.url } });
      await registryLists(registry, "payment", [payment.instanceId, newcomer.instanceId], [newcomer]);
      expect(
        (await petstoreView(petstore)).instances.map((i) => i.id),
        "nothing new reaches PetStore while cut",
      ).toEqual([payment.instanceId]);
      await link.heal();
      await petstoreSees(petstore, [payment.instanceId, newcomer.instanceId], true, [], RECOVERY_MS);
      expect(await connectedGauge(petstore)).toBe(1);
    }, 60_000);
  });
}
