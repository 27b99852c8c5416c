import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { burst, call } from "./http.ts";

let server: Server;
let base: string;
let arrived = 0;

beforeAll(async () => {
  // Answers /fast at once, and never answers anything else: a stub that hangs on the request's path.
  server = createServer((request, response) => {
    if (request.url === "/fast") response.end(JSON.stringify({ ok: true }));
    if (request.url?.startsWith("/burst/")) {
      // How many requests of the burst had arrived when this one's setImmediate ran.
      arrived++;
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        setImmediate(() => {
          response.setHeader("content-type", "application/json");
          if (request.url === "/burst/chunked") response.write("");
          response.end(JSON.stringify({ url: request.url, body, seenLater: arrived }));
        });
      });
    }
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

  it("sends a pipelined burst that the service reads before any of its setImmediate callbacks runs", async () => {
    arrived = 0;
    const paths = ["/burst/a", "/burst/b", "/burst/chunked", "/burst/d"];
    const replies = await burst(
      base,
      paths.map((path, index) => ({ method: "PUT" as const, path, json: { index } })),
    );
    expect(
      replies.map((reply) => reply.body.url),
      "answers in the order of the requests",
    ).toEqual(paths);
    expect(replies.map((reply) => JSON.parse(reply.body.body).index)).toEqual([0, 1, 2, 3]);
    expect(
      replies.map((reply) => reply.body.seenLater),
      "every request had arrived before the first setImmediate",
    ).toEqual([4, 4, 4, 4]);
  });

  it("says how many answers of a burst came back when the service stops answering", async () => {
    const failure = await burst(
      base,
      [
        { method: "GET", path: "/fast" },
        { method: "GET", path: "/never" },
      ],
      300,
    ).catch((error: Error) => error);
    expect(String(failure)).toMatch(
      /1 of 2 pipelined requests answered; GET \/never: the service did not answer within 300 ms/,
    );
  });
});
