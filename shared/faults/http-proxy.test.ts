import net from "node:net";
import { Agent, request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFaultProxy } from "./index.ts";
import type { FaultProxy, FaultProxyOptions, HttpRuleInput } from "./index.ts";
import { startRecordingUpstream, waitFor } from "./test-support.ts";
import type { RecordingUpstream } from "./test-support.ts";

let upstream: RecordingUpstream;
let proxy: FaultProxy | undefined;
let agent: Agent;

beforeEach(async () => {
  upstream = await startRecordingUpstream();
  agent = new Agent();
});

afterEach(async () => {
  await agent.destroy();
  await proxy?.close();
  proxy = undefined;
  await upstream.close();
});

async function startProxy(rules: HttpRuleInput[] = [], options: Partial<FaultProxyOptions> = {}): Promise<FaultProxy> {
  proxy = await startFaultProxy({ upstream: upstream.url, seed: 42, rules, ...options });
  return proxy;
}

type RequestOptions = NonNullable<Parameters<typeof request>[1]>;

async function send(path: string, options: Omit<RequestOptions, "dispatcher"> = {}) {
  if (proxy === undefined) throw new Error("start the proxy first");
  const response = await request(`${proxy.url}${path}`, { ...options, dispatcher: agent });
  return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
}

/** Sends a request that must fail; resolves with the error, rejects if a response came back. */
async function sendExpectingError(path: string, options: Omit<RequestOptions, "dispatcher"> = {}): Promise<Error> {
  const outcome = await send(path, options).then(
    (response) => ({ response }),
    (error: unknown) => ({ error: error as Error }),
  );
  if ("error" in outcome) return outcome.error;
  throw new Error(`expected ${path} to fail, but it got ${outcome.response.status}: ${outcome.response.body}`);
}

/** The error's code, or its cause's (undici wraps socket errors). */
function codeOf(error: Error): string | undefined {
  const withCode = error as Error & { code?: string; cause?: { code?: string } };
  return withCode.cause?.code ?? withCode.code;
}

describe("the HTTP fault proxy without rules", () => {
  it("forwards method, path, query, headers and body, and returns status, headers and body unchanged", async () => {
    await startProxy();
    const response = await send("/pets/7?color=red&size=s", {
      method: "PUT",
      headers: { "content-type": "application/json", "x-request-id": "abc-123" },
      body: JSON.stringify({ name: "Rex" }),
    });

    expect(upstream.processed).toHaveLength(1);
    const seen = upstream.processed[0];
    expect(seen?.method).toBe("PUT");
    expect(seen?.url).toBe("/pets/7?color=red&size=s");
    expect(seen?.headers["x-request-id"]).toBe("abc-123");
    expect(seen?.headers["content-type"]).toBe("application/json");
    expect(seen?.body).toBe('{"name":"Rex"}');

    expect(response.status).toBe(201);
    expect(response.headers["x-upstream"]).toBe("echo");
    expect(JSON.parse(response.body)).toMatchObject({
      method: "PUT",
      url: "/pets/7?color=red&size=s",
      body: '{"name":"Rex"}',
    });
  });

  it("answers 502 problem+json when the upstream is unreachable", async () => {
    await startProxy();
    await upstream.close();
    const response = await send("/pets");
    expect(response.status).toBe(502);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(response.body)).toMatchObject({ status: 502, title: "Bad gateway" });
  });
});

describe("the HTTP faults", () => {
  it("latency: the upstream receives the request no earlier than the fixed delay", async () => {
    await startProxy([{ fault: "latency", ms: 200, jitterMs: 50 }]);
    const sentAt = performance.now();
    const response = await send("/pets");
    expect(response.status).toBe(201);
    const arrivedAfter = (upstream.processed[0]?.arrivedAt ?? 0) - sentAt;
    expect(arrivedAfter, "the request reached the upstream before the 200 ms delay").toBeGreaterThanOrEqual(200);
  });

  it("drop-request: the upstream never sees the request, the client gets a connection error", async () => {
    await startProxy([{ fault: "drop-request" }]);
    const error = await sendExpectingError("/charges", { method: "POST", body: "{}" });
    expect(codeOf(error)).toBe("UND_ERR_SOCKET");
    expect(upstream.processed).toHaveLength(0);
  });

  it("drop-response: the upstream processes the request, the client gets an error instead of a response", async () => {
    await startProxy([{ fault: "drop-response" }]);
    const error = await sendExpectingError("/charges", { method: "POST", body: '{"amount":10}' });
    expect(codeOf(error)).toBe("UND_ERR_SOCKET");
    expect(upstream.processed).toHaveLength(1);
    expect(upstream.processed[0]?.body).toBe('{"amount":10}');
  });

  it("reset: the client sees its connection reset, the upstream sees nothing", async () => {
    await startProxy([{ fault: "reset" }]);
    const error = await sendExpectingError("/charges", { method: "POST", body: "{}" });
    expect(codeOf(error)).toBe("ECONNRESET");
    expect(upstream.processed).toHaveLength(0);
  });

  it("blackhole: nothing comes back until the client's own timeout fires, the upstream sees nothing", async () => {
    await startProxy([{ fault: "blackhole" }]);
    const error = await sendExpectingError("/charges", {
      method: "POST",
      body: "{}",
      signal: AbortSignal.timeout(300),
    });
    expect(error.name).toBe("TimeoutError");
    expect(upstream.processed).toHaveLength(0);
  });

  it("blackhole: closing the proxy frees the held socket", async () => {
    const { port } = await startProxy([{ fault: "blackhole" }]);
    const socket = net.connect(port, "127.0.0.1");
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => {});
    socket.write("GET /pets HTTP/1.1\r\nHost: proxy\r\n\r\n");
    await waitFor("the proxy to take the request", () => (proxy?.stats().requests ?? 0) === 1);

    await proxy?.close();
    await closed;
    expect(socket.destroyed).toBe(true);
  });

  it.each(["sequential", "concurrent"] as const)(
    "duplicate (%s): the upstream processes the request twice, the client gets one response",
    async (mode) => {
      await startProxy([{ fault: "duplicate", mode }]);
      const response = await send("/charges", {
        method: "POST",
        headers: { "idempotency-key": "k1" },
        body: '{"amount":5}',
      });
      expect(response.status).toBe(201);
      expect(JSON.parse(response.body)).toMatchObject({ body: '{"amount":5}' });
      expect(upstream.processed.map((seen) => [seen.url, seen.headers["idempotency-key"], seen.body])).toEqual([
        ["/charges", "k1", '{"amount":5}'],
        ["/charges", "k1", '{"amount":5}'],
      ]);
    },
  );

  it("bandwidth: a 2000-byte response at 4000 bytes/s takes at least half a second", async () => {
    await startProxy([{ fault: "bandwidth", bytesPerSecond: 4000 }]);
    const startedAt = performance.now();
    const response = await send("/bytes/2000");
    const elapsed = performance.now() - startedAt;
    expect(response.body).toBe("x".repeat(2000));
    expect(elapsed, "the response arrived faster than 4000 bytes/s allows").toBeGreaterThanOrEqual(500);
  });

  it("bandwidth: a 1000-byte request body at 4000 bytes/s reaches the upstream no sooner than 250 ms", async () => {
    await startProxy([{ fault: "bandwidth", bytesPerSecond: 4000 }]);
    const sentAt = performance.now();
    await send("/uploads", { method: "POST", body: "y".repeat(1000) });
    const seen = upstream.processed[0];
    expect(seen?.body).toBe("y".repeat(1000));
    expect(
      (seen?.bodyEndedAt ?? 0) - sentAt,
      "the body arrived faster than 4000 bytes/s allows",
    ).toBeGreaterThanOrEqual(250);
  });
});

describe("which requests a rule hits", () => {
  /** Sends each request and says whether it came back (true) or was dropped (false). */
  async function outcomes(requests: [method: string, path: string][]): Promise<boolean[]> {
    const results: boolean[] = [];
    for (const [method, path] of requests) {
      results.push(
        await send(path, { method }).then(
          () => true,
          () => false,
        ),
      );
    }
    return results;
  }

  it("a rule on one route leaves the other routes alone", async () => {
    await startProxy([{ fault: "drop-request", route: { method: "post", path: "/charges" } }]);
    const results = await outcomes([
      ["POST", "/charges"],
      ["POST", "/charges/7?x=1"],
      ["GET", "/charges"],
      ["POST", "/chargesheet"],
      ["POST", "/pets"],
    ]);
    expect(results).toEqual([false, false, true, true, true]);
  });

  it("a RegExp route matches the path without its query string", async () => {
    await startProxy([{ fault: "drop-request", route: { path: /^\/charges\/\d+$/ } }]);
    const results = await outcomes([
      ["GET", "/charges/12?verbose=1"],
      ["GET", "/charges/abc"],
      ["GET", "/charges"],
    ]);
    expect(results).toEqual([false, true, true]);
    expect(proxy?.rules()[0]?.route).toEqual({ pathRegex: "^\\/charges\\/\\d+$" });
  });

  it("times: N faults exactly the next N matching requests, then stops", async () => {
    await startProxy([{ fault: "drop-request", times: 2 }]);
    expect(await outcomes(Array.from({ length: 5 }, () => ["GET", "/pets"] as [string, string]))).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(proxy?.stats().rules).toEqual([{ id: "rule-1", fault: "drop-request", matched: 2, fired: 2, remaining: 0 }]);
  });

  it("probability: the same seed drops the same requests, in about the right proportion", async () => {
    const run = async (): Promise<boolean[]> => {
      await startProxy([{ fault: "drop-request", probability: 0.3 }], { seed: 2024 });
      const results = await outcomes(Array.from({ length: 50 }, () => ["GET", "/pets"] as [string, string]));
      await proxy?.close();
      return results;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    const dropped = first.filter((ok) => !ok).length;
    expect(dropped, `seed 2024 dropped ${dropped} of 50 at probability 0.3`).toBeGreaterThanOrEqual(8);
    expect(dropped, `seed 2024 dropped ${dropped} of 50 at probability 0.3`).toBeLessThanOrEqual(22);
  });

  it("counts what it did, per rule and per fault", async () => {
    await startProxy([
      { id: "slow", fault: "latency", ms: 1 },
      { id: "twice", fault: "duplicate", route: { path: "/charges" } },
    ]);
    await send("/charges", { method: "POST" });
    await send("/pets");
    expect(proxy?.stats()).toEqual({
      requests: 2,
      forwarded: 3,
      upstreamErrors: 0,
      faults: { latency: 2, duplicate: 1 },
      rules: [
        { id: "slow", fault: "latency", matched: 2, fired: 2, remaining: null },
        { id: "twice", fault: "duplicate", matched: 1, fired: 1, remaining: null },
      ],
    });
  });
});
