// Conformance cases of the KV endpoints (see conformance.test.ts).
import { expect, it } from "vitest";
import { unique } from "./test-support.ts";
import type { Ctx } from "./conformance-context.ts";

export function kvCases(ctx: Ctx) {
  it("stores raw bytes under a percent-decoded key and answers them in base64", async () => {
    const { http, consul } = ctx();
    const key = `${unique("conf")}/a:b`;
    expect((await http("PUT", `/v1/kv/${encodeURIComponent(key)}`, "héllo")).json).toBe(true);
    const reply = await http("GET", `/v1/kv/${key}`);
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^application\/json/);
    const [entry] = reply.json as { Key: string; Value: string; Flags: number; CreateIndex: number }[];
    expect(entry!.Key).toBe(key);
    expect(Buffer.from(entry!.Value, "base64").toString("utf8")).toBe("héllo");
    expect((await consul.kv.get(key))?.Value).toBe("héllo");
  });

  it("answers 404 for a missing key, still with an X-Consul-Index to block on", async () => {
    const { http, consul } = ctx();
    const reply = await http("GET", `/v1/kv/${unique("missing")}`);
    expect(reply.status).toBe(404);
    expect(reply.index).toBeGreaterThanOrEqual(1);
    expect(await consul.kv.get(unique("missing"))).toBeUndefined();
  });

  it("cas=0 writes only a missing key and cas=N only a key still at ModifyIndex N", async () => {
    const { http, consul } = ctx();
    const key = unique("cas");
    expect((await http("PUT", `/v1/kv/${key}?cas=0`, "v1")).json).toBe(true);
    expect((await http("PUT", `/v1/kv/${key}?cas=0`, "v2")).json, "cas=0 on an existing key").toBe(false);
    const entry = (await consul.kv.get(key))!;
    expect(entry.Value).toBe("v1");
    expect((await http("PUT", `/v1/kv/${key}?cas=${entry.ModifyIndex + 1000}`, "v3")).json).toBe(false);
    expect((await http("PUT", `/v1/kv/${key}?cas=${entry.ModifyIndex}`, "v3")).json).toBe(true);
    const after = (await consul.kv.get(key))!;
    expect(after.Value).toBe("v3");
    expect(after.ModifyIndex).toBeGreaterThan(entry.ModifyIndex);
    expect(after.CreateIndex).toBe(entry.CreateIndex);
  });

  it("a refused CAS is `false` on the wire but resolves to undefined through the consul client", async () => {
    const { consul } = ctx();
    const key = unique("gotcha");
    expect(await consul.kv.set({ key, value: "a", cas: 0 } as never)).toBe(true);
    const refused = await consul.kv.set({ key, value: "b", cas: 0 } as never);
    expect(refused, "papi drops a falsy body: test with !ok, never === false").toBeUndefined();
  });

  it("lists a prefix with recurse, cuts keys at the separator, and answers 404 for an empty prefix", async () => {
    const { http } = ctx();
    const root = unique("tree");
    for (const key of ["a", "b/c", "b/d", "e/f/g"]) await http("PUT", `/v1/kv/${root}/${key}`, key);
    const listed = (await http("GET", `/v1/kv/${root}/?recurse`)).json as { Key: string }[];
    expect(listed.map((entry) => entry.Key)).toEqual(["a", "b/c", "b/d", "e/f/g"].map((key) => `${root}/${key}`));
    const keys = (await http("GET", `/v1/kv/${root}/?keys&separator=/`)).json;
    expect(keys).toEqual([`${root}/a`, `${root}/b/`, `${root}/e/`]);
    expect((await http("GET", `/v1/kv/${unique("nothing")}/?recurse`)).status).toBe(404);
    expect((await http("GET", `/v1/kv/${unique("nothing")}/?keys`)).status).toBe(404);
  });

  it("deletes one key, a prefix with recurse, and with cas only at that index (cas=0 never deletes)", async () => {
    const { http, consul } = ctx();
    const root = unique("del");
    for (const key of ["x", "y/1", "y/2"]) await http("PUT", `/v1/kv/${root}/${key}`, "v");
    const x = (await consul.kv.get(`${root}/x`))!;
    expect((await http("DELETE", `/v1/kv/${root}/x?cas=0`)).json).toBe(false);
    expect((await http("DELETE", `/v1/kv/${root}/x?cas=${x.ModifyIndex + 1000}`)).json).toBe(false);
    expect((await http("DELETE", `/v1/kv/${root}/x?cas=${x.ModifyIndex}`)).json).toBe(true);
    expect(await consul.kv.get(`${root}/x`)).toBeUndefined();
    expect((await http("DELETE", `/v1/kv/${root}/y?recurse`)).json).toBe(true);
    expect((await http("GET", `/v1/kv/${root}/?recurse`)).status).toBe(404);
  });

  it("reads an empty value as null, answers ?raw with the bare value, and keeps flags", async () => {
    const { http } = ctx();
    const key = unique("shape");
    await http("PUT", `/v1/kv/${key}?flags=42`, "");
    const [entry] = (await http("GET", `/v1/kv/${key}`)).json as { Value: unknown; Flags: number }[];
    expect(entry!.Value).toBeNull();
    expect(entry!.Flags).toBe(42);
    await http("PUT", `/v1/kv/${key}`, "plain text");
    const bare = await http("GET", `/v1/kv/${key}?raw`);
    expect(bare.text).toBe("plain text");
    expect((bare.json as unknown) ?? null).toBeNull();
  });

  it("never moves an index backwards: a prefix's index stays past a key deleted under it", async () => {
    const { http } = ctx();
    const root = unique("mono");
    await http("PUT", `/v1/kv/${root}/a`, "1");
    await http("PUT", `/v1/kv/${root}/b`, "2");
    const before = (await http("GET", `/v1/kv/${root}/?recurse`)).index!;
    await http("DELETE", `/v1/kv/${root}/b`);
    const after = (await http("GET", `/v1/kv/${root}/?recurse`)).index!;
    expect(after, "the deletion is a change: the index must grow, not fall back to a's").toBeGreaterThan(before);
  });

  it("blocks a GET at the current index until the next write, then answers it with a higher index", async () => {
    const { http } = ctx();
    const key = unique("block");
    await http("PUT", `/v1/kv/${key}`, "v1");
    const first = await http("GET", `/v1/kv/${key}`);
    const started = Date.now();
    const blocked = http("GET", `/v1/kv/${key}?index=${first.index}&wait=20s`);
    setTimeout(() => void http("PUT", `/v1/kv/${key}`, "v2"), 200);
    const answer = await blocked;
    expect(Date.now() - started, "it answered on the write, not at the end of wait").toBeLessThan(15_000);
    expect(answer.index).toBeGreaterThan(first.index!);
    expect(Buffer.from((answer.json as { Value: string }[])[0]!.Value, "base64").toString()).toBe("v2");
  });

  it("with nothing changing, answers the same index once wait has passed; a bad wait is a 400", async () => {
    const { http } = ctx();
    const key = unique("idle");
    await http("PUT", `/v1/kv/${key}`, "v");
    const first = await http("GET", `/v1/kv/${key}`);
    const started = Date.now();
    const answer = await http("GET", `/v1/kv/${key}?index=${first.index}&wait=300ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(answer.status).toBe(200);
    expect(answer.index).toBe(first.index);
    expect((await http("GET", `/v1/kv/${key}?index=${first.index}&wait=soon`)).status).toBe(400);
  });
}
