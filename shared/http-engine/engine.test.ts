import { connect, createServer as createNetServer, type AddressInfo, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Http1Pool } from "./pool.ts";
import { createServer, type Http1Server, type RequestHandler } from "./server.ts";
import type { UpstreamError } from "./upstream.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: RequestHandler): Promise<{ server: Http1Server; port: number }> {
  const server = createServer(handler);
  const { port } = await server.listen(0);
  cleanups.push(() => {
    server.close();
    server.closeAllConnections();
  });
  return { server, port };
}

/** Sends raw bytes on a new connection; resolves with everything received once `done(text)` holds or it closes. */
function rawExchange(port: number, bytes: string, done: (text: string) => boolean = () => false) {
  return new Promise<{ text: string; closed: boolean }>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes, "latin1"));
    let text = "";
    const timer = setTimeout(() => reject(new Error(`no complete answer; received ${JSON.stringify(text)}`)), 5000);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (done(text)) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ text, closed: false });
      }
    });
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

const count = (text: string, what: string) => text.split(what).length - 1;

const echo: RequestHandler = (request, response) => {
  void request.readBody(1 << 20).then((body) => {
    response.writeHead(200, { "content-type": "text/plain" });
    response.end(`${request.method} ${request.url} ${String(body)}`);
  });
};

describe("the server", () => {
  it("answers several requests on one keep-alive connection, each with a Content-Length", async () => {
    const { port } = await serve(echo);
    const get = "GET /one HTTP/1.1\r\nHost: x\r\n\r\n";
    const { text } = await rawExchange(port, get + get.replace("one", "two"), (t) => t.includes("/two"));
    expect(count(text, "HTTP/1.1 200 OK")).toBe(2);
    expect(text).toContain("content-length: 9\r\n");
    expect(text.indexOf("/one")).toBeLessThan(text.indexOf("/two"));
  });

  it("answers pipelined requests in the order they came, even when a later one is answered first", async () => {
    const { port } = await serve((request, response) => {
      const delay = request.url === "/slow" ? 50 : 0;
      setTimeout(() => response.end(request.url), delay);
    });
    const wire = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n";
    const { text } = await rawExchange(port, wire, (t) => t.endsWith("/fast") && t.includes("/slow"));
    expect(text.indexOf("/slow")).toBeLessThan(text.indexOf("/fast"));
  });

  it("streams a chunked request body to the handler, and chunks an answer written in pieces", async () => {
    const { port } = await serve((request, response) => {
      response.writeHead(200);
      request.readBodyStream(
        (chunk) => response.write(chunk.toString().toUpperCase()),
        () => response.end(),
        () => response.destroy(),
      );
    });
    const wire = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    const { text } = await rawExchange(port, wire, (t) => t.endsWith("0\r\n\r\n"));
    expect(text).toContain("transfer-encoding: chunked\r\n");
    expect(text).toContain("\r\n\r\n3\r\nABC\r\n2\r\nDE\r\n0\r\n\r\n");
  });

  it("sends no body for HEAD, 204 and 304, whatever the handler writes", async () => {
    const { port } = await serve((request, response) => {
      const status = Number(request.url.slice(1)) || 200;
      response.writeHead(status, { "content-length": "5" }).end("hello");
    });
    const wire = ["HEAD /200", "GET /204", "GET /304", "GET /200"].map((line) => `${line} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const { text } = await rawExchange(port, wire.join(""), (t) => t.endsWith("hello"));
    expect(count(text, "hello")).toBe(1);
    expect(count(text, "HTTP/1.1 ")).toBe(4);
  });

  it("answers a malformed request with 400, says why, and closes the connection", async () => {
    const { port } = await serve(echo);
    const { text, closed } = await rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n");
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text).toContain("connection: close");
    expect(text).toContain("invalid header name");
    expect(closed).toBe(true);
  });

  it("answers a head past the size limit with 431", async () => {
    const { port } = await serve(echo);
    const { text } = await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
  });

  it("honours Connection: close and closes after the answer", async () => {
    const { port } = await serve(echo);
    const { text, closed } = await rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(text).toContain("connection: close\r\n");
    expect(closed).toBe(true);
  });

  it("reports a lost client to the response's close listener, and drops what is written after", async () => {
    let completed: boolean | undefined;
    let wrote: boolean | undefined;
    const { port } = await serve((_request, response) => {
      response.onClose((done) => (completed = done));
      setTimeout(() => (wrote = response.writeHead(200).write("late")), 80);
    });
    await new Promise<void>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on("close", () => setTimeout(resolve, 100));
    });
    expect(completed).toBe(false);
    expect(wrote).toBe(true);
  });

  it("refuses a header it cannot send, naming it", async () => {
    const { port } = await serve((_request, response) => {
      expect(() => response.writeHead(200, { "x-a": "one\r\ntwo" })).toThrow(/x-a/);
      response.end("ok");
    });
    const { text } = await rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", (t) => t.endsWith("ok"));
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
  });
});

/** A raw upstream answering every request with `answer(requestText)`; counts connections. */
async function rawUpstream(answer: (request: string) => string | undefined) {
  let connections = 0;
  const server: Server = createNetServer((socket) => {
    connections++;
    socket.on("data", (chunk: Buffer) => {
      const reply = answer(chunk.toString("latin1"));
      if (reply === undefined) socket.destroy();
      else socket.write(reply, "latin1");
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const port = (server.address() as AddressInfo).port;
  return { origin: `http://127.0.0.1:${port}`, connections: () => connections, server };
}

function poolFor(origin: string, connections = 4): Http1Pool {
  const pool = new Http1Pool(origin, { connections, connectTimeoutMs: 1000 });
  cleanups.push(() => pool.destroy());
  return pool;
}

describe("the upstream pool", () => {
  it("reuses one keep-alive connection for requests one after the other", async () => {
    const upstream = await rawUpstream(() => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    const pool = poolFor(upstream.origin);
    for (let i = 0; i < 3; i++) expect((await pool.request({ path: "/" }, 1000)).body.toString()).toBe("ok");
    expect(upstream.connections()).toBe(1);
  });

  it("does not reuse a connection past the upstream's Keep-Alive timeout, less a second", async () => {
    const upstream = await rawUpstream(() => "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok");
    const pool = poolFor(upstream.origin);
    await pool.request({ path: "/" }, 1000);
    await pool.request({ path: "/" }, 1000);
    expect(upstream.connections()).toBe(2);
  });

  it("decodes a chunked answer, and reads an answer without framing until the close", async () => {
    const chunked = await rawUpstream(
      () => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
    );
    expect((await poolFor(chunked.origin).request({ path: "/" }, 1000)).body.toString()).toBe("abc");
    const untilClose = await rawUpstream(() => "HTTP/1.0 200 OK\r\n\r\nall of it");
    untilClose.server.on("connection", (socket) => socket.on("data", () => setTimeout(() => socket.end(), 20)));
    expect((await poolFor(untilClose.origin).request({ path: "/" }, 1000)).body.toString()).toBe("all of it");
  });

  it("expects no body after HEAD or 204 and keeps the connection", async () => {
    const upstream = await rawUpstream((request) =>
      request.startsWith("HEAD") ? "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" : "HTTP/1.1 204 No Content\r\n\r\n",
    );
    const pool = poolFor(upstream.origin);
    expect((await pool.request({ method: "HEAD", path: "/" }, 1000)).status).toBe(200);
    expect((await pool.request({ path: "/" }, 1000)).status).toBe(204);
    expect(upstream.connections()).toBe(1);
  });

  it("sends Host and the body's Content-Length itself, dropping a caller's framing headers", async () => {
    let seen = "";
    const upstream = await rawUpstream((request) => {
      seen = request;
      return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    });
    await poolFor(upstream.origin).request(
      { method: "POST", path: "/p", headers: ["transfer-encoding", "chunked", "x-a", "1"], body: Buffer.from("hey") },
      1000,
    );
    expect(seen).toBe(
      `POST /p HTTP/1.1\r\nhost: ${new URL(upstream.origin).host}\r\nx-a: 1\r\ncontent-length: 3\r\n\r\nhey`,
    );
  });

  it("says a refused connection never sent the request, and a connection lost mid-answer did", async () => {
    const refused = await rawUpstream(() => "");
    const origin = refused.origin;
    await new Promise((resolve) => refused.server.close(resolve));
    const first = await failure(poolFor(origin));
    expect(first).toMatchObject({ code: "ECONNREFUSED", sent: false });
    const cut = await rawUpstream(() => "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
    cut.server.on("connection", (socket) => socket.on("data", () => setTimeout(() => socket.destroy(), 20)));
    expect(await failure(poolFor(cut.origin))).toMatchObject({ code: "UPSTREAM_CLOSED", sent: true });
  });

  it("refuses a header value that would split the request, before sending anything", () => {
    const pool = poolFor("http://127.0.0.1:9");
    const handler = { onHead() {}, onData: () => true, onEnd() {}, onError() {} };
    expect(() =>
      pool.dispatch({ method: "GET", path: "/", headers: ["x-a", "1\r\nx-b: 2"], body: null }, handler),
    ).toThrow(/x-a/);
  });
});

function failure(pool: Http1Pool): Promise<{ code: string; sent: boolean }> {
  return new Promise((resolve, reject) => {
    pool.dispatch(
      { method: "GET", path: "/", headers: [], body: null },
      {
        onHead() {},
        onData: () => true,
        onEnd: () => reject(new Error("the request succeeded")),
        onError: (error: UpstreamError, sent: boolean) => resolve({ code: error.code, sent }),
      },
    );
  });
}
