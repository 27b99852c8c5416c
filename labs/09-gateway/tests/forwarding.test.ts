import type { Backend } from "@distlab/kit/backends";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  echoOf,
  resetAll,
  routes,
  startBackends,
  startGateway,
  staticUpstream,
  stopAll,
  type GatewayUnderTest,
} from "./gateway.ts";
import { sendRaw, show } from "./http.ts";

let backend: Backend;
let gateway: GatewayUnderTest;

const ROUTE_TIMEOUT_MS = 2_000;

beforeAll(async () => {
  [backend] = (await startBackends(1, "fwd-")) as [Backend];
  gateway = await startGateway(
    routes({ shop: staticUpstream([backend]) }, [
      { id: "slow", match: { prefix: "/slow" }, upstream: "shop", timeoutMs: 300, retry: { attempts: 1 } },
      { id: "shop", match: { prefix: "/" }, upstream: "shop", timeoutMs: ROUTE_TIMEOUT_MS },
    ]),
  );
});
beforeEach(() => resetAll([backend]));
afterAll(stopAll);

describe("Step 2 — what crosses the gateway in headers", () => {
  it("drops hop-by-hop headers, and the headers a Connection header names, keeps the others [R09.2.5]", async () => {
    // Sent with node:http: undici refuses to send hop-by-hop headers at all.
    const echo = echoOf(
      await sendRaw(gateway.url, "/headers", {
        connection: "keep-alive, x-hop-secret",
        "x-hop-secret": "for the gateway only",
        "keep-alive": "timeout=5",
        "proxy-connection": "keep-alive",
        te: "trailers",
        "x-shop-custom": "kept",
      }),
    );
    for (const name of ["x-hop-secret", "keep-alive", "proxy-connection", "te"]) {
      expect(echo.headers[name], `${name} reached the upstream`).toBeUndefined();
    }
    expect(echo.headers["x-shop-custom"], "an end-to-end header is forwarded").toBe("kept");
  });

  it("passes a well-formed x-request-id on, makes one up otherwise, and returns it to the client [R09.2.6]", async () => {
    const kept = await gateway.send("/ids", { headers: { "x-request-id": "order-42.retry:1" } });
    expect(echoOf(kept).headers["x-request-id"]).toBe("order-42.retry:1");
    expect(kept.headers["x-request-id"], "the client sees the id too").toBe("order-42.retry:1");
    for (const bad of ["has spaces in it", "x".repeat(129)]) {
      const replaced = await gateway.send("/ids", { headers: { "x-request-id": bad } });
      const upstreamId = echoOf(replaced).headers["x-request-id"];
      expect(upstreamId, `a malformed id (${bad.slice(0, 20)}…) is replaced`).toMatch(/^[A-Za-z0-9._~:-]{1,128}$/);
      expect(upstreamId).not.toBe(bad);
      expect(replaced.headers["x-request-id"], "the client sees the id the upstream got").toBe(upstreamId);
    }
    const [first, second] = [await gateway.send("/ids"), await gateway.send("/ids")];
    expect(echoOf(first).headers["x-request-id"], "each request gets its own id").not.toBe(
      echoOf(second).headers["x-request-id"],
    );
  });

  it("continues a valid traceparent with a new parent id, and starts a trace otherwise [R09.2.7]", async () => {
    const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const continued = echoOf(await gateway.send("/trace", { headers: { traceparent: incoming } })).headers
      .traceparent as string;
    expect(continued).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(continued, "the gateway is a hop: a new parent id").not.toBe(incoming);
    for (const invalid of [
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      "garbage",
    ]) {
      const fresh = echoOf(await gateway.send("/trace", { headers: { traceparent: invalid } })).headers
        .traceparent as string;
      expect(fresh, `after ${invalid}`).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(fresh.slice(3, 35), "a new trace id").not.toBe(invalid.slice(3, 35).toLowerCase());
      expect(fresh.slice(3, 35)).not.toBe("0".repeat(32));
    }
    const started = echoOf(await gateway.send("/trace")).headers.traceparent;
    expect(started, "a request without one starts a trace").toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it("tells the upstream who asked: X-Forwarded-For, -Proto and -Host [R09.2.8]", async () => {
    const echo = echoOf(
      await gateway.send("/who", { headers: { host: "shop.example:8080", "x-forwarded-for": "203.0.113.9" } }),
    );
    expect(echo.headers["x-forwarded-for"], "the client's address is appended to the list").toBe(
      "203.0.113.9, 127.0.0.1",
    );
    expect(echo.headers["x-forwarded-proto"]).toBe("http");
    expect(echo.headers["x-forwarded-host"]).toBe("shop.example:8080");
    const direct = echoOf(await gateway.send("/who"));
    expect(direct.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });
});

describe("Step 2 — deadlines", () => {
  it("passes the time left on to the upstream in x-request-timeout-ms, never more than asked [R09.2.9, R09.P.18]", async () => {
    const left = Number(echoOf(await gateway.send("/deadline")).headers["x-request-timeout-ms"]);
    expect(left, "the route's timeout bounds it").toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(ROUTE_TIMEOUT_MS);
    const shorter = Number(
      echoOf(await gateway.send("/deadline", { headers: { "x-request-timeout-ms": "500" } })).headers[
        "x-request-timeout-ms"
      ],
    );
    expect(shorter, "the client's own, shorter deadline wins").toBeGreaterThan(0);
    expect(shorter).toBeLessThanOrEqual(500);
    const longer = Number(
      echoOf(await gateway.send("/deadline", { headers: { "x-request-timeout-ms": "600000" } })).headers[
        "x-request-timeout-ms"
      ],
    );
    expect(longer, "a client cannot extend the route's timeout").toBeLessThanOrEqual(ROUTE_TIMEOUT_MS);
  });

  it("refuses a malformed x-request-timeout-ms with 400 instead of ignoring it [R09.2.9]", async () => {
    for (const bad of ["soon", "-5", "0", "1.5"]) {
      const answer = await gateway.send("/deadline", { headers: { "x-request-timeout-ms": bad } });
      expect(answer.status, `x-request-timeout-ms: ${bad} → ${show(answer)}`).toBe(400);
    }
    expect((await backend.stats()).requests, "none of them was forwarded").toBe(0);
  });

  it("answers 504 problem+json when the upstream does not answer within the route's timeout [R09.2.10]", async () => {
    // The route gives 300 ms; the backend would answer after 15 s; the test waits 12 s at most.
    const answer = await gateway.send("/slow", { headers: { "x-backend-delay-ms": "15000" }, timeoutMs: 12_000 });
    expect(answer.status, show(answer)).toBe(504);
    expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(answer.json?.status).toBe(504);
  });
});
