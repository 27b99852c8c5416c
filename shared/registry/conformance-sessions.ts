// Conformance cases of sessions and locks (see conformance.test.ts).
import { expect, it } from "vitest";
import { unique } from "./test-support.ts";
import type { Ctx, Http } from "./conformance-context.ts";

export function sessionCases(ctx: Ctx) {
  const create = async (http: Http, body: object) =>
    ((await http("PUT", "/v1/session/create", JSON.stringify(body))).json as { ID: string }).ID;
  const entry = async (http: Http, key: string) =>
    ((await http("GET", `/v1/kv/${key}`)).json as { Session?: string; LockIndex: number }[] | undefined)?.[0];

  it("lets one session hold a key's lock at a time; LockIndex counts acquisitions; release frees it", async () => {
    const { http } = ctx();
    const key = unique("lock");
    const [a, b] = [await create(http, { Name: "a" }), await create(http, { Name: "b" })];
    expect((await http("PUT", `/v1/kv/${key}?acquire=${a}`, "A")).json).toBe(true);
    expect((await http("PUT", `/v1/kv/${key}?acquire=${a}`, "A again")).json, "re-acquire by the holder").toBe(true);
    expect((await http("PUT", `/v1/kv/${key}?acquire=${b}`, "B")).json).toBe(false);
    expect(await entry(http, key)).toMatchObject({ Session: a, LockIndex: 1 });
    expect((await http("PUT", `/v1/kv/${key}?release=${b}`, "x")).json, "only the holder releases").toBe(false);
    expect((await http("PUT", `/v1/kv/${key}?release=${a}`, "A done")).json).toBe(true);
    const released = await entry(http, key);
    expect(released?.Session).toBeUndefined();
    expect((await http("PUT", `/v1/kv/${key}?acquire=${b}`, "B")).json).toBe(true);
    expect((await entry(http, key))?.LockIndex).toBe(2);
    for (const id of [a, b]) await http("PUT", `/v1/session/destroy/${id}`);
  });

  it("ends a session on destroy: its locks are released (release) or its keys deleted (delete)", async () => {
    const { http } = ctx();
    const [kept, dropped] = [unique("kept"), unique("dropped")];
    const releaser = await create(http, { Behavior: "release", LockDelay: "0s" });
    const deleter = await create(http, { Behavior: "delete", LockDelay: "0s" });
    await http("PUT", `/v1/kv/${kept}?acquire=${releaser}`, "1");
    await http("PUT", `/v1/kv/${dropped}?acquire=${deleter}`, "2");
    expect((await http("PUT", `/v1/session/destroy/${releaser}`)).json).toBe(true);
    expect((await http("PUT", `/v1/session/destroy/${deleter}`)).json).toBe(true);
    expect((await entry(http, kept))?.Session).toBeUndefined();
    expect((await http("GET", `/v1/kv/${dropped}`)).status).toBe(404);
    expect((await http("GET", `/v1/session/info/${releaser}`)).json).toEqual([]);
  });

  it("keeps a key an ended session held unlockable for its lock-delay", async () => {
    const { http } = ctx();
    const key = unique("delayed");
    const holder = await create(http, { LockDelay: "15s" });
    await http("PUT", `/v1/kv/${key}?acquire=${holder}`, "1");
    await http("PUT", `/v1/session/destroy/${holder}`);
    const next = await create(http, {});
    expect((await http("PUT", `/v1/kv/${key}?acquire=${next}`, "2")).json, "within the lock-delay").toBe(false);
    await http("PUT", `/v1/session/destroy/${next}`);
  });

  it("refuses a TTL under 10s and a renewal of an unknown session; answers [] for an unknown session", async () => {
    const { http } = ctx();
    expect((await http("PUT", "/v1/session/create", JSON.stringify({ TTL: "5s" }))).status).toBe(400);
    expect((await http("PUT", "/v1/session/create", JSON.stringify({ Behavior: "explode" }))).status).toBe(400);
    const ghost = "1bd4a5b1-7b34-4b6f-9a94-2a8d5a0e0000";
    expect((await http("PUT", `/v1/session/renew/${ghost}`)).status).toBe(404);
    expect((await http("GET", `/v1/session/info/${ghost}`)).json ?? []).toEqual([]);
    const id = await create(http, { TTL: "15s", Name: "renewed" });
    const renewed = (await http("PUT", `/v1/session/renew/${id}`)).json as { ID: string; TTL: string }[];
    expect(renewed[0]).toMatchObject({ ID: id, TTL: "15s" });
    await http("PUT", `/v1/session/destroy/${id}`);
  });
}
