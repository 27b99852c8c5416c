import { stopAllServices } from "@distlab/kit/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, show, startKv, type Reply } from "./kv-client.ts";

let base: string;

beforeAll(async () => {
  base = (await startKv({ KV_MAX_VALUE_BYTES: "1024" })).url;
});
afterAll(stopAllServices);

/** A refusal: the status, a problem+json body, and the field named in it. */
function expectProblem(reply: Reply, status: number, field?: string) {
  expect(reply.status, show(reply)).toBe(status);
  expect(reply.headers["content-type"], "errors are application/problem+json").toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  if (field) {
    const fields = (reply.body?.errors ?? []).map((error: { field: string }) => error.field);
    expect(
      fields.some((name: string) => name === field || name.endsWith(`/${field}`)),
      `the problem's errors[] should name the field '${field}'; it names ${JSON.stringify(fields)}`,
    ).toBe(true);
  }
}

describe("bad input gets a 4xx problem naming what is wrong (README step 5)", () => {
  it("refuses keys with characters outside the allowed set [R01.0.1, R01.0.9]", async () => {
    for (const key of ["a%20b", "caf%C3%A9", "semi%3Bcolon", "quote%22"]) {
      expectProblem(await call(base, "PUT", `/kv/${key}`, { json: { value: "v" } }), 400, "key");
      expectProblem(await call(base, "GET", `/kv/${key}`), 400, "key");
    }
  });

  it("refuses keys longer than 250 characters and accepts 250 [R01.0.1]", async () => {
    expect((await call(base, "PUT", `/kv/${"k".repeat(250)}`, { json: { value: "v" } })).status).toBe(200);
    expectProblem(await call(base, "PUT", `/kv/${"k".repeat(251)}`, { json: { value: "v" } }), 400, "key");
  });

  it("refuses a body without a value, or with a value that is not a string [R01.0.2]", async () => {
    expectProblem(await call(base, "PUT", "/kv/a", { json: {} }), 400, "value");
    for (const value of [42, null, true, ["x"], { nested: "x" }]) {
      expectProblem(await call(base, "PUT", "/kv/a", { json: { value } }), 400, "value");
    }
    expectProblem(await call(base, "PUT", "/kv/a", { json: "just a string" }), 400);
  });

  it("names an unknown field instead of ignoring it [R01.0.3]", async () => {
    expectProblem(await call(base, "PUT", "/kv/a", { json: { value: "v", ttl: 10 } }), 400, "ttl");
    expectProblem(await call(base, "POST", "/kv", { json: { value: "v", key: "chosen" } }), 400, "key");
    expectProblem(await call(base, "GET", "/kv?prefix=a&colour=blue"), 400, "colour");
  });

  it("refuses malformed and empty JSON bodies with 400 [R01.0.3]", async () => {
    const json = { "content-type": "application/json" };
    expectProblem(await call(base, "PUT", "/kv/a", { raw: '{"value": "unterminated', headers: json }), 400);
    expectProblem(await call(base, "PUT", "/kv/a", { raw: "", headers: json }), 400);
    expectProblem(await call(base, "POST", "/kv", { raw: "{value: 'single quotes'}", headers: json }), 400);
  });

  it("refuses a body that is not JSON with 415 [R01.0.3]", async () => {
    const reply = await call(base, "PUT", "/kv/a", { raw: "value=v", headers: { "content-type": "text/plain" } });
    expectProblem(reply, 415);
  });

  it("refuses a value over the size limit with 413 and stores nothing [R01.0.2, R01.5.1, R01.P.13]", async () => {
    expect((await call(base, "PUT", "/kv/big", { json: { value: "x".repeat(1024) } })).status).toBe(200);
    expectProblem(await call(base, "PUT", "/kv/big", { json: { value: "x".repeat(1025) } }), 413, "value");
    expectProblem(await call(base, "POST", "/kv", { json: { value: "é".repeat(600) } }), 413, "value");
    expect((await call(base, "GET", "/kv/big")).body.value).toHaveLength(1024);
  });

  it("refuses a body over the request limit with 413 [R01.0.3]", async () => {
    expectProblem(await call(base, "PUT", "/kv/huge", { json: { value: "x".repeat(2 * 1024 * 1024) } }), 413);
    expect((await call(base, "GET", "/kv/huge")).status).toBe(404);
  });

  it("refuses malformed If-Match and If-None-Match headers [R01.0.6, R01.4.4]", async () => {
    for (const ifMatch of ["abc", "1,2", "-3", "1.5"]) {
      expectProblem(
        await call(base, "PUT", "/kv/a", { json: { value: "v" }, headers: { "if-match": ifMatch } }),
        400,
        "if-match",
      );
    }
    expectProblem(
      await call(base, "PUT", "/kv/a", { json: { value: "v" }, headers: { "if-none-match": "3" } }),
      400,
      "if-none-match",
    );
  });

  it("refuses bad listing parameters [R01.0.8, R01.6.2]", async () => {
    for (const limit of ["0", "-1", "abc", "1.5", "100000"]) {
      expectProblem(await call(base, "GET", `/kv?limit=${limit}`), 400, "limit");
    }
    expectProblem(await call(base, "GET", "/kv?cursor=not-a-cursor!"), 400, "cursor");
    expectProblem(await call(base, "GET", "/kv?prefix=a%20b"), 400, "prefix");
  });

  it("never answers 5xx and is still healthy after all of it [R01.0.10]", async () => {
    const replies = await Promise.all([
      call(base, "PUT", "/kv/a", { raw: "\u0000\u0001", headers: { "content-type": "application/json" } }),
      call(base, "POST", "/kv", { raw: "[]", headers: { "content-type": "application/json" } }),
      call(base, "DELETE", "/kv/a", { headers: { "if-match": "x" } }),
      call(base, "GET", `/kv/${"%FF".repeat(3)}`),
      call(base, "PUT", "/kv/", { json: { value: "v" } }),
    ]);
    for (const reply of replies) expect(reply.status, show(reply)).toBeLessThan(500);
    expect((await call(base, "GET", "/health")).status).toBe(200);
  });
});
