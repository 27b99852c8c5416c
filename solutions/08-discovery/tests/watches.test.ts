import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "@distlab/kit/faults";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { petstoreSees, startDiscoverable, type Discoverable } from "../../../labs/08-discovery/tests/discovery.ts";
import { availability, startTestRegistry, type TestRegistry } from "../../../labs/08-discovery/tests/registries.ts";

// While nothing changes, a watch costs (almost) nothing: an etcd watch is one open stream, a Consul watch
// one blocking query per `wait` (5 s here). Polling shows up as reads at the registry, counted over an idle
// window once everything has settled.
const SETTLE_MS = 2_000;
const WINDOW_MS = 4_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function etcdRanges(registry: TestRegistry): Promise<number> {
  const text = await (await fetch(`http://${registry.host}:${registry.port}/metrics`)).text();
  const line = text
    .split("\n")
    .find((row) => row.startsWith("grpc_server_started_total{") && row.includes('grpc_method="Range"'));
  return Number(line?.split(" ").at(-1) ?? NaN);
}

const etcd = availability("etcd");
describe.skipIf(!etcd.available)(`Watching etcd${etcd.available ? "" : ` — skipped: ${etcd.why}`}`, () => {
  let registry: TestRegistry;
  let kv: ServiceProcess;

  beforeAll(async () => {
    registry = await startTestRegistry("etcd");
    kv = await startService({ lab: "01-kv", service: "kv" });
  });
  afterAll(async () => {
    await stopAllServices();
    await registry?.close();
  });

  it("watches instead of polling: no reads at etcd while nothing changes [R08.1.4]", async () => {
    const payment = await startDiscoverable("payment", registry, { env: { KV_URL: kv.url } });
    const petstore = await startDiscoverable("petstore", registry, { env: { KV_URL: kv.url } });
    await petstoreSees(petstore, [payment.instanceId], true, [payment]);
    await pause(SETTLE_MS);
    const before = await etcdRanges(registry);
    await pause(WINDOW_MS);
    const reads = (await etcdRanges(registry)) - before;
    expect(
      reads,
      `range reads at etcd in ${WINDOW_MS} ms of quiet, from two settings watches and a resolver: a watch reads once, then listens`,
    ).toBeLessThanOrEqual(1);
  }, 60_000);
});

describe("Watching Consul", () => {
  let registry: TestRegistry;
  let kv: ServiceProcess;
  let proxy: FaultProxy;
  let petstore: Discoverable;

  beforeAll(async () => {
    registry = await startTestRegistry("consul");
    kv = await startService({ lab: "01-kv", service: "kv" });
    proxy = await startFaultProxy({ upstream: `http://${registry.host}:${registry.port}`, seed: 1 });
    const payment = await startDiscoverable("payment", registry, { env: { KV_URL: kv.url } });
    petstore = await startDiscoverable("petstore", registry, {
      via: { host: "127.0.0.1", port: proxy.port },
      env: { KV_URL: kv.url },
    });
    await petstoreSees(petstore, [payment.instanceId], true, [payment]);
  });
  afterAll(async () => {
    await stopAllServices();
    await proxy?.close();
    await registry?.close();
  });

  it("watches with blocking queries: each carries the last index, one per wait while nothing changes [R08.3.4, R08.P.4]", async () => {
    await pause(SETTLE_MS);
    proxy.clearCalls();
    await pause(WINDOW_MS);
    const reads = proxy.calls().filter((call) => call.method === "GET");
    expect(
      reads.length,
      `reads PetStore sent Consul in ${WINDOW_MS} ms of quiet (a settings watch and a resolver, 5 s blocking queries): ${reads.map((call) => call.url).join(" ")}`,
    ).toBeLessThanOrEqual(3);
    for (const read of reads)
      expect(read.url, "a blocking query sends back the index of the last answer").toMatch(/[?&]index=[1-9]\d*/);
  }, 60_000);
});
