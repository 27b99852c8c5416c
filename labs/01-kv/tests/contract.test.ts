import { stopAllServices } from "@distlab/kit/harness";
import { burst } from "@distlab/kit/test-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kvClient, show, startKv } from "./kv-client.ts";

let kv: ReturnType<typeof kvClient>;
let base: string;

beforeAll(async () => {
  base = (await startKv()).url;
  kv = kvClient(base);
});
afterAll(stopAllServices);

describe("the KV contract (README step 5)", () => {
  it("stores a value with PUT and returns it with GET, with its version [R01.0.4, R01.4.2, R01.5.1, R01.5.3]", async () => {
    const put = await kv.put("greeting", "hello");
    expect(put.status, show(put)).toBe(200);
    expect(put.body).toEqual({ key: "greeting", version: expect.any(Number) });
    const get = await kv.get("greeting");
    expect(get.status, show(get)).toBe(200);
    expect(get.body).toEqual({ key: "greeting", value: "hello", version: put.body.version });
  });

  it("gives every write a higher version than the one before [R01.0.5]", async () => {
    const first = await kv.put("counter", "1");
    const second = await kv.put("counter", "2");
    const other = await kv.put("elsewhere", "x");
    expect(second.body.version, show(second)).toBeGreaterThan(first.body.version);
    expect(other.body.version, show(other)).toBeGreaterThan(second.body.version);
    expect((await kv.get("counter")).body.value).toBe("2");
  });

  it("answers 404 with a problem for a key that was never written [R01.0.9, R01.5.3, R01.P.12]", async () => {
    const get = await kv.get("never-written");
    expect(get.status, show(get)).toBe(404);
    expect(get.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(get.body).toMatchObject({ status: 404, title: expect.any(String) });
  });

  it("deletes with 204, then answers 404 to GET and to a second DELETE [R01.4.3, R01.5.4]", async () => {
    await kv.put("doomed", "bye");
    const del = await kv.del("doomed");
    expect(del.status, show(del)).toBe(204);
    expect(del.text).toBe("");
    expect((await kv.get("doomed")).status).toBe(404);
    const again = await kv.del("doomed");
    expect(again.status, show(again)).toBe(404);
  });

  it("keeps empty strings, unicode and large values exactly [R01.0.2, R01.1.1]", async () => {
    const values = ["", "café ☕ 猫", "x".repeat(60_000), '{"nested":"json as text"}'];
    for (const [index, value] of values.entries()) {
      const put = await kv.put(`exact-${index}`, value);
      expect(put.status, show(put)).toBe(200);
      expect((await kv.get(`exact-${index}`)).body.value).toBe(value);
    }
  });

  it("generates a fresh key for POST /kv and answers 201 with a Location [R01.0.4, R01.5.2]", async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const post = await kv.post(`generated ${i}`);
      expect(post.status, show(post)).toBe(201);
      expect(post.body.key).toMatch(/^[A-Za-z0-9._~:-]{1,250}$/);
      expect(post.headers.location).toBe(`/kv/${post.body.key}`);
      keys.add(post.body.key);
      expect((await kv.get(post.body.key)).body.value).toBe(`generated ${i}`);
    }
    expect(keys.size).toBe(20);
  });

  it("answers each of 32 concurrent writes with the version it stored [R01.4.2, R01.P.8]", async () => {
    // One pipelined burst (see `burst`): all 32 are in the store before the first one's sync returns.
    const replies = await burst(
      base,
      Array.from({ length: 32 }, (_, i) => ({
        method: "PUT" as const,
        path: `/kv/concurrent-${i}`,
        json: { value: `v${i}` },
      })),
    );
    const versions = replies.map((reply) => reply.body?.version);
    expect(new Set(versions).size, `the 32 writes were answered with versions ${versions.join(", ")}`).toBe(32);
    for (const [i, reply] of replies.entries()) {
      const stored = await kv.get(`concurrent-${i}`);
      expect(reply.body?.version, `concurrent-${i}: the PUT's answer and the stored version differ`).toBe(
        stored.body.version,
      );
    }
  });
});
