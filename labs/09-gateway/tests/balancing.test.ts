import type { Backend } from "@distlab/kit/backends";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  echoOf,
  eventually,
  requestCounts,
  resetAll,
  routes,
  sequential,
  startBackends,
  startGateway,
  staticUpstream,
  stopAll,
  type GatewayUnderTest,
} from "./gateway.ts";
import type { Answer } from "./http.ts";

let backends: Backend[];
let gateway: GatewayUnderTest;

/** How long the busy instance takes to answer; every other instance answers at once. */
const BUSY_MS = 4_000; // under the routes' 5 s timeout
const PACE_MS = 500;

function upstreams(list: readonly Backend[]) {
  return {
    rr: staticUpstream(list, { balancer: "round-robin" }),
    least: staticUpstream(list.slice(0, 2), { balancer: "least-outstanding" }),
    p2c: staticUpstream(list, { balancer: "power-of-two" }),
  };
}

function routeList() {
  return [
    { id: "rr", match: { prefix: "/rr" }, upstream: "rr", retry: { attempts: 1 } },
    { id: "least", match: { prefix: "/least" }, upstream: "least", retry: { attempts: 1 } },
    { id: "p2c", match: { prefix: "/p2c" }, upstream: "p2c", retry: { attempts: 1 } },
  ];
}

beforeAll(async () => {
  backends = await startBackends(3, "lb-");
  gateway = await startGateway(routes(upstreams(backends), routeList()));
});
beforeEach(async () => {
  await Promise.all(backends.map((backend) => backend.behave({})));
  await resetAll(backends);
});
afterAll(stopAll);

/**
 * Sends `count` requests one after another without holding the next one back for long: each waits for
 * the previous answer or `PACE_MS`, whichever comes first. Answers from idle instances come back at once,
 * so they are idle again at the next pick; the busy instance holds its requests for BUSY_MS, so the
 * balancer sees it busy. Then waits for every answer.
 */
async function paced(path: string, count: number): Promise<Answer[]> {
  const answers: Promise<Answer>[] = [];
  for (let i = 0; i < count; i++) {
    const answer = gateway.send(path, { timeoutMs: 20_000 });
    answers.push(answer);
    await Promise.race([answer, sleep(PACE_MS)]);
  }
  return Promise.all(answers);
}

describe("Step 3 — load balancing", () => {
  it("round robin gives each instance its turn: 30 requests over 3 instances, 10 each [R09.3.1]", async () => {
    await sequential(gateway, 30, "/rr/item");
    expect(await requestCounts(backends)).toEqual({ "lb-1": 10, "lb-2": 10, "lb-3": 10 });
  });

  it("least outstanding requests shares the load between idle instances [R09.3.2, R09.P.5]", async () => {
    await sequential(gateway, 20, "/least/item");
    expect(await requestCounts(backends.slice(0, 2)), "ties are broken in turn, not always for the first").toEqual({
      "lb-1": 10,
      "lb-2": 10,
    });
  });

  it("least outstanding requests keeps away from a busy instance [R09.3.2]", async () => {
    await backends[0]!.behave({ delayMs: BUSY_MS });
    const answers = await paced("/least/item", 20);
    expect(
      answers.map((answer) => answer.status).filter((status) => status !== 200),
      "every request answered",
    ).toEqual([]);
    const counts = await requestCounts(backends.slice(0, 2));
    // Round robin would send the busy instance 10 of the 20.
    expect(counts["lb-1"], `requests per instance: ${JSON.stringify(counts)}`).toBeLessThanOrEqual(4);
  });

  it("power of two choices keeps away from a busy instance and spreads over the others [R09.3.3]", async () => {
    await backends[0]!.behave({ delayMs: BUSY_MS });
    // Sixty picks: a balancer that ignores load sends the busy instance about 20 (4 or fewer in about one run
    // in a million); two choices sends it one request each time it is idle, once per BUSY_MS.
    const answers = await paced("/p2c/item", 60);
    expect(
      answers.map((answer) => answer.status).filter((status) => status !== 200),
      "every request answered",
    ).toEqual([]);
    const counts = await requestCounts(backends);
    expect(counts["lb-1"], `requests per instance: ${JSON.stringify(counts)}`).toBeLessThanOrEqual(4);
    expect(counts["lb-2"], `both idle instances take a share: ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(5);
    expect(counts["lb-3"], `both idle instances take a share: ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(5);
  });

  it("reuses keep-alive connections to an instance instead of opening one per request [R09.3.5]", async () => {
    await sequential(gateway, 60, "/rr/item");
    const stats = await Promise.all(backends.map((backend) => backend.stats()));
    for (const { instance, requests, connections } of stats) {
      expect(requests).toBe(20);
      expect(connections, `${instance}: ${requests} requests over ${connections} connections`).toBeLessThanOrEqual(2);
    }
  });

  it("takes a new instance list without forgetting the instances that stay [R09.3.4, R09.P.4]", async () => {
    await sequential(gateway, 6, "/rr/item");
    await resetAll(backends);
    const [first, second, third] = backends as [Backend, Backend, Backend];
    const next = routes(
      { ...upstreams(backends), rr: staticUpstream([second, third], { balancer: "round-robin" }) },
      routeList(),
    );
    await gateway.writeRoutes(next);
    await eventually(
      "the gateway takes the new instance list of upstream rr",
      async () => new Set((await sequential(gateway, 4, "/rr/item")).map((answer) => echoOf(answer).instance)),
      (seen) => !seen.has(first.instance) && seen.size === 2,
    );
    const acrossTheReload = await second.stats();
    await resetAll(backends);
    await sequential(gateway, 20, "/rr/item");
    const [gone, stayed, joined] = await Promise.all([first.stats(), second.stats(), third.stats()]);
    expect(gone.requests, "the removed instance gets nothing").toBe(0);
    expect(stayed.requests + joined.requests).toBe(20);
    expect(
      acrossTheReload.connections + stayed.connections,
      "the instance that stayed keeps its keep-alive connection: no new one since before the reload",
    ).toBe(0);
  });
});
