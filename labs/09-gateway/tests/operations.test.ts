import type { Backend } from "@distlab/kit/backends";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  routes,
  sequential,
  startBackends,
  startGateway,
  staticUpstream,
  stopAll,
  type GatewayUnderTest,
  type RoutesDoc,
} from "./gateway.ts";
import { sendRaw, show, type Answer } from "./http.ts";

let backends: Backend[];
let gateway: GatewayUnderTest;

function routesWith(extra: RoutesDoc[] = [], timeoutMs = 5_000): RoutesDoc {
  return routes({ shop: staticUpstream(backends), spare: staticUpstream(backends.slice(0, 1)) }, [
    { id: "shop", match: { prefix: "/shop" }, upstream: "shop", timeoutMs },
    { id: "counted", match: { prefix: "/counted" }, upstream: "spare" },
    {
      id: "limited",
      match: { prefix: "/limited" },
      upstream: "spare",
      rateLimit: { perClient: { capacity: 2, refillPerSecond: 1 }, clientKey: { header: "x-api-key" } },
    },
    ...extra,
  ]);
}

beforeAll(async () => {
  backends = await startBackends(2, "ops-");
  gateway = await startGateway(routesWith());
});
afterAll(stopAll);

async function version(): Promise<number> {
  return (await gateway.config()).version;
}

describe("Step 9 — configuration reloads", () => {
  it("applies a changed routes file without a restart [R09.9.1]", async () => {
    const before = await version();
    expect((await gateway.send("/fresh/item")).status).toBe(404);
    await gateway.writeRoutes(routesWith([{ id: "fresh", match: { prefix: "/fresh" }, upstream: "shop" }]));
    await eventually(
      "the new route answers",
      () => gateway.send("/fresh/item"),
      (answer: Answer) => answer.status === 200,
    );
    expect(await version(), "a new configuration version").toBeGreaterThan(before);
  });

  it("keeps the old configuration when the new file has an error, and reports the error [R09.9.2, R09.P.16]", async () => {
    const before = await version();
    await gateway.writeRoutes(
      "version: 1\nupstreams: {}\nroutes:\n  - id: broken\n    match: { prefix: nope }\n    upstream: shop\n",
    );
    const config = await eventually(
      "the error is reported in /_gateway/config",
      () => gateway.config(),
      (value) => value.lastError !== null,
    );
    expect(config.lastError.message, "the report names the file's line").toMatch(/routes\.yaml:5:\d+/);
    expect(config.version, "the previous configuration is still the one in use").toBe(before);
    const answers = await sequential(gateway, 4, "/shop/item");
    expect(
      answers.map((answer) => answer.status),
      "the old routes keep answering",
    ).toEqual([200, 200, 200, 200]);
    expect(await gateway.metrics()).toMatch(/gateway_config_reloads_total\{result="error"\} [1-9]/);
    expect(gateway.process.logs(), "the refusal is logged").toMatch(/routes\.yaml:5:/);
    await gateway.writeRoutes(routesWith());
    await eventually(
      "a good file is taken again",
      () => gateway.config(),
      (value) => value.lastError === null && value.version > before,
    );
  });

  it("drops no request while the routes are reloaded again and again [R09.9.1]", async () => {
    const answers: Answer[] = [];
    let loading = true;
    const load = Promise.all(
      Array.from({ length: 6 }, async () => {
        while (loading) answers.push(await gateway.send("/shop/item", { headers: { "x-backend-delay-ms": "20" } }));
      }),
    );
    for (let i = 0; i < 8; i++) {
      const before = await version();
      await gateway.writeRoutes(routesWith([], 5_000 + i));
      await eventually(`reload ${i + 1} is applied`, version, (now) => now > before);
    }
    loading = false;
    await load;
    const failed = answers.filter((answer) => answer.status !== 200);
    expect(answers.length, "the load ran during the reloads").toBeGreaterThan(20);
    expect(failed.map(show), "every request of the load succeeded").toEqual([]);
  });

  it("keeps what it knows across a reload that leaves it unchanged: a client's spent bucket stays spent [R09.9.6]", async () => {
    await sequential(gateway, 2, "/limited/item", { headers: { "x-api-key": "kept" } });
    expect((await gateway.send("/limited/item", { headers: { "x-api-key": "kept" } })).status).toBe(429);
    const before = await version();
    await gateway.writeRoutes(routesWith([{ id: "unrelated", match: { prefix: "/unrelated" }, upstream: "shop" }]));
    await eventually("the reload is applied", version, (now) => now > before);
    expect(
      (await gateway.send("/limited/item", { headers: { "x-api-key": "kept" } })).status,
      "the reload did not refill it",
    ).toBe(429);
  });
});

describe("Step 9 — metrics and access logs", () => {
  it("counts requests per route, upstream and status, with a latency histogram [R09.9.4]", async () => {
    await sequential(gateway, 5, "/counted/item");
    await sequential(gateway, 2, "/counted/item", { headers: { "x-backend-status": "404" } });
    const text = await gateway.metrics();
    expect(text).toMatch(/gateway_requests_total\{route="counted",upstream="spare",status="200"\} 5\b/);
    expect(text).toMatch(/gateway_requests_total\{route="counted",upstream="spare",status="404"\} 2\b/);
    expect(text).toMatch(/gateway_request_duration_seconds_count\{route="counted",upstream="spare"\} 7\b/);
    expect(text).toMatch(
      /gateway_upstream_attempts_total\{upstream="spare",instance="127\.0\.0\.1:\d+",outcome="200"\} \d+/,
    );
  });

  it("writes one access-log line per request, with its request id, route, upstream and status [R09.9.5]", async () => {
    await gateway.send("/counted/item?x=1", { headers: { "x-request-id": "access-log-probe-1" } });
    const [line] = await eventually(
      "the access-log line appears",
      async () => gateway.accessLog().filter((entry) => entry.requestId === "access-log-probe-1"),
      (lines) => lines.length > 0,
    );
    expect(line).toMatchObject({
      method: "GET",
      path: "/counted/item?x=1",
      route: "counted",
      upstream: "spare",
      status: 200,
      attempts: 1,
    });
    expect(typeof line!.durationMs).toBe("number");
  });
});

describe("Step 9 — graceful shutdown", () => {
  it("on SIGTERM, finishes the requests in flight, takes no new connection, and exits 0 [R09.9.3, R09.P.17]", async () => {
    const draining = await startGateway(
      routes({ shop: staticUpstream(backends) }, [{ id: "shop", match: { prefix: "/" }, upstream: "shop" }]),
    );
    const slow = draining.send("/slow", { headers: { "x-backend-delay-ms": "4000" } });
    await eventually(
      "the slow request reaches a backend",
      async () => (await Promise.all(backends.map((b) => b.stats()))).some((s) => s.inFlight > 0),
      Boolean,
    );
    const exit = draining.process.kill("SIGTERM");
    await eventually(
      "the gateway says it is draining",
      async () => draining.process.logs(),
      (logs) => logs.includes('"draining"'),
    );
    await expect(sendRaw(draining.url, "/late"), "a new connection is refused").rejects.toThrow(
      /ECONNREFUSED|socket hang up|ECONNRESET/,
    );
    const answer = await slow;
    expect(answer.status, `the request in flight completes: ${show(answer)}`).toBe(200);
    expect(await exit, "the gateway exits on its own, with status 0").toEqual({ code: 0, signal: null });
  });
});
