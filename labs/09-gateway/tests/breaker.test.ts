import type { Backend } from "@distlab/kit/backends";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  eventually,
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

const THRESHOLD = 3;
const OPEN_MS = 5_000;

beforeAll(async () => {
  [backend] = (await startBackends(1, "cb-")) as [Backend];
  gateway = await startGateway(
    routes(
      {
        fragile: staticUpstream([backend], {
          circuitBreaker: { failureThreshold: THRESHOLD, openMs: OPEN_MS, halfOpenRequests: 1 },
        }),
      },
      [{ id: "fragile", match: { prefix: "/" }, upstream: "fragile", retry: { attempts: 1 } }],
    ),
  );
});
// Every test starts with a closed breaker: a healthy backend, the open time over, one good request.
beforeEach(async () => {
  await backend.behave({});
  await gateway.advance(OPEN_MS);
  await gateway.send("/reset");
  await backend.resetStats();
});
afterAll(stopAll);

/** The gateway's own refusal (problem+json), not an upstream's 503 (plain JSON from the backend). */
function refusedByGateway(answer: Answer): boolean {
  return answer.status === 503 && String(answer.headers["content-type"]).startsWith("application/problem+json");
}

async function breakerState(): Promise<string> {
  return (await gateway.upstreams()).fragile.breaker;
}

async function openIt(): Promise<void> {
  await backend.behave({ status: 503 });
  const answers = await sequential(gateway, THRESHOLD, "/fail");
  expect(
    answers.every((answer) => answer.status === 503 && !refusedByGateway(answer)),
    "the failures come from the upstream",
  ).toBe(true);
}

describe("Step 6 — the circuit breaker", () => {
  it("opens after consecutive failures and then answers 503 with Retry-After at once, without calling the upstream [R09.6.1, R09.6.4]", async () => {
    await openIt();
    const refused = await sequential(gateway, 5, "/item");
    for (const answer of refused) {
      expect(refusedByGateway(answer), show(answer)).toBe(true);
      expect(answer.headers["retry-after"], "Retry-After: the seconds until the breaker lets a probe through").toBe(
        String(OPEN_MS / 1000),
      );
    }
    expect((await backend.stats()).requests, "the upstream saw only the failures that opened it").toBe(THRESHOLD);
    await gateway.advance(2_000);
    expect((await gateway.send("/item")).headers["retry-after"], "two seconds later, three are left").toBe("3");
    await gateway.advance(1_500);
    expect((await gateway.send("/item")).headers["retry-after"], "1.5 s left rounds up to 2").toBe("2");
  });

  it("counts only consecutive failures: a success in between starts the count again [R09.6.1]", async () => {
    for (const status of [503, 503, 200, 503, 503]) {
      await backend.behave({ status });
      await gateway.send("/item");
    }
    await backend.behave({});
    const answer = await gateway.send("/item");
    expect(answer.status, `four failures in all but never three in a row: ${show(answer)}`).toBe(200);
    expect(await breakerState()).toBe("closed");
  });

  it("lets one probe through once the open time is over, and closes when it succeeds [R09.6.2, R09.P.10]", async () => {
    await openIt();
    await backend.behave({});
    await gateway.advance(OPEN_MS - 1);
    expect(refusedByGateway(await gateway.send("/item")), "still open 1 ms before the time is up").toBe(true);
    await gateway.advance(1);
    expect(await breakerState()).toBe("half-open");
    const probe = await gateway.send("/item");
    expect(probe.status, `the probe goes to the upstream: ${show(probe)}`).toBe(200);
    expect(await breakerState(), "a good probe closes the breaker").toBe("closed");
    const after = await sequential(gateway, 5, "/item");
    expect(after.every((answer) => answer.status === 200)).toBe(true);
  });

  it("lets no more than halfOpenRequests probes through while half-open [R09.6.2, R09.P.11]", async () => {
    await openIt();
    await backend.behave({});
    await gateway.advance(OPEN_MS);
    await backend.resetStats();
    const slowProbe = gateway.send("/item", { headers: { "x-backend-delay-ms": "4000" } });
    await eventually(
      "the probe reaches the upstream",
      () => backend.stats(),
      (stats) => stats.inFlight === 1,
    );
    const second = await gateway.send("/item");
    expect(refusedByGateway(second), `a second request while the probe is out: ${show(second)}`).toBe(true);
    expect((await slowProbe).status).toBe(200);
    expect((await backend.stats()).requests, "only the probe reached the upstream").toBe(1);
  });

  it("opens again for another open time when the probe fails [R09.6.3]", async () => {
    await openIt();
    await gateway.advance(OPEN_MS);
    await backend.resetStats();
    const probe = await gateway.send("/item");
    expect(probe.status).toBe(503);
    expect(refusedByGateway(probe), "the probe went to the upstream, which failed").toBe(false);
    const after = await gateway.send("/item");
    expect(refusedByGateway(after), `open again: ${show(after)}`).toBe(true);
    expect(after.headers["retry-after"]).toBe(String(OPEN_MS / 1000));
    expect((await backend.stats()).requests).toBe(1);
  });
});
