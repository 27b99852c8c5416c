import { describe, expect, it } from "vitest";
import { BodyReader } from "./body.ts";
import { HeadError, LastHead, parseRequestHead, parseResponseHead, type Framing } from "./head.ts";

const limits = { maxHeaders: 10 };

function request(head: string) {
  return parseRequestHead(head, limits);
}

function refusal(head: string): { status: number; message: string } {
  try {
    request(head);
  } catch (error) {
    if (error instanceof HeadError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(head)}`);
}

describe("request heads", () => {
  it("reads the request line and the headers, names lowercased and values trimmed", () => {
    const head = request("GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Thing:  two words \t\r\n");
    expect(head).toMatchObject({ method: "GET", target: "/a?b=1", minor: 1, keepAlive: true });
    expect(head.headers).toEqual(["host", "x", "x-thing", "two words"]);
    expect(head.framing).toEqual({ kind: "none" });
  });

  it("keeps HTTP/1.1 connections open unless Connection: close, HTTP/1.0 ones only with keep-alive", () => {
    expect(request("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n").keepAlive).toBe(false);
    expect(request("GET / HTTP/1.0\r\n").keepAlive).toBe(false);
    expect(request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n").keepAlive).toBe(true);
  });

  it("frames bodies by Content-Length or chunked", () => {
    expect(request("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n").framing).toEqual({
      kind: "length",
      length: 12,
    });
    expect(request("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n").framing).toEqual({
      kind: "chunked",
    });
  });

  it.each([
    ["a bare LF", "GET / HTTP/1.1\nHost: x\n", 400],
    ["a folded header", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n", 400],
    ["a space before the colon", "GET / HTTP/1.1\r\nHost : x\r\n", 400],
    ["no Host in HTTP/1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n", 400],
    ["two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n", 400],
    ["two different Content-Lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n", 400],
    ["a signed Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n", 400],
    [
      "Content-Length and chunked",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n",
      400,
    ],
    ["an unknown transfer coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n", 501],
    ["a control character in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n", 400],
    ["a space in the target", "GET /a b HTTP/1.1\r\nHost: x\r\n", 400],
    ["a non-ASCII target", "GET /é HTTP/1.1\r\nHost: x\r\n", 400],
    ["an invalid method", "G(T / HTTP/1.1\r\nHost: x\r\n", 400],
    ["HTTP/2.0 on this connection", "GET / HTTP/2.0\r\nHost: x\r\n", 505],
    ["garbage for a version", "GET / HTTX/1.1\r\nHost: x\r\n", 400],
    ["an unknown expectation", "POST / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n", 417],
    [
      "too many header fields",
      `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 10 }, (_, i) => `X-${i}: 1\r\n`).join("")}`,
      431,
    ],
  ])("refuses %s", (_what, head, status) => {
    expect(refusal(head).status).toBe(status);
  });

  it("says what is wrong", () => {
    expect(refusal("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n").message).toMatch(
      /two different Content-Length/,
    );
  });
});

describe("response heads", () => {
  it("reads the status line; a body without Content-Length or chunked runs until the close", () => {
    const head = parseResponseHead("HTTP/1.1 404 Not Found\r\nServer: s\r\n", limits);
    expect(head).toMatchObject({ status: 404, reason: "Not Found", keepAlive: false });
    expect(head.framing).toEqual({ kind: "close" });
  });

  it("keeps the connection when the body is framed and nothing says close", () => {
    const head = parseResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n", limits);
    expect(head.keepAlive).toBe(true);
    expect(parseResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n", limits).keepAlive).toBe(
      false,
    );
  });

  it("refuses a malformed status line", () => {
    expect(() => parseResponseHead("HTTP/1.1 2000 OK\r\n", limits)).toThrow(HeadError);
    expect(() => parseResponseHead("HTTP/1.1 OK\r\n", limits)).toThrow(/malformed/);
  });
});

/** Feeds `wire` to a reader in pieces of `step` bytes; what came out and where the body ended. */
function readBody(framing: Framing, wire: string, step: number) {
  const pieces: string[] = [];
  let ended = false;
  const reader = new BodyReader(framing, {
    onBodyData: (chunk) => pieces.push(chunk.toString("latin1")),
    onBodyEnd: () => (ended = true),
  });
  const bytes = Buffer.from(wire, "latin1");
  let consumed = 0;
  for (let at = 0; at < bytes.length && !reader.done; at += step) {
    const piece = Buffer.from(bytes.subarray(at, Math.min(at + step, bytes.length)));
    consumed = at + reader.feed(piece, 0, piece.length);
  }
  return { body: pieces.join(""), ended, consumed };
}

describe("bodies", () => {
  it.each([1, 3, 100])("decodes a chunked body with extensions and trailers, fed %i bytes at a time", (step) => {
    const wire = "5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
    const { body, ended, consumed } = readBody({ kind: "chunked" }, wire, step);
    expect(body).toBe("hello, world!!!");
    expect(ended).toBe(true);
    expect(wire.slice(consumed)).toBe("NEXT");
  });

  it("stops a Content-Length body at its length, leaving the next message's bytes", () => {
    const { body, ended, consumed } = readBody({ kind: "length", length: 4 }, "abcdGET /", 100);
    expect([body, ended, consumed]).toEqual(["abcd", true, 4]);
  });

  it.each([
    ["a size that is not hexadecimal", "zz\r\n"],
    ["data longer than its size", "2\r\nabc\r\n"],
    ["a bare LF after the size", "2\nab\r\n"],
    ["a size past 2^53", "fffffffffffffff\r\n"],
  ])("refuses a chunked body with %s", (_what, wire) => {
    expect(() => readBody({ kind: "chunked" }, wire, 100)).toThrow(HeadError);
  });
});

describe("the last head of a connection", () => {
  it("parses a head once while it repeats, shares it frozen, and parses a different one anew", () => {
    let parses = 0;
    const last = new LastHead((text: string) => {
      parses++;
      return parseResponseHead(text, limits);
    });
    const text = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nserver: s\r\n";
    const first = last.of(text);
    const again = last.of(`${text}`.slice(0));
    expect(again).toBe(first);
    expect(parses).toBe(1);
    expect(Object.isFrozen(first) && Object.isFrozen(first.headers) && Object.isFrozen(first.framing)).toBe(true);
    expect(() => (first.headers as string[]).push("x-late", "1")).toThrow(TypeError);
    const other = last.of("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n");
    expect(other.status).toBe(404);
    expect(parses).toBe(2);
  });

  it("remembers nothing from a head it refuses", () => {
    const last = new LastHead((text: string) => parseRequestHead(text, limits));
    const good = last.of("GET /a HTTP/1.1\r\nhost: h\r\n");
    expect(() => last.of("GET /a HTTP/1.1\r\nhost : h\r\n")).toThrow(HeadError);
    expect(last.of("GET /a HTTP/1.1\r\nhost: h\r\n")).toBe(good);
  });
});
