import { stopAllServices } from "@distlab/kit/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kvClient, show, startKv } from "./kv-client.ts";

let kv: ReturnType<typeof kvClient>;

beforeAll(async () => {
  kv = kvClient((await startKv()).url);
});
afterAll(stopAllServices);

describe("versions and compare-and-set (README step 4)", () => {
  it("applies a PUT whose If-Match names the current version", async () => {
    const first = await kv.put("cas-ok", "a");
    const second = await kv.put("cas-ok", "b", { "if-match": String(first.body.version) });
    expect(second.status, show(second)).toBe(200);
    expect((await kv.get("cas-ok")).body.value).toBe("b");
  });

  it("refuses a PUT whose If-Match is stale with 412 and changes nothing", async () => {
    const first = await kv.put("cas-stale", "a");
    await kv.put("cas-stale", "b");
    const stale = await kv.put("cas-stale", "c", { "if-match": String(first.body.version) });
    expect(stale.status, show(stale)).toBe(412);
    expect(stale.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect((await kv.get("cas-stale")).body.value).toBe("b");
  });

  it("refuses If-Match on a key that does not exist with 412", async () => {
    const reply = await kv.put("cas-missing", "a", { "if-match": "1" });
    expect(reply.status, show(reply)).toBe(412);
    expect((await kv.get("cas-missing")).status).toBe(404);
  });

  it("creates with If-None-Match: * only when the key is absent", async () => {
    const created = await kv.put("cas-create", "first", { "if-none-match": "*" });
    expect(created.status, show(created)).toBe(200);
    const again = await kv.put("cas-create", "second", { "if-none-match": "*" });
    expect(again.status, show(again)).toBe(412);
    expect((await kv.get("cas-create")).body.value).toBe("first");
  });

  it("deletes with If-Match only at the current version", async () => {
    const put = await kv.put("cas-delete", "a");
    const stale = await kv.del("cas-delete", { "if-match": String(put.body.version + 1000) });
    expect(stale.status, show(stale)).toBe(412);
    const ok = await kv.del("cas-delete", { "if-match": String(put.body.version) });
    expect(ok.status, show(ok)).toBe(204);
  });

  it("lets exactly one of 24 concurrent compare-and-sets win each version", async () => {
    let version = (await kv.put("cas-race", "start")).body.version as number;
    for (let round = 0; round < 6; round++) {
      const replies = await Promise.all(
        Array.from({ length: 24 }, (_, writer) =>
          kv.put("cas-race", `round ${round} writer ${writer}`, { "if-match": String(version) }),
        ),
      );
      const winners = replies.filter((reply) => reply.status === 200);
      const losers = replies.filter((reply) => reply.status === 412);
      expect(winners.length, `round ${round}: ${winners.length} writers won version ${version}`).toBe(1);
      expect(losers.length, `round ${round}: every other writer must get 412`).toBe(23);
      const stored = await kv.get("cas-race");
      expect(stored.body.value, "the stored value is the winner's").toBe(
        `round ${round} writer ${replies.indexOf(winners[0]!)}`,
      );
      expect(stored.body.version).toBe(winners[0]!.body.version);
      version = winners[0]!.body.version;
    }
  });

  it("lets exactly one of 24 concurrent If-None-Match: * creates win", async () => {
    const replies = await Promise.all(
      Array.from({ length: 24 }, (_, writer) =>
        kv.put("cas-create-race", `writer ${writer}`, { "if-none-match": "*" }),
      ),
    );
    const winners = replies.filter((reply) => reply.status === 200);
    expect(winners.length, `${winners.length} creates won`).toBe(1);
    expect(replies.filter((reply) => reply.status === 412).length).toBe(23);
    expect((await kv.get("cas-create-race")).body.version).toBe(winners[0]!.body.version);
  });
});
