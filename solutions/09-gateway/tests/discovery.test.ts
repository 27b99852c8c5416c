import type { Backend } from "@distlab/kit/backends";
import { startEmbeddedConsul, type ConsulServer } from "@distlab/kit/infra";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  echoOf,
  eventually,
  requestCounts,
  resetAll,
  routes,
  sequential,
  startBackends,
  startGateway,
  stopAll,
  type GatewayUnderTest,
} from "../../../labs/09-gateway/tests/gateway.ts";

/**
 * Upstreams found through the registry (Lab 08's resolver, from the run's prerequisite map, on the kit's
 * embedded Consul-compatible registry): the instance set follows registrations live, survives the
 * registry going down, and the routes themselves can live in the registry's KV.
 */

let registry: ConsulServer;
let backends: Backend[];

async function consul(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${registry.url}/v1/${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok)
    throw new Error(`${method} /v1/${path} on the registry: HTTP ${response.status} ${await response.text()}`);
}

const register = (backend: Backend) =>
  consul("PUT", "agent/service/register", {
    ID: backend.instance,
    Name: "catalog",
    Address: "127.0.0.1",
    Port: backend.port,
  });
const deregister = (backend: Backend) => consul("PUT", `agent/service/deregister/${backend.instance}`);

const registryEnv = () => ({
  REGISTRY: "consul",
  CONSUL_HTTP_ADDR: `${registry.host}:${registry.port}`,
  DISCOVERY_WAIT: "2s",
});

const catalogRoutes = (prefix = "/catalog") =>
  routes({ catalog: { discovery: { service: "catalog" }, balancer: "round-robin" } }, [
    { id: "catalog", match: { prefix }, upstream: "catalog" },
  ]);

async function instancesSeen(gateway: GatewayUnderTest, count: number, path = "/catalog/item"): Promise<Set<string>> {
  return new Set((await sequential(gateway, count, path)).map((answer) => echoOf(answer).instance));
}

beforeAll(async () => {
  registry = await startEmbeddedConsul();
  backends = await startBackends(3, "sd-");
  await register(backends[0]!);
  await register(backends[1]!);
});
afterAll(async () => {
  await stopAll();
  await registry.stop();
});

describe("upstreams from the registry", () => {
  let gateway: GatewayUnderTest;

  it("routes to the registered instances and follows registrations live, keeping the connections of those that stay [R09.3.4]", async () => {
    gateway = await startGateway(catalogRoutes(), { env: registryEnv() });
    await eventually(
      "both registered instances answer",
      () => instancesSeen(gateway, 4),
      (seen) => seen.size === 2,
    );
    await resetAll(backends);
    const [first, second, third] = backends as [Backend, Backend, Backend];
    await register(third);
    await eventually(
      "a new registration joins the rotation",
      () => instancesSeen(gateway, 6),
      (seen) => seen.has(third.instance),
    );
    await deregister(first);
    await eventually(
      "a deregistered instance leaves it",
      () => instancesSeen(gateway, 6),
      (seen) => !seen.has(first.instance) && seen.size === 2,
    );
    await resetAll([first]);
    await sequential(gateway, 10, "/catalog/item");
    expect((await requestCounts([first]))[first.instance], "the deregistered instance gets nothing").toBe(0);
    expect(
      (await second.stats()).connections,
      "the instance that stayed kept its keep-alive connection all along",
    ).toBe(0);
  });

  it("keeps routing to the last known instances when the registry is down [R09.3.6]", async () => {
    await registry.stop();
    await resetAll(backends);
    const answers = await sequential(gateway, 20, "/catalog/item");
    expect(
      answers.map((answer) => answer.status).filter((status) => status !== 200),
      "every request still answered",
    ).toEqual([]);
    const counts = await requestCounts(backends);
    expect(counts, "both instances the registry last listed share the load").toEqual({
      "sd-1": 0,
      "sd-2": 10,
      "sd-3": 10,
    });
    registry = await startEmbeddedConsul(registry.port);
  });
});

describe("routes in the registry's KV", () => {
  it("reads the routes from the registry with GATEWAY_ROUTES=registry and applies a change made there [R09.9.7]", async () => {
    await register(backends[1]!);
    await consul("PUT", "kv/distlab/config/gateway/routes", stringify(catalogRoutes("/from-registry")));
    const gateway = await startGateway("unused: the routes come from the registry", {
      env: { ...registryEnv(), GATEWAY_ROUTES: "registry" },
    });
    await eventually(
      "the routes from the registry answer",
      () => gateway.send("/from-registry/item"),
      (answer) => answer.status === 200,
    );
    await consul("PUT", "kv/distlab/config/gateway/routes", stringify(catalogRoutes("/changed")));
    await eventually(
      "the changed routes answer",
      () => gateway.send("/changed/item"),
      (answer) => answer.status === 200,
    );
    expect((await gateway.send("/from-registry/item")).status, "the old route is gone").toBe(404);
    await consul("PUT", "kv/distlab/config/gateway/routes", "version: 1\nroutes: [oops\n");
    const config = await eventually(
      "the bad routes are refused",
      () => gateway.config(),
      (value) => value.lastError !== null,
    );
    expect(config.lastError.message).toMatch(/routes/);
    expect((await gateway.send("/changed/item")).status, "the routes in use stay").toBe(200);
  });
});
