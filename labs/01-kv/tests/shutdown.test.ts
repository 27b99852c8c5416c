import { stopAllServices } from "@distlab/kit/harness";
import { afterEach, describe, expect, it } from "vitest";
import { kvClient, restartKv, startKv } from "./kv-client.ts";

afterEach(stopAllServices);

describe("graceful shutdown (README step 8)", () => {
  it("finishes in-flight writes on SIGTERM, exits 0, and every acknowledged write is on disk", async () => {
    const service = await startKv();
    const kv = kvClient(service.url);
    await kv.put("warm", "up");
    const writes = Array.from({ length: 200 }, (_, i) =>
      kv.put(`inflight-${i}`, `v${i}`).then(
        (reply) => ({ key: `inflight-${i}`, status: reply.status }),
        () => ({ key: `inflight-${i}`, status: 0 }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    const exit = await service.kill("SIGTERM");
    const results = await Promise.all(writes);
    expect(exit, "the service exits by itself with code 0 after SIGTERM").toEqual({ code: 0, signal: null });
    for (const result of results) {
      expect([0, 200, 503], `a write during shutdown got HTTP ${result.status}`).toContain(result.status);
    }

    const after = kvClient((await restartKv(service)).url);
    for (const result of results.filter((r) => r.status === 200)) {
      expect((await after.get(result.key)).status, `${result.key} was acknowledged before shutdown`).toBe(200);
    }
  });

  it("stops accepting connections once it has exited", async () => {
    const service = await startKv();
    await service.kill("SIGTERM");
    await expect(kvClient(service.url).get("anything")).rejects.toThrow();
  });
});
