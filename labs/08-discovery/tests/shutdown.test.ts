import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "@distlab/kit/faults";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { adminHeaders, newCard } from "@distlab/kit/shop-testing";
import { call } from "@distlab/kit/test-http";
import { eventually, ids, registryLists, startDiscoverable, tail } from "./discovery.ts";
import { startLink } from "./link.ts";
import { availability, startTestRegistry, type RegistryKind, type TestRegistry } from "./registries.ts";

// A 30 s lease/TTL in this file: an instance gone right after SIGTERM left because it deregistered, not
// because it expired.
const LONG_TTL = { REGISTRATION_TTL_S: "30" };

async function exitWithin(service: ServiceProcess, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${service.name} did not exit within ${ms} ms of SIGTERM:\n${tail(service)}`)),
      ms,
    );
  });
  try {
    return await Promise.race([service.exited(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

for (const kind of ["etcd", "consul"] as RegistryKind[]) {
  const { available, why } = availability(kind);
  describe.skipIf(!available)(`Graceful stop on ${kind}${available ? "" : ` — skipped: ${why}`}`, () => {
    let registry: TestRegistry;
    let kv: ServiceProcess;
    let slowKv: FaultProxy;

    beforeAll(async () => {
      registry = await startTestRegistry(kind);
      kv = await startService({ lab: "01-kv", service: "kv" });
      slowKv = await startFaultProxy({ upstream: kv.url, seed: 1 });
    });
    afterAll(async () => {
      await stopAllServices();
      await slowKv?.close();
      await registry?.close();
    });

    it("leaves the registry on SIGTERM, at once — not when its 30 s TTL runs out [R08.2.5, R08.4.5, R08.5.1, R08.P.6]", async () => {
      const payment = await startDiscoverable("payment", registry, { env: { KV_URL: kv.url, ...LONG_TTL } });
      await registryLists(registry, "payment", [payment.instanceId], [payment]);
      await payment.kill("SIGTERM");
      const status = await exitWithin(payment, 10_000);
      expect(status.code, `exit status after SIGTERM:\n${tail(payment)}`).toBe(0);
      expect(ids(await registry.instances("payment")), "still registered after a clean stop").toEqual([]);
    });

    it("deregisters before the requests in flight are drained, and still answers them [R08.5.1, R08.5.3, R08.P.6]", async () => {
      const patient = { KV_TIMEOUT_MS: "20000", KV_DEADLINE_MS: "40000", DISTLAB_GRACE_MS: "30000" };
      const payment = await startDiscoverable("payment", registry, {
        env: { KV_URL: slowKv.url, ...LONG_TTL, ...patient },
      });
      await registryLists(registry, "payment", [payment.instanceId], [payment]);
      const rule = slowKv.addRule({ fault: "latency", ms: 4_000 });
      const before = slowKv.stats().requests;
      let answered: string | undefined;
      const opening = call(payment.url, "POST", "/accounts", {
        json: { card: newCard(), balance: 100 },
        headers: adminHeaders,
        timeoutMs: 20_000,
      }).then(
        (reply) => ((answered = `${reply.status} ${reply.text}`), reply),
        (error: Error) => {
          answered = error.message;
          throw error;
        },
      );
      await eventually(
        "the account's write to reach the KV",
        async () => slowKv.stats().requests,
        (n) => n > before,
      );
      const stopping = payment.kill("SIGTERM");
      await eventually(
        `${kind} to drop the stopping instance`,
        () => registry.instances("payment"),
        (list) => list.length === 0,
        { timeoutMs: 3_000, logsOf: [payment] },
      );
      expect(
        answered,
        "the request in flight was over before the instance left the registry: deregister first, then drain",
      ).toBeUndefined();
      slowKv.removeRule(rule.id);
      const reply = await opening;
      expect(reply.status, `the request in flight at SIGTERM: ${reply.text}`).toBe(201);
      expect((await stopping).code, "exit status once drained").toBe(0);
    }, 60_000);

    it("exits 0 within its grace period when the registry does not answer [R08.5.2, R08.P.7]", async () => {
      const link = await startLink(registry);
      try {
        const payment = await startDiscoverable("payment", registry, {
          via: link,
          env: { KV_URL: kv.url, ...LONG_TTL, DEREGISTER_TIMEOUT_MS: "300", DISTLAB_GRACE_MS: "3000" },
        });
        await registryLists(registry, "payment", [payment.instanceId], [payment]);
        await link.cut();
        await payment.kill("SIGTERM");
        const status = await exitWithin(payment, 15_000);
        expect(
          status.code,
          `a stop must not wait on a registry that does not answer longer than DEREGISTER_TIMEOUT_MS (300 ms); ` +
            `past the 3 s grace period the process is killed with code 1:\n${tail(payment)}`,
        ).toBe(0);
      } finally {
        await link.close();
      }
    }, 60_000);
  });
}
