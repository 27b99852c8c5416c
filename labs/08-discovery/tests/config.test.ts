import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { adminHeaders, newCard } from "@distlab/kit/shop-testing";
import { call } from "@distlab/kit/test-http";
import { eventually, registryLists, startDiscoverable, type Discoverable } from "./discovery.ts";
import { availability, startTestRegistry, type RegistryKind, type TestRegistry } from "./registries.ts";

// Settings are watched, so a change is applied within milliseconds; "within a second" is the handout's
// promise, and the tests allow five so that a loaded machine never decides.
const APPLIED_WITHIN_MS = 5_000;

interface ConfigView {
  settings: { readOnly: boolean; weight: number };
  errors: string[];
  connected: boolean;
  source: string;
}

const configOf = async (service: ServiceProcess) => (await call(service.url, "GET", "/config")).body as ConfigView;
const openAccount = (payment: ServiceProcess) =>
  call(payment.url, "POST", "/accounts", { json: { card: newCard(), balance: 50 }, headers: adminHeaders });

for (const kind of ["etcd", "consul"] as RegistryKind[]) {
  const { available, why } = availability(kind);
  describe.skipIf(!available)(`Settings from ${kind}${available ? "" : ` — skipped: ${why}`}`, () => {
    let registry: TestRegistry;
    let kv: ServiceProcess;
    let payment: Discoverable;

    beforeAll(async () => {
      registry = await startTestRegistry(kind);
      kv = await startService({ lab: "01-kv", service: "kv" });
      await registry.setConfig("payment", "read-only", "true");
      payment = await startDiscoverable("payment", registry, { env: { KV_URL: kv.url } });
    });
    afterAll(async () => {
      await stopAllServices();
      await registry?.close();
    });

    it("reads its settings before it serves: read-only refuses the very first write, with 503 and Retry-After [R08.6.1, R08.6.4]", async () => {
      const view = await configOf(payment);
      expect(view.settings.readOnly, `GET /config: ${JSON.stringify(view)}`).toBe(true);
      const write = await openAccount(payment);
      expect(write.status, `a write while read-only: ${write.text}`).toBe(503);
      expect(write.headers["retry-after"], "Retry-After, in seconds").toMatch(/^\d+$/);
      expect(write.headers["content-type"]).toMatch(/^application\/problem\+json/);
      const read = await call(payment.url, "GET", `/accounts/${newCard()}`, { headers: adminHeaders });
      expect(read.status, `a read while read-only is served (an unknown card is a 404): ${read.text}`).toBe(404);
    });

    it("applies a change while it runs, without a restart [R08.6.2, R08.6.4]", async () => {
      const changed = Date.now();
      await registry.setConfig("payment", "read-only", "false");
      await eventually(
        "writes to be accepted again",
        () => openAccount(payment),
        (reply) => reply.status === 201,
        {
          timeoutMs: APPLIED_WITHIN_MS,
          logsOf: [payment],
        },
      );
      console.info(`[lab 08] ${kind}: read-only=false applied within ${Date.now() - changed} ms`);
      await registry.setConfig("payment", "read-only", "true");
      await eventually(
        "writes to be refused again",
        () => openAccount(payment),
        (reply) => reply.status === 503,
        {
          timeoutMs: APPLIED_WITHIN_MS,
          logsOf: [payment],
        },
      );
      await registry.setConfig("payment", "read-only", "false");
    });

    it("publishes its weight in its registration, where resolvers read it [R08.6.5]", async () => {
      await registryLists(registry, "payment", [payment.instanceId], [payment]);
      await registry.setConfig("payment", "weight", "5");
      await eventually(
        `${kind} to show weight 5 in the instance's meta`,
        () => registry.instances("payment"),
        (list) => list[0]?.meta.weight === "5",
        { timeoutMs: APPLIED_WITHIN_MS, logsOf: [payment] },
      );
    });

    it("keeps the last good value of a setting that does not parse, and says why [R08.6.3, R08.P.9]", async () => {
      await registry.setConfig("payment", "weight", "5");
      await registry.setConfig("payment", "read-only", "false");
      await eventually(
        "weight 5 and read-only false in force",
        () => configOf(payment),
        (view) => view.settings.weight === 5 && !view.settings.readOnly,
      );
      await registry.setConfig("payment", "weight", "lots");
      const view = await eventually(
        "GET /config to report the bad weight",
        () => configOf(payment),
        (current) => current.errors.some((error) => error.includes("weight")),
        { timeoutMs: APPLIED_WITHIN_MS, logsOf: [payment] },
      );
      expect(view.settings.weight, "the last good weight stays in force").toBe(5);
      expect((await registry.instances("payment"))[0]?.meta.weight).toBe("5");
      await registry.setConfig("payment", "read-only", "sometimes");
      const after = await eventually(
        "the bad read-only reported",
        () => configOf(payment),
        (current) => current.errors.some((error) => error.includes("read-only")),
      );
      expect(after.settings.readOnly, "read-only keeps its last good value, false").toBe(false);
      expect((await openAccount(payment)).status).toBe(201);
      await registry.setConfig("payment", "read-only", "false");
    });

    it("goes back to a setting's default when its key is removed [R08.6.3]", async () => {
      await registry.setConfig("payment", "weight", "7");
      await eventually(
        "weight 7 in force",
        () => configOf(payment),
        (view) => view.settings.weight === 7,
      );
      await registry.deleteConfig("payment", "weight");
      await eventually(
        "the default weight, 1",
        () => configOf(payment),
        (view) => view.settings.weight === 1,
        {
          timeoutMs: APPLIED_WITHIN_MS,
        },
      );
    });

    it("reads no settings at all as the defaults, and stays connected [R08.3.5, R08.6.1, R08.P.8]", async () => {
      const petstore = await startDiscoverable("petstore", registry, { env: { KV_URL: kv.url } });
      const view = await eventually(
        "PetStore's config watch",
        () => configOf(petstore),
        (current) => current.connected,
        {
          logsOf: [petstore],
        },
      );
      expect(view.settings).toEqual({ readOnly: false, weight: 1 });
      expect(view.errors).toEqual([]);
    });
  });
}
