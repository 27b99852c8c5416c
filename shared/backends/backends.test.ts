import { afterAll, describe, expect, it } from "vitest";
import { startBackend, stopAllBackends } from "./index.ts";

afterAll(stopAllBackends);

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("test backends", () => {
  it("echo what reached them and count it, apart from their own paths", async () => {
    const backend = await startBackend({ instance: "echo" });
    const echo = await get(`${backend.url}/pets/7?x=1`, { "x-request-id": "r-1", "idempotency-key": "k-1" });
    expect(echo.status).toBe(200);
    expect(echo.body).toMatchObject({ instance: "echo", method: "GET", url: "/pets/7?x=1" });
    expect((echo.body.headers as Record<string, string>)["x-request-id"]).toBe("r-1");
    await get(`${backend.url}/health`);
    const stats = await backend.stats();
    expect(stats).toMatchObject({ requests: 1, healthChecks: 1, inFlight: 0 });
    expect(stats.log).toEqual([
      expect.objectContaining({ url: "/pets/7?x=1", requestId: "r-1", idempotencyKey: "k-1" }),
    ]);
  });

  it("answer late, fail, report ill health or hang up when told to, per request or for good", async () => {
    const backend = await startBackend({ instance: "moody" });
    expect((await get(`${backend.url}/x`, { "x-backend-status": "503" })).status).toBe(503);
    const started = Date.now();
    await get(`${backend.url}/x`, { "x-backend-delay-ms": "200" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await expect(get(`${backend.url}/x`, { "x-backend-hangup": "1" })).rejects.toThrow();
    await backend.behave({ status: 502, health: 503 });
    expect((await get(`${backend.url}/x`)).status).toBe(502);
    expect((await get(`${backend.url}/health`)).status).toBe(503);
    await backend.behave({});
    expect((await get(`${backend.url}/x`)).status).toBe(200);
    await expect(backend.behave({ colour: "blue" } as never)).rejects.toThrow(/unknown field 'colour'/);
  });

  it("die with kill -9 and come back on the same port", async () => {
    const backend = await startBackend({ instance: "phoenix" });
    await backend.kill();
    await expect(get(`${backend.url}/x`)).rejects.toThrow();
    const again = await backend.restart();
    expect(again.url).toBe(backend.url);
    expect((await get(`${again.url}/x`)).body.instance).toBe("phoenix");
  });
});
