import { afterAll, beforeAll, describe, it } from "vitest";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import {
  petstoreSees,
  registryLists,
  startDiscoverable,
  type Discoverable,
} from "../../../labs/08-discovery/tests/discovery.ts";
import {
  restartability,
  startTestRegistry,
  type RegistryKind,
  type TestRegistry,
} from "../../../labs/08-discovery/tests/registries.ts";

// The registry is killed and replaced by an empty one at the same address, as a dev Consul agent or a
// rebuilt etcd would be. PetStore's blocking queries wait up to 30 s in this file: a resolver that asks
// again with the old index after the failure would wait that long; one that asks afresh sees at once.
const RECOVERY_MS = 15_000;

/** Writes that move the registry's revision (etcd) or index (Consul) well past where a fresh one starts. */
async function history(registry: TestRegistry): Promise<void> {
  for (let write = 0; write < 200; write++) await registry.setConfig("unrelated", "counter", String(write));
}

for (const kind of ["etcd", "consul"] as RegistryKind[]) {
  const { restartable, why } = restartability(kind);
  describe.skipIf(!restartable)(
    `The ${kind} registry restarted empty${restartable ? "" : ` — skipped: ${why}`}`,
    () => {
      let registry: TestRegistry;
      let kv: ServiceProcess;
      let payment: Discoverable;

      beforeAll(async () => {
        registry = await startTestRegistry(kind);
        kv = await startService({ lab: "01-kv", service: "kv" });
        payment = await startDiscoverable("payment", registry, { env: { KV_URL: kv.url } });
        await registryLists(registry, "payment", [payment.instanceId], [payment]);
      });
      afterAll(async () => {
        await stopAllServices();
        await registry?.close();
      });

      it("registers again when the registry comes back without it [R08.2.4, R08.4.4, R08.P.5]", async () => {
        await registry.restart!();
        await registryLists(registry, "payment", [payment.instanceId], [payment], RECOVERY_MS).catch((error: Error) => {
          throw new Error(`the instance did not register again in the fresh ${kind}: ${error.message}`);
        });
      }, 60_000);

      it("lists afresh once reconnected, and sees instances registered since [R08.1.3, R08.3.3, R08.P.3]", async () => {
        // PetStore starts watching a registry with history, which is then replaced by an empty one.
        await history(registry);
        const petstore = await startDiscoverable("petstore", registry, {
          env: { KV_URL: kv.url, DISCOVERY_WAIT: "30s" },
        });
        await petstoreSees(petstore, [payment.instanceId], true, [payment]);
        await registry.restart!();
        const newcomer = await startDiscoverable("payment", registry, { env: { KV_URL: kv.url } });
        await registryLists(registry, "payment", [payment.instanceId, newcomer.instanceId], [newcomer], RECOVERY_MS);
        await petstoreSees(petstore, [payment.instanceId, newcomer.instanceId], true, [], RECOVERY_MS);
      }, 90_000);
    },
  );
}
