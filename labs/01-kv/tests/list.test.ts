import { stopAllServices } from "@distlab/kit/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kvClient, listAll, show, startKv } from "./kv-client.ts";

let base: string;
let kv: ReturnType<typeof kvClient>;
const fruit = [
  "fruit:apple",
  "fruit:banana",
  "fruit:cherry",
  "fruit:date",
  "fruit:elderberry",
  "fruit:fig",
  "fruit:grape",
];

beforeAll(async () => {
  base = (await startKv()).url;
  kv = kvClient(base);
  for (const key of [...fruit].reverse()) await kv.put(key, key.toUpperCase());
  for (const key of ["veg:kale", "veg:leek", "fruits-not-a-fruit", "frui"]) await kv.put(key, "other");
});
afterAll(stopAllServices);

describe("listing by prefix with cursors (README step 6)", () => {
  it("returns the keys with a prefix in sorted order, with their values and versions [R01.0.8, R01.6.1]", async () => {
    const reply = await kv.list({ prefix: "fruit:" });
    expect(reply.status, show(reply)).toBe(200);
    expect(reply.body.items.map((item: { key: string }) => item.key)).toEqual(fruit);
    expect(reply.body.items[0]).toEqual({ key: "fruit:apple", value: "FRUIT:APPLE", version: expect.any(Number) });
    expect(reply.body.next).toBeNull();
  });

  it("pages through with limit and cursor, each key once [R01.6.2, R01.P.14]", async () => {
    const first = await kv.list({ prefix: "fruit:", limit: 3 });
    expect(first.body.items.map((item: { key: string }) => item.key)).toEqual(fruit.slice(0, 3));
    expect(first.body.next, "a next cursor while keys remain").toEqual(expect.any(String));
    const second = await kv.list({ prefix: "fruit:", limit: 3, cursor: first.body.next });
    expect(second.body.items.map((item: { key: string }) => item.key)).toEqual(fruit.slice(3, 6));
    const third = await kv.list({ prefix: "fruit:", limit: 3, cursor: second.body.next });
    expect(third.body.items.map((item: { key: string }) => item.key)).toEqual(fruit.slice(6));
    expect(third.body.next, "no cursor after the last page").toBeNull();
  });

  it("lists every key when there is no prefix [R01.6.1]", async () => {
    const keys = await listAll(base, { limit: 2 });
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(expect.arrayContaining([...fruit, "veg:kale", "veg:leek", "frui"]));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("returns an empty page for a prefix nothing has [R01.6.1]", async () => {
    const reply = await kv.list({ prefix: "mineral:" });
    expect(reply.status, show(reply)).toBe(200);
    expect(reply.body).toEqual({ items: [], next: null });
  });

  it("does not show deleted keys [R01.6.3]", async () => {
    await kv.put("temp:1", "x");
    await kv.del("temp:1");
    expect((await kv.list({ prefix: "temp:" })).body.items).toEqual([]);
  });
});
