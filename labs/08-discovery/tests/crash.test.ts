import { afterAll, beforeAll, describe, it } from "vitest";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { petstoreSees, registryLists, startDiscoverable, TTL_S, type Discoverable } from "./discovery.ts";
import { availability, startTestRegistry, type RegistryKind, type TestRegistry } from "./registries.ts";

// A crashed process says nothing: the registry must notice on its own, by the lease running out (etcd)
// or the checks going critical (Consul). Both happen within a couple of seconds here (TTL 2 s, HTTP check
// every 1 s); the tests allow several times that, so a loaded machine is never the reason they fail.
const BOUND_MS = 4 * TTL_S * 1000 + 4000;

for (const kind of ["etcd", "consul"] as RegistryKind[]) {
  const { available, why } = availability(kind);
  describe.skipIf(!available)(`kill -9 on ${kind}${available ? "" : ` — skipped: ${why}`}`, () => {
    let registry: TestRegistry;
    let kv: ServiceProcess;
    let survivor: Discoverable;
    let petstore: Discoverable;

    beforeAll(async () => {
      registry = await startTestRegistry(kind);
      kv = await startService({ lab: "01-kv", service: "kv" });
      [survivor, petstore] = await Promise.all([
        startDiscoverable("payment", registry, { env: { KV_URL: kv.url } }),
        startDiscoverable("petstore", registry, { env: { KV_URL: kv.url } }),
      ]);
    });
    afterAll(async () => {
      await stopAllServices();
      await registry?.close();
    });

    it("forgets an instance killed with kill -9 within its TTL, and so does PetStore's resolver [R08.2.3, R08.4.3]", async () => {
      const victim = await startDiscoverable("payment", registry, { env: { KV_URL: kv.url } });
      const both = [survivor.instanceId, victim.instanceId];
      await registryLists(registry, "payment", both, [victim]);
      await petstoreSees(petstore, both);
      const killed = Date.now();
      await victim.kill("SIGKILL");
      await registryLists(registry, "payment", [survivor.instanceId], [], BOUND_MS).catch((error: Error) => {
        throw new Error(
          `${kind} still listed an instance killed with kill -9 after ${BOUND_MS} ms (TTL ${TTL_S} s): ${error.message}`,
        );
      });
      const inRegistry = Date.now() - killed;
      await petstoreSees(petstore, [survivor.instanceId], undefined, [], BOUND_MS);
      const inResolver = Date.now() - killed;
      console.info(
        `[lab 08] ${kind}: a killed instance left the registry after ${inRegistry} ms and PetStore's resolver after ${inResolver} ms`,
      );
    }, 60_000);
  });
}
