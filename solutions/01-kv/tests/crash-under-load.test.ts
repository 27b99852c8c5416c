import { stopAllServices } from "@distlab/kit/harness";
import { afterEach, describe, expect, it } from "vitest";
import { call, kvClient, restartKv, startKv } from "../../../labs/01-kv/tests/kv-client.ts";

afterEach(stopAllServices);

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Every key with its value and version, read through the listing. */
async function snapshot(base: string): Promise<Map<string, { value: string; version: number }>> {
  const all = new Map<string, { value: string; version: number }>();
  let cursor: string | null = null;
  do {
    const query: string = `/kv?limit=1000${cursor ? `&cursor=${cursor}` : ""}`;
    const reply = await call(base, "GET", query);
    if (reply.status !== 200) throw new Error(`GET ${query} answered ${reply.status}`);
    for (const item of reply.body.items) all.set(item.key, { value: item.value, version: item.version });
    cursor = reply.body.next;
  } while (cursor);
  return all;
}

describe("kill -9 in the middle of a write load", () => {
  it("keeps every acknowledged new key, three crashes in a row [R01.3.1, R01.2.3]", async () => {
    let service = await startKv();
    const acknowledged = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      const kv = kvClient(service.url);
      let crashed = false;
      const ackedThisRound = () => [...acknowledged.keys()].filter((key) => key.startsWith(`r${round}-`)).length;
      const writers = Array.from({ length: 32 }, async (_, writer) => {
        for (let i = 0; !crashed && i < 10_000; i++) {
          const key = `r${round}-w${writer}-${i}`;
          const value = `${key}:${"x".repeat(i % 50)}`;
          try {
            const reply = await kv.put(key, value);
            if (reply.status === 200) acknowledged.set(key, value);
          } catch {
            return; // the connection died with the process: this write was never acknowledged
          }
        }
      });
      await waitFor(() => ackedThisRound() >= 400, `400 acknowledged writes in round ${round}`);
      crashed = true;
      await service.kill("SIGKILL");
      await Promise.all(writers);
      service = await restartKv(service);
      const stored = await snapshot(service.url);
      const lost = [...acknowledged].filter(([key, value]) => stored.get(key)?.value !== value);
      expect(
        lost.slice(0, 5),
        `round ${round}: ${lost.length} of ${acknowledged.size} acknowledged writes are lost or changed`,
      ).toEqual([]);
    }
  });

  it("never goes back to an older version of an acknowledged overwrite [R01.3.1, R01.0.5]", async () => {
    const service = await startKv();
    const kv = kvClient(service.url);
    const latest = new Map<string, { value: string; version: number }>();
    let crashed = false;
    let acks = 0;
    const writers = Array.from({ length: 24 }, async (_, writer) => {
      for (let i = 0; !crashed && i < 10_000; i++) {
        const key = `hot-${(writer + i) % 8}`;
        const value = `writer ${writer} write ${i}`;
        try {
          const reply = await kv.put(key, value);
          if (reply.status !== 200) continue;
          acks++;
          const known = latest.get(key);
          if (!known || known.version < reply.body.version) latest.set(key, { value, version: reply.body.version });
        } catch {
          return;
        }
      }
    });
    await waitFor(() => acks >= 500, "500 acknowledged overwrites");
    crashed = true;
    await service.kill("SIGKILL");
    await Promise.all(writers);
    const after = kvClient((await restartKv(service)).url);
    for (const [key, acked] of latest) {
      const reply = await after.get(key);
      expect(reply.status, `${key} is missing after the crash`).toBe(200);
      expect(reply.body.version, `${key} went back to an older version`).toBeGreaterThanOrEqual(acked.version);
      if (reply.body.version === acked.version) expect(reply.body.value).toBe(acked.value);
    }
  });
});
