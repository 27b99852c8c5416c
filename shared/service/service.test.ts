import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createService, problem, todo, type ServiceApp } from "./index.ts";

let app: ServiceApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(ready = () => true): Promise<ServiceApp> {
  app = await createService({ name: "test", ready, bodyLimit: 1024 });
  app.post(
    "/things/:id",
    {
      schema: {
        params: z.strictObject({ id: z.string().regex(/^\d+$/, "digits only") }),
        body: z.strictObject({ name: z.string().min(1) }),
      },
    },
    async (request) => ({ id: request.params.id, name: request.body.name }),
  );
  app.get("/conflict", async () => {
    throw problem(409, "already taken", {
      errors: [{ field: "body/name", message: "taken" }],
      headers: { "retry-after": "3" },
    });
  });
  app.get("/todo", async () => todo("TODO(lab00 §1): write this"));
  app.get("/crash", async () => {
    throw new Error("boom");
  });
  return app;
}

describe("the service scaffold", () => {
  it("answers /health, /ready, /metrics and an OpenAPI document", async () => {
    const service = await build();
    expect((await service.inject({ url: "/health" })).json()).toEqual({ status: "ok" });
    expect((await service.inject({ url: "/ready" })).statusCode).toBe(200);
    await service.inject({ method: "POST", url: "/things/1", payload: { name: "a" } });
    const metrics = await service.inject({ url: "/metrics" });
    expect(metrics.body).toMatch(/http_requests_total\{[^}]*route="\/things\/:id"[^}]*\} 1/);
    const docs = await service.inject({ url: "/docs/json" });
    expect(docs.json().paths).toHaveProperty("/things/{id}");
  });

  it("answers /ready with 503 until the service says it is ready", async () => {
    let ready = false;
    const service = await build(() => ready);
    expect((await service.inject({ url: "/ready" })).statusCode).toBe(503);
    ready = true;
    expect((await service.inject({ url: "/ready" })).statusCode).toBe(200);
  });

  it("names every invalid and unknown field in a 400 problem+json", async () => {
    const service = await build();
    const reply = await service.inject({ method: "POST", url: "/things/x1", payload: { name: "", colour: "red" } });
    expect(reply.statusCode).toBe(400);
    expect(reply.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const fields = reply.json().errors.map((error: { field: string }) => error.field);
    expect(fields).toEqual(expect.arrayContaining(["params/id"]));
    const body = await service.inject({ method: "POST", url: "/things/1", payload: { name: "", colour: "red" } });
    expect(
      body
        .json()
        .errors.map((error: { field: string }) => error.field)
        .sort(),
    ).toEqual(["body/colour", "body/name"]);
  });

  it("refuses malformed JSON with 400, a non-JSON body with 415 and a large body with 413", async () => {
    const service = await build();
    const json = { "content-type": "application/json" };
    expect(
      (await service.inject({ method: "POST", url: "/things/1", headers: json, payload: "{nope" })).statusCode,
    ).toBe(400);
    const text = await service.inject({
      method: "POST",
      url: "/things/1",
      headers: { "content-type": "text/plain" },
      payload: "x",
    });
    expect(text.statusCode).toBe(415);
    const large = await service.inject({ method: "POST", url: "/things/1", payload: { name: "x".repeat(2000) } });
    expect(large.statusCode).toBe(413);
    expect(large.json()).toMatchObject({ status: 413, title: "Content Too Large" });
  });

  it("renders thrown problems with their status, fields and headers", async () => {
    const reply = await (await build()).inject({ url: "/conflict" });
    expect(reply.statusCode).toBe(409);
    expect(reply.headers["retry-after"]).toBe("3");
    expect(reply.json()).toMatchObject({ status: 409, detail: "already taken", errors: [{ field: "body/name" }] });
  });

  it("answers a starter stub with 501 and its TODO, and a crash with a 500 that hides the error", async () => {
    const service = await build();
    const stub = await service.inject({ url: "/todo" });
    expect(stub.statusCode).toBe(501);
    expect(stub.json().detail).toBe("TODO(lab00 §1): write this");
    const crash = await service.inject({ url: "/crash" });
    expect(crash.statusCode).toBe(500);
    expect(crash.body).not.toContain("boom");
  });

  it("answers an unknown route with a 404 problem", async () => {
    const reply = await (await build()).inject({ url: "/nowhere?x=1" });
    expect(reply.statusCode).toBe(404);
    expect(reply.json().detail).toBe("no route for GET /nowhere");
  });
});
