import type { Backend } from "@distlab/kit/backends";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
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

let backends: Backend[];
let gateway: GatewayUnderTest;

// Time on the gateway is manual: health checks run when the test moves the clock, and only then.
const INTERVAL_MS = 1_000;
const EJECTION_MS = 10_000;

beforeAll(async () => {
  backends = await startBackends(3, "hc-");
  gateway = await startGateway(
    routes(
      {
        checked: staticUpstream(backends, {
          healthCheck: {
            path: "/health",
            intervalMs: INTERVAL_MS,
            timeoutMs: 2_000,
            unhealthyThreshold: 2,
            healthyThreshold: 2,
          },
        }),
        passive: staticUpstream(backends, {
          outlierDetection: { consecutiveFailures: 3, baseEjectionMs: EJECTION_MS, maxEjectionPercent: 34 },
        }),
      },
      [
        { id: "checked", match: { prefix: "/checked" }, upstream: "checked", retry: { attempts: 1 } },
        { id: "passive", match: { prefix: "/passive" }, upstream: "passive", retry: { attempts: 1 } },
      ],
    ),
  );
});
beforeEach(async () => {
  await Promise.all(backends.map((backend) => backend.behave({})));
  // Whatever an earlier test left ejected or unhealthy comes back.
  await gateway.advance(EJECTION_MS * 10 + INTERVAL_MS * 3);
  await resetAll(backends);
});
afterAll(stopAll);

describe("Step 4 — active health checks", () => {
  it("probes every instance once per interval of the gateway's clock, not more [R09.4.2]", async () => {
    await gateway.advance(INTERVAL_MS - 1);
    const before = await Promise.all(backends.map(async (backend) => (await backend.stats()).healthChecks));
    expect(before, "no probe before the interval is over").toEqual([0, 0, 0]);
    await gateway.advance(1 + 2 * INTERVAL_MS);
    const after = await Promise.all(backends.map(async (backend) => (await backend.stats()).healthChecks));
    expect(after, "three intervals: three probes each").toEqual([3, 3, 3]);
  });

  it("takes an instance out after unhealthyThreshold failed probes and back after healthyThreshold good ones [R09.4.1, R09.P.7]", async () => {
    const [sick] = backends as [Backend];
    await sick.behave({ health: 503 });
    await gateway.advance(INTERVAL_MS);
    await resetAll(backends);
    await sequential(gateway, 9, "/checked/item");
    expect((await requestCounts(backends))["hc-1"], "one failed probe is not enough (threshold 2)").toBe(3);

    await gateway.advance(INTERVAL_MS);
    await resetAll(backends);
    await sequential(gateway, 10, "/checked/item");
    expect(await requestCounts(backends), "after the second failed probe it gets nothing").toEqual({
      "hc-1": 0,
      "hc-2": 5,
      "hc-3": 5,
    });

    await sick.behave({ health: 200 });
    await gateway.advance(INTERVAL_MS);
    await resetAll(backends);
    await sequential(gateway, 10, "/checked/item");
    expect((await requestCounts(backends))["hc-1"], "one good probe is not enough (threshold 2)").toBe(0);
    await gateway.advance(INTERVAL_MS);
    await resetAll(backends);
    await sequential(gateway, 9, "/checked/item");
    expect((await requestCounts(backends))["hc-1"], "after the second good probe it is back").toBe(3);
  });
});

describe("Step 4 — passive outlier ejection", () => {
  it("ejects an instance after consecutive failures, for the ejection time of the gateway's clock [R09.4.3]", async () => {
    const [failing] = backends as [Backend];
    await failing.behave({ status: 503 });
    const answers = await sequential(gateway, 9, "/passive/item");
    expect(
      answers.filter((answer) => answer.status === 503),
      "three failures reach the client (no retries here)",
    ).toHaveLength(3);
    await resetAll(backends);
    await sequential(gateway, 20, "/passive/item");
    expect((await requestCounts(backends))["hc-1"], "the ejected instance gets nothing").toBe(0);

    await failing.behave({});
    await gateway.advance(EJECTION_MS - 1);
    await resetAll(backends);
    await sequential(gateway, 10, "/passive/item");
    expect((await requestCounts(backends))["hc-1"], "still ejected 1 ms before the time is up").toBe(0);
    await gateway.advance(1);
    await resetAll(backends);
    await sequential(gateway, 30, "/passive/item");
    expect((await requestCounts(backends))["hc-1"], "back once the ejection time is over").toBe(10);
  });

  it("never ejects more than maxEjectionPercent of the instances [R09.4.4, R09.P.6]", async () => {
    await Promise.all(backends.slice(0, 2).map((backend) => backend.behave({ status: 503 })));
    await sequential(gateway, 30, "/passive/item");
    const view = await gateway.upstreams();
    const ejected = view.passive.instances.filter((instance: { ejected: boolean }) => instance.ejected);
    expect(ejected, "34 % of 3 instances: one ejection at most").toHaveLength(1);
  });

  it("a success ends a streak of failures [R09.4.3]", async () => {
    const [flaky] = backends as [Backend];
    // Two failures, a success, two failures: never three in a row.
    for (const status of [503, 503, 200, 503, 503]) {
      await flaky.behave({ status });
      await sequential(gateway, 3, "/passive/item");
    }
    await flaky.behave({});
    await resetAll(backends);
    await sequential(gateway, 9, "/passive/item");
    expect((await requestCounts(backends))["hc-1"]).toBe(3);
  });
});
