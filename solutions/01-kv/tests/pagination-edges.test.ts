import { stopAllServices } from "@distlab/kit/harness";
import { BURST_PATIENCE_MS } from "@distlab/kit/test-http";
import { afterEach, describe, expect, it } from "vitest";
import { kvClient, listAll, startKv } from "../../../labs/01-kv/tests/kv-client.ts";

afterEach(stopAllServices);

const keysOf = (reply: { body: { items: { key: string }[] } }) => reply.body.items.map((item) => item.key);

describe("pagination edge cases (README step 6)", () => {
  it("lists an empty store as one empty page [R01.0.8, R01.6.2]", async () => {
    const kv = kvClient((await startKv()).url);
    expect((await kv.list({})).body).toEqual({ items: [], next: null });
    expect((await kv.list({ limit: 1 })).body).toEqual({ items: [], next: null });
  });

  it("gives no cursor when the last page is exactly full [R01.0.8, R01.P.15]", async () => {
    const kv = kvClient((await startKv()).url);
    for (let i = 0; i < 6; i++) await kv.put(`p${i}`, "v");
    const first = await kv.list({ limit: 3 });
    const second = await kv.list({ limit: 3, cursor: first.body.next });
    expect(keysOf(second)).toEqual(["p3", "p4", "p5"]);
    expect(second.body.next, "an exactly full last page has no next cursor").toBeNull();
    expect((await kv.list({ limit: 6 })).body.next).toBeNull();
  });

  it("walks 25 keys one at a time, in order, each once [R01.6.2, R01.P.14]", async () => {
    const service = await startKv();
    const kv = kvClient(service.url);
    const keys = Array.from({ length: 25 }, (_, i) => `walk:${String(i).padStart(2, "0")}`);
    for (const key of [...keys].reverse()) await kv.put(key, key);
    expect(await listAll(service.url, { prefix: "walk:", limit: 1 })).toEqual(keys);
  });

  it("keeps a cursor valid when its key is deleted, and shows keys added after it [R01.6.1, R01.P.14]", async () => {
    const kv = kvClient((await startKv()).url);
    for (const key of ["a", "c", "e", "g"]) await kv.put(key, "v");
    const first = await kv.list({ limit: 2 });
    expect(keysOf(first)).toEqual(["a", "c"]);
    await kv.del("c");
    await kv.put("b", "before the cursor");
    await kv.put("d", "after the cursor");
    const second = await kv.list({ limit: 10, cursor: first.body.next });
    expect(keysOf(second)).toEqual(["d", "e", "g"]);
  });

  it("serves the largest page size, 1000, and continues after it [R01.0.8, R01.6.2]", async () => {
    const service = await startKv();
    const kv = kvClient(service.url, BURST_PATIENCE_MS);
    await Promise.all(Array.from({ length: 1100 }, (_, i) => kv.put(`bulk-${String(i).padStart(4, "0")}`, "v")));
    const first = await kv.list({ prefix: "bulk-", limit: 1000 });
    expect(keysOf(first)).toHaveLength(1000);
    const second = await kv.list({ prefix: "bulk-", limit: 1000, cursor: first.body.next });
    expect(keysOf(second)).toHaveLength(100);
    expect(keysOf(second)[0]).toBe("bulk-1000");
    expect(second.body.next).toBeNull();
  });

  it("stops at the end of the prefix even when more keys follow it [R01.6.1]", async () => {
    const kv = kvClient((await startKv()).url);
    for (const key of ["pre:1", "pre:2", "pre;", "prf", "pre"]) await kv.put(key, "v");
    const reply = await kv.list({ prefix: "pre:", limit: 2 });
    expect(keysOf(reply)).toEqual(["pre:1", "pre:2"]);
    expect(reply.body.next).toBeNull();
  });
});
