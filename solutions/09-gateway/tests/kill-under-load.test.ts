import type { Backend } from "@distlab/kit/backends";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  routes,
  startBackends,
  startGateway,
  staticUpstream,
  stopAll,
  type GatewayUnderTest,
} from "../../../labs/09-gateway/tests/gateway.ts";
import { show, type Answer } from "../../../labs/09-gateway/tests/http.ts";

/**
 * An instance dies (kill -9) while a load of idempotent requests runs through the gateway: the requests
 * it was serving break mid-way, new connections to it are refused until the gateway stops picking it.
 * Retries on other instances and ejection together must hide all of it from the clients.
 */

let backends: Backend[];
let gateway: GatewayUnderTest;

const WORKERS = 12;

beforeAll(async () => {
  backends = await startBackends(3, "crash-");
  gateway = await startGateway(
    routes(
      {
        shop: staticUpstream(backends, {
          balancer: "round-robin",
          outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 60_000, maxEjectionPercent: 50 },
          healthCheck: { path: "/health", intervalMs: 500, timeoutMs: 500, unhealthyThreshold: 1 },
          retryBudget: { ratio: 1, burst: 200 },
        }),
      },
      [
        {
          id: "shop",
          match: { prefix: "/" },
          upstream: "shop",
          timeoutMs: 10_000,
          retry: { attempts: 3, backoffMs: 5 },
        },
      ],
    ),
    { clock: "system" },
  );
});
afterAll(stopAll);

describe("a backend killed under load", () => {
  it("fails no idempotent request, GET or keyed POST, when an instance is killed with kill -9 mid-load [R09.5.8, R09.5.3]", async () => {
    const answers: { what: string; answer: Answer }[] = [];
    let running = true;
    let sequence = 0;
    const worker = async (index: number) => {
      while (running) {
        const keyed = index % 3 === 0;
        const what = keyed ? `POST /charges (Idempotency-Key crash-${sequence})` : "GET /item";
        // A little latency keeps requests in flight on the instance when it dies.
        const headers: Record<string, string> = { "x-backend-delay-ms": "5" };
        if (keyed) headers["idempotency-key"] = `crash-${sequence++}`;
        const answer = keyed
          ? await gateway.send("/charges", { method: "POST", json: { amount: 1 }, headers, timeoutMs: 15_000 })
          : await gateway.send("/item", { headers, timeoutMs: 15_000 });
        answers.push({ what, answer });
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, index) => worker(index)));
    await sleep(800);
    const [victim] = backends as [Backend];
    const servedBeforeDying = (await victim.stats()).requests;
    await victim.kill("SIGKILL");
    const killedAt = answers.length;
    // Two seconds at least, and 100 answers after the kill, however slow the machine (bounded).
    await sleep(2_000);
    await eventually(
      "the load goes on after the kill",
      async () => answers.length - killedAt,
      (count) => count >= 100,
      30_000,
    );
    running = false;
    await load;

    expect(servedBeforeDying, "the killed instance was taking its share of the load").toBeGreaterThan(0);
    const failed = answers.filter(({ answer }) => answer.status !== 200);
    expect(
      failed.map(({ what, answer }) => `${what}: ${show(answer)}`).slice(0, 5),
      `${failed.length} of ${answers.length} idempotent requests failed`,
    ).toEqual([]);
  });
});
