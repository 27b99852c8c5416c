import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { stopAllServices } from "@distlab/kit/harness";
import { afterEach, describe, expect, it } from "vitest";
import { kvClient, listAll, restartKv, show, startKv } from "./kv-client.ts";

afterEach(stopAllServices);

describe("acknowledged writes survive restarts (README steps 2 and 3)", () => {
  it("keeps every value, deletion and version across a clean restart [R01.2.4, R01.3.1]", async () => {
    const first = await startKv();
    const kv = kvClient(first.url);
    for (let i = 0; i < 50; i++) expect((await kv.put(`k${i}`, `v${i}`)).status).toBe(200);
    await kv.put("k7", "rewritten");
    await kv.del("k8");
    const before = await kv.get("k7");
    expect((await first.kill("SIGTERM")).code, "SIGTERM ends the service with exit code 0").toBe(0);

    const second = await restartKv(first);
    const after = kvClient(second.url);
    expect((await after.get("k7")).body).toEqual(before.body);
    expect((await after.get("k8")).status, "a deleted key stays deleted").toBe(404);
    expect((await after.get("k49")).body.value).toBe("v49");
    expect(await listAll(second.url)).toHaveLength(49);
  });

  it("keeps every acknowledged write when the process is killed with SIGKILL [R01.3.1]", async () => {
    const first = await startKv();
    const kv = kvClient(first.url);
    const acknowledged = new Map<string, string>();
    await Promise.all(
      Array.from({ length: 16 }, async (_, writer) => {
        for (let i = 0; i < 10; i++) {
          const key = `w${writer}-${i}`;
          const reply = await kv.put(key, `value ${writer}/${i}`);
          expect(reply.status, show(reply)).toBe(200);
          acknowledged.set(key, `value ${writer}/${i}`);
        }
      }),
    );
    await first.kill("SIGKILL");

    const second = await restartKv(first);
    const after = kvClient(second.url);
    for (const [key, value] of acknowledged) {
      const reply = await after.get(key);
      expect(reply.status, `acknowledged write ${key} is gone after kill -9: ${show(reply)}`).toBe(200);
      expect(reply.body.value).toBe(value);
    }
  });

  it("keeps versions increasing across a restart, so old versions never come back [R01.0.5, R01.P.11]", async () => {
    const first = await startKv();
    const kv = kvClient(first.url);
    await kv.put("a", "1");
    const last = await kv.put("b", "2");
    await kv.del("b");
    await first.kill("SIGKILL");
    const second = await restartKv(first);
    const next = await kvClient(second.url).put("c", "3");
    expect(next.body.version, "a write after restart gets a higher version than any before it").toBeGreaterThan(
      last.body.version,
    );
    const stale = await kvClient(second.url).put("b", "x", { "if-match": String(last.body.version) });
    expect(stale.status, "the deleted key's old version must not match").toBe(412);
  });

  it("keeps values with accents and emoji intact across a restart [R01.1.1, R01.P.1]", async () => {
    const first = await startKv();
    const kv = kvClient(first.url);
    const values = ["café", "naïve résumé", "猫 and ☕", "plain after them"];
    for (const [i, value] of values.entries()) expect((await kv.put(`text-${i}`, value)).status).toBe(200);
    await first.kill("SIGKILL");
    const after = kvClient((await restartKv(first)).url);
    for (const [i, value] of values.entries()) {
      const reply = await after.get(`text-${i}`);
      expect(reply.body?.value, `text-${i} after a restart: ${show(reply)}`).toBe(value);
    }
  });

  it("refuses to start, rather than start empty, when its log cannot be read [R01.2.5]", async () => {
    const first = await startKv();
    expect((await kvClient(first.url).put("kept", "v")).status).toBe(200);
    expect((await first.kill("SIGTERM")).code).toBe(0);
    // kv.log is now a folder: reading it fails with EISDIR, a real I/O error and not a missing log.
    await rename(join(first.dataDir, "kv.log"), join(first.dataDir, "kv.log.moved"));
    await mkdir(join(first.dataDir, "kv.log"));
    await expect(restartKv(first), "the store started although its log could not be read").rejects.toThrow(
      /exited .* before listening/,
    );
  });
});
