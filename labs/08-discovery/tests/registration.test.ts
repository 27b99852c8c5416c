import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import {
  eventually,
  ids,
  petstoreSees,
  registryLists,
  startDiscoverable,
  TTL_S,
  type Discoverable,
} from "./discovery.ts";
import { availability, startTestRegistry, type RegistryKind, type TestRegistry } from "./registries.ts";

for (const kind of ["etcd", "consul"] as RegistryKind[]) {
  const { available, why } = availability(kind);
  describe.skipIf(!available)(`Register and resolve on ${kind}${available ? "" : ` — skipped: ${why}`}`, () => {
    let registry: TestRegistry;
    let kv: ServiceProcess;
    let payment: Discoverable;
    let petstore: Discoverable;

    beforeAll(async () => {
      registry = await startTestRegistry(kind);
      kv = await startService({ lab: "01-kv", service: "kv" });
      [payment, petstore] = await Promise.all([
        startDiscoverable("payment", registry, { env: { KV_URL: kv.url } }),
        startDiscoverable("petstore", registry, { env: { KV_URL: kv.url } }),
      ]);
    });
    afterAll(async () => {
      await stopAllServices();
      await registry?.close();
    });

    it("registers each service once it listens: its id, address, port and weight [R08.2.1, R08.4.1]", async () => {
      const ownKv = await startDiscoverable("kv", registry);
      for (const [name, service] of [
        ["kv", ownKv],
        ["payment", payment],
        ["petstore", petstore],
      ] as const) {
        const [seen] = await registryLists(registry, name, [service.instanceId], [service]);
        expect(seen, `${name} as ${kind} lists it`).toEqual({
          id: service.instanceId,
          address: "127.0.0.1",
          port: service.port,
          meta: { weight: "1" },
        });
      }
    });

    if (kind === "consul")
      it("registers with two checks: the agent's HTTP probe of /health and its own TTL heartbeat [R08.4.1, R08.4.2]", async () => {
        await registryLists(registry, "payment", [payment.instanceId], [payment]);
        const checks = await registry.checks!(payment.instanceId);
        expect(
          checks.map((check) => [check.type, check.status]).sort(),
          `checks of ${payment.instanceId}: ${JSON.stringify(checks)}`,
        ).toEqual([
          ["http", "passing"],
          ["ttl", "passing"],
        ]);
        const http = checks.find((check) => check.type === "http")!;
        expect(http.output, "the HTTP check probes the instance's own /health").toContain(`:${payment.port}/health`);
      });

    it("keeps a live instance registered past three TTLs: its lease or heartbeat is renewed [R08.2.2, R08.4.2, R08.P.2]", async () => {
      await registryLists(registry, "payment", [payment.instanceId], [payment]);
      const until = Date.now() + 3 * TTL_S * 1000 + 1000;
      while (Date.now() < until) {
        const listed = ids(await registry.instances("payment"));
        expect(
          listed,
          `${kind} dropped a live Payment instance: ${TTL_S} s after the last renewal it expires unless the lease is kept alive (etcd) or the TTL check passed every TTL/3 (Consul)`,
        ).toEqual([payment.instanceId]);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
    });

    it("PetStore's resolver sees Payment instances appear and disappear, from a watch [R08.1.1, R08.3.1]", async () => {
      await petstoreSees(petstore, [payment.instanceId], true, [payment]);
      const second = await startDiscoverable("payment", registry, { env: { KV_URL: kv.url } });
      await petstoreSees(petstore, [payment.instanceId, second.instanceId], true, [second]);
      await second.kill("SIGTERM");
      const view = await petstoreSees(petstore, [payment.instanceId], true);
      const [only] = view.instances;
      expect(only, "the resolver hands out where to reach the instance").toMatchObject({
        address: "127.0.0.1",
        port: payment.port,
      });
    });

    it("answers GET /discovery/payment with the registry it reads [R08.1.1, R08.3.1]", async () => {
      const view = await eventually(
        "PetStore's view of Payment",
        async () => (await fetch(`${petstore.url}/discovery/payment`)).json() as Promise<{ registry: string }>,
        (body) => body.registry === kind,
        { logsOf: [petstore] },
      );
      expect(view.registry).toBe(kind);
    });
  });
}
