import type { Backend } from "@distlab/kit/backends";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  routes,
  sequential,
  startBackends,
  startGateway,
  staticUpstream,
  stopAll,
  type GatewayUnderTest,
} from "./gateway.ts";
import { show, type Answer } from "./http.ts";

let backend: Backend;
let gateway: GatewayUnderTest;

beforeAll(async () => {
  [backend] = (await startBackends(1, "rl-")) as [Backend];
  const byKey = { header: "x-api-key" };
  gateway = await startGateway(
    routes({ shop: staticUpstream([backend]) }, [
      {
        id: "per-client",
        match: { prefix: "/client" },
        upstream: "shop",
        rateLimit: { perClient: { capacity: 3, refillPerSecond: 1 }, clientKey: byKey },
      },
      {
        id: "per-route",
        match: { prefix: "/route" },
        upstream: "shop",
        rateLimit: { perRoute: { capacity: 5, refillPerSecond: 2 } },
      },
      {
        id: "both",
        match: { prefix: "/both" },
        upstream: "shop",
        // Clients refill slowly (a token every 10 s), the route quickly (one a second).
        rateLimit: {
          perClient: { capacity: 2, refillPerSecond: 0.1 },
          perRoute: { capacity: 3, refillPerSecond: 1 },
          clientKey: byKey,
        },
      },
    ]),
  );
});
afterAll(stopAll);

const as = (key: string) => ({ headers: { "x-api-key": key } });
const statuses = (answers: Answer[]) => answers.map((answer) => answer.status);

describe("Step 7 — rate limits", () => {
  it("lets a burst of `capacity` requests through, then answers 429 problem+json with Retry-After [R09.7.1]", async () => {
    await backend.resetStats();
    const answers = await sequential(gateway, 5, "/client/item", as("burst"));
    expect(statuses(answers)).toEqual([200, 200, 200, 429, 429]);
    const refused = answers[3]!;
    expect(refused.headers["content-type"], show(refused)).toMatch(/^application\/problem\+json/);
    expect(refused.headers["retry-after"], "one token comes back in 1 s").toBe("1");
    expect((await backend.stats()).requests, "refused requests never reach the upstream").toBe(3);
  });

  it("refills at refillPerSecond on the gateway's clock, never above capacity [R09.7.2, R09.P.13]", async () => {
    await sequential(gateway, 3, "/client/item", as("refill"));
    await gateway.advance(999);
    expect((await gateway.send("/client/item", as("refill"))).status, "not a whole token after 999 ms").toBe(429);
    await gateway.advance(1);
    expect(statuses(await sequential(gateway, 2, "/client/item", as("refill"))), "one token after 1 s").toEqual([
      200, 429,
    ]);
    await gateway.advance(60_000);
    expect(
      statuses(await sequential(gateway, 4, "/client/item", as("refill"))),
      "a minute refills up to capacity, not beyond",
    ).toEqual([200, 200, 200, 429]);
  });

  it("keeps one bucket per client [R09.7.3]", async () => {
    await sequential(gateway, 3, "/client/item", as("alice"));
    expect((await gateway.send("/client/item", as("alice"))).status).toBe(429);
    expect(
      statuses(await sequential(gateway, 3, "/client/item", as("bob"))),
      "bob is not limited by alice's bucket",
    ).toEqual([200, 200, 200]);
  });

  it("shares the route's bucket between all its clients [R09.7.4]", async () => {
    const answers = [];
    for (const key of ["c1", "c2", "c3", "c4", "c5", "c6"]) answers.push(await gateway.send("/route/item", as(key)));
    expect(statuses(answers)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(answers[5]!.headers["retry-after"], "2 tokens per second: half a second, rounded up").toBe("1");
  });

  it("takes nothing from any bucket for a refused request [R09.7.5, R09.P.12]", async () => {
    expect(statuses(await sequential(gateway, 3, "/both/item", as("eve"))), "eve's own bucket holds 2").toEqual([
      200, 200, 429,
    ]);
    expect(
      (await gateway.send("/both/item", as("frank"))).status,
      "eve's refused request did not spend the route's last token",
    ).toBe(200);
    expect((await gateway.send("/both/item", as("grace"))).status, "now the route's bucket is empty").toBe(429);
    await gateway.advance(2_000);
    expect(
      statuses(await sequential(gateway, 2, "/both/item", as("grace"))),
      "the route has 2 tokens again, and grace still has both of hers: her refusal took none",
    ).toEqual([200, 200]);
  });

  it("tells clients where they stand in RateLimit-Policy and RateLimit headers [R09.7.6]", async () => {
    const first = await gateway.send("/client/item", as("headers"));
    expect(first.headers["ratelimit-policy"]).toBe('"client";q=3;w=3');
    expect(first.headers.ratelimit, "2 left; full again in 1 s").toBe('"client";r=2;t=1');
    await sequential(gateway, 2, "/client/item", as("headers"));
    const refused = await gateway.send("/client/item", as("headers"));
    expect(refused.status).toBe(429);
    expect(refused.headers.ratelimit).toBe('"client";r=0;t=3');
    expect(refused.headers["ratelimit-policy"]).toBe('"client";q=3;w=3');
  });
});
