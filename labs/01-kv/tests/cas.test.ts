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

describe("versions and compare-and-set (README step 4)", () => {
  it("applies a PUT whose If-Match names the current version [R01.4.1, R01.4.4]", async () => {
    const first = await kv.put("cas-ok", "a");
    const second = await kv.put("cas-ok", "b", { "if-match": String(first.body.version) });
    expect(second.status, show(second)).toBe(200);
    expect((await kv.get("cas-ok")).body.value).toBe("b");
  });

  it("refuses a PUT whose If-Match is stale with 412, its current version, and changes nothing [R01.4.1, R01.0.7]", async () => {
    const first = await kv.put("cas-stale", "a");
    const second = await kv.put("cas-stale", "b");
    const stale = await kv.put("cas-stale", "c", { "if-match": String(first.body.version) });
    expect(stale.status, show(stale)).toBe(412);
    expect(stale.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(stale.body.currentVersion, "a 412 carries the key's current version").toBe(second.body.version);
    expect((await kv.get("cas-stale")).body.value).toBe("b");
  });

  it("refuses If-Match on a key that does not exist with 412 [R01.0.6, R01.0.7, R01.P.9]", async () => {
    const reply = await kv.put("cas-missing", "a", { "if-match": "1" });
    expect(reply.status, show(reply)).toBe(412);
    expect(reply.body.currentVersion, "a 412 for a missing key carries currentVersion null").toBeNull();
    expect((await kv.get("cas-missing")).status).toBe(404);
  });

  it("creates with If-None-Match: * only when the key is absent [R01.4.1, R01.4.4]", async () => {
    const created = await kv.put("cas-create", "first", { "if-none-match": "*" });
    expect(created.status, show(created)).toBe(200);
    const again = await kv.put("cas-create", "second", { "if-none-match": "*" });
    expect(again.status, show(again)).toBe(412);
    expect((await kv.get("cas-create")).body.value).toBe("first");
  });

  it("deletes with If-Match only at the current version [R01.4.3, R01.5.4]", async () => {
    const put = await kv.put("cas-delete", "a");
    const stale = await kv.del("cas-delete", { "if-match": String(put.body.version + 1000) });
    expect(stale.status, show(stale)).toBe(412);
    const ok = await kv.del("cas-delete", { "if-match": String(put.body.version) });
    expect(ok.status, show(ok)).toBe(204);
  });

  // The races are sent as pipelined bursts (see `burst`): every request is in the service before it reads
  // any, so a store that yields between its check and its update lets many writers through on any load.
  it("lets exactly one of 24 concurrent compare-and-sets win each version [R01.P.7]", async () => {
    let version = (await kv.put("cas-race", "start")).body.version as number;
    for (let round = 0; round < 6; round++) {
      const replies = await burst(
        base,
        Array.from({ length: 24 }, (_, writer) => ({
          method: "PUT" as const,
          path: "/kv/cas-race",
          json: { value: `round ${round} writer ${writer}` },
          headers: { "if-match": String(version) },
        })),
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

  it("accepts If-Match in double quotes, as an ETag is written [R01.0.6, R01.4.4]", async () => {
    const put = await kv.put("cas-quoted", "a");
    const quoted = await kv.put("cas-quoted", "b", { "if-match": `"${put.body.version}"` });
    expect(quoted.status, show(quoted)).toBe(200);
    const stale = await kv.del("cas-quoted", { "if-match": `"${put.body.version}"` });
    expect(stale.status, `a quoted stale version: ${show(stale)}`).toBe(412);
    expect((await kv.del("cas-quoted", { "if-match": `"${quoted.body.version}"` })).status).toBe(204);
  });

  it("compares If-Match with the key's own version, not the store's latest revision [R01.4.1]", async () => {
    const mine = await kv.put("cas-mine", "a");
    const other = await kv.put("cas-other", "b");
    expect(other.body.version, "another key's write moved the store's revision").toBeGreaterThan(mine.body.version);
    const update = await kv.put("cas-mine", "c", { "if-match": String(mine.body.version) });
    expect(update.status, `If-Match with cas-mine's version after another key was written: ${show(update)}`).toBe(200);
    const byRevision = await kv.put("cas-other", "d", { "if-match": String(update.body.version) });
    expect(byRevision.status, "the store's latest revision is not cas-other's version").toBe(412);
  });

  it("spends no version on a delete of a key that does not exist [R01.4.3, R01.P.10]", async () => {
    const before = await kv.put("cas-before", "a");
    const missing = await kv.del("cas-never-there");
    expect(missing.status, show(missing)).toBe(404);
    const after = await kv.put("cas-after", "b");
    expect(after.body.version, "the write after a delete of a missing key gets the next version").toBe(
      before.body.version + 1,
    );
  });

  it("lets exactly one of 24 concurrent If-None-Match: * creates win [R01.P.7]", async () => {
    const replies = await burst(
      base,
      Array.from({ length: 24 }, (_, writer) => ({
        method: "PUT" as const,
        path: "/kv/cas-create-race",
        json: { value: `writer ${writer}` },
        headers: { "if-none-match": "*" },
      })),
    );
    const winners = replies.filter((reply) => reply.status === 200);
    expect(winners.length, `${winners.length} creates won`).toBe(1);
    expect(replies.filter((reply) => reply.status === 412).length).toBe(23);
    expect((await kv.get("cas-create-race")).body.version).toBe(winners[0]!.body.version);
  });
});
