import type { Backend } from "@distlab/kit/backends";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  echoOf,
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
import { show } from "./http.ts";

let backends: Backend[];
let gateway: GatewayUnderTest;

/** An instance nobody listens on: connecting to it is refused at once. */
const DEAD_INSTANCE = "http://127.0.0.1:1";

const ATTEMPTS = 3;

beforeAll(async () => {
  backends = await startBackends(2, "retry-");
  const retry = { attempts: ATTEMPTS, backoffMs: 0 };
  gateway = await startGateway(
    routes(
      {
        pair: staticUpstream(backends, { retryBudget: { ratio: 0, burst: 1000 } }),
        "with-dead": { instances: [DEAD_INSTANCE, backends[0]!.url], retryBudget: { ratio: 0, burst: 1000 } },
        thrifty: staticUpstream(backends, { retryBudget: { ratio: 0.25, burst: 1 } }),
      },
      [
        { id: "pair", match: { prefix: "/pair" }, upstream: "pair", retry },
        { id: "dead", match: { prefix: "/dead" }, upstream: "with-dead", retry },
        { id: "thrifty", match: { prefix: "/thrifty" }, upstream: "thrifty", retry },
      ],
    ),
  );
});
beforeEach(async () => {
  await Promise.all(backends.map((backend) => backend.behave({})));
  await resetAll(backends);
});
afterAll(stopAll);

/** Makes one backend fail every request in `way`, the other answer normally. */
async function oneFails(way: { status: number } | { hangup: true }) {
  await backends[0]!.behave(way);
}

describe("Step 5 — retries for idempotent requests", () => {
  it("retries a GET on another instance after a lost connection or a 502/503/504, and the client sees success [R09.5.1]", async () => {
    for (const way of [{ hangup: true as const }, { status: 502 }, { status: 503 }, { status: 504 }]) {
      await oneFails(way);
      const answers = await sequential(gateway, 4, "/pair/item");
      for (const answer of answers) {
        expect(answer.status, `after ${JSON.stringify(way)}: ${show(answer)}`).toBe(200);
        expect(echoOf(answer).instance).toBe("retry-2");
      }
    }
  });

  it("retries a POST that carries an Idempotency-Key, with the same key [R09.5.3]", async () => {
    await oneFails({ hangup: true });
    for (let i = 0; i < 4; i++) {
      const answer = await gateway.send("/pair/charges", {
        method: "POST",
        json: { amount: 5 },
        headers: { "idempotency-key": `k-${i}` },
      });
      expect(answer.status, show(answer)).toBe(200);
      expect(echoOf(answer).body, "the body is sent again, whole").toBe('{"amount":5}');
    }
    const keys = (await backends[0]!.stats()).log.map((entry) => entry.idempotencyKey);
    expect(keys.every((key) => key !== null && key.startsWith("k-"))).toBe(true);
  });

  it("never sends a POST without a key twice: the upstream may have done it already [R09.5.2, R09.P.8]", async () => {
    await oneFails({ hangup: true });
    const answers = await sequential(gateway, 4, "/pair/charges", { method: "POST", json: { amount: 5 } });
    const lost = answers.filter((answer) => answer.status !== 200);
    expect(lost.length, "the POSTs that met the failing instance fail").toBe(2);
    for (const answer of lost) {
      expect(answer.status, show(answer)).toBe(502);
      expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
    }
    expect(await requestCounts(backends), "each POST reached one instance once").toEqual({
      "retry-1": 2,
      "retry-2": 2,
    });
  });

  it("does not retry a POST without a key after a 503 either, and passes the answer on [R09.5.2, R09.P.8]", async () => {
    await oneFails({ status: 503 });
    const answers = await sequential(gateway, 4, "/pair/charges", { method: "POST", json: {} });
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 503, 503]);
    expect(await requestCounts(backends)).toEqual({ "retry-1": 2, "retry-2": 2 });
  });

  it("sends a request that never left (connection refused) to another instance, whatever its method [R09.5.4]", async () => {
    for (let i = 0; i < 4; i++) {
      const answer = await gateway.send("/dead/charges", { method: "POST", json: {} });
      expect(answer.status, `the dead instance refuses connections; another instance answers: ${show(answer)}`).toBe(
        200,
      );
    }
    expect((await requestCounts(backends))["retry-1"]).toBe(4);
  });

  it("does not retry statuses the upstream meant: 500, 404, 429 [R09.5.6]", async () => {
    for (const status of [500, 404, 429]) {
      await oneFails({ status });
      await resetAll(backends);
      const answers = await sequential(gateway, 4, "/pair/item");
      expect(
        answers.filter((answer) => answer.status === status),
        `status ${status} reaches the client`,
      ).toHaveLength(2);
      expect(await requestCounts(backends), `no retry after ${status}`).toEqual({ "retry-1": 2, "retry-2": 2 });
    }
  });

  it("makes at most the route's number of attempts in all [R09.5.7]", async () => {
    await Promise.all(backends.map((backend) => backend.behave({ status: 503 })));
    const answer = await gateway.send("/pair/item");
    expect(answer.status, show(answer)).toBe(503);
    const counts = await requestCounts(backends);
    expect(counts["retry-1"]! + counts["retry-2"]!, `attempts: ${JSON.stringify(counts)}`).toBe(ATTEMPTS);
  });
});

describe("Step 5 — the retry budget", () => {
  it("stops retrying when the upstream's budget is spent: at most burst + ratio × requests retries [R09.5.5, R09.P.9]", async () => {
    await Promise.all(backends.map((backend) => backend.behave({ status: 503 })));
    const requests = 40;
    const answers = await sequential(gateway, requests, "/thrifty/item");
    expect(answers.every((answer) => answer.status === 503)).toBe(true);
    const counts = await requestCounts(backends);
    const attempts = counts["retry-1"]! + counts["retry-2"]!;
    // Budget: 1 token to start, 0.25 per request: about 11 retries; without a budget, 80.
    expect(attempts - requests, `retries made for ${requests} failing requests`).toBeLessThanOrEqual(
      1 + 0.25 * requests,
    );
    expect(attempts - requests, "the budget still allows some retries").toBeGreaterThanOrEqual(5);
  });
});
