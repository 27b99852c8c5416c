import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
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

  it("reads a burst's answers whatever their framing and however the bytes are cut", async () => {
    const answers =
      "HTTP/1.1 100 Continue\r\n\r\n" +
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n\r\n{"n":"one"}' +
      "HTTP/1.1 204 No Content\r\nx-step: 2\r\n\r\n" +
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4;ext=1\r\n{"n"\r\n5\r\n:"3"}\r\n0\r\nx-trailer: t\r\n\r\n' +
      "HTTP/1.1 409 Conflict\r\n\r\nuntil the end";
    const raw = await rawService((socket) => {
      // One byte per write, each after the last: every boundary a parser could trip on comes up.
      let at = 0;
      const next = () => {
        if (at === answers.length) return void socket.end();
        socket.write(answers[at++]!, () => setImmediate(next));
      };
      next();
    });
    try {
      const replies = await burst(
        raw.base,
        [1, 2, 3, 4].map(() => ({ method: "GET" as const, path: "/" })),
      );
      expect(replies.map((reply) => reply.status)).toEqual([200, 204, 200, 409]);
      expect(replies[0]!.body).toEqual({ n: "one" });
      expect(replies[0]!.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
      expect(replies[1]!.text).toBe("");
      expect(replies[1]!.headers["x-step"]).toBe("2");
      expect(replies[2]!.body).toEqual({ n: "3" });
      expect(replies[3]!.text).toBe("until the end");
    } finally {
      await raw.close();
    }
  });

  it("names the answer that is not HTTP/1.1", async () => {
    const raw = await rawService((socket) =>
      socket.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\nSMTP ready\r\n\r\n"),
    );
    try {
      const failure = await burst(
        raw.base,
        [1, 2].map(() => ({ method: "GET" as const, path: "/" })),
      ).catch((error: Error) => error);
      expect(String(failure)).toMatch(
        /the service's answer to pipelined request 2 is not valid HTTP\/1\.1: malformed status line/,
      );
    } finally {
      await raw.close();
    }
  });
});

/** A TCP service that answers the first bytes a client sends with `answer(socket)`. */
async function rawService(answer: (socket: Socket) => void) {
  const tcp = createTcpServer((socket) => {
    socket.once("data", () => answer(socket));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => tcp.close(() => resolve())),
  };
}
