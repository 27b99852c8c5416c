import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "./http.ts";

let server: Server;
let base: string;

beforeAll(async () => {
  // Answers /fast at once, and never answers anything else: a stub that hangs on the request's path.
  server = createServer((request, response) => {
    if (request.url === "/fast") response.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("plain HTTP for lab tests", () => {
  it("returns an answer as a value, its body parsed", async () => {
    const reply = await call(base, "GET", "/fast");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ok: true });
  });

  it("fails fast on a service that does not answer, naming the route and where to look", async () => {
    process.env.DISTLAB_LAB = "02-rpc";
    const started = Date.now();
    const failure = await call(base, "POST", "/checkout?x=1", { json: {}, timeoutMs: 300 }).catch(
      (error: Error) => error,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(String(failure)).toMatch(/POST \/checkout: the service did not answer within 300 ms/);
    expect(String(failure)).toMatch(/TODO.*Pitfalls of labs\/02-rpc\/README.md/s);
  });
});
