/**
 * Real servers for the proxies' tests to stand behind a proxy: an HTTP service that records every
 * request it fully processed, and TCP servers. Each returns a close() for afterEach.
 */
import http from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import net from "node:net";
import type { Socket } from "node:net";
import { listen } from "./servers.ts";

export interface ProcessedRequest {
  method: string;
  /** Path and query, as the upstream saw them. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request arrived (headers). */
  arrivedAt: number;
  /** performance.now() when its whole body had arrived. */
  bodyEndedAt: number;
}

export interface RecordingUpstream {
  url: string;
  port: number;
  /** Requests fully read by the upstream, in arrival order. */
  processed: ProcessedRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP service on a free loopback port. By default it answers 200 with the request echoed as JSON
 * and an `x-upstream: echo` header; GET /bytes/N answers N bytes of "x".
 */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const processed: ProcessedRequest[] = [];
  const server = http.createServer((req, res) => {
    const arrivedAt = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        arrivedAt,
        bodyEndedAt: performance.now(),
      };
      processed.push(request);
      answer(req, res, request);
    });
  });
  const listening = await listen(server, 0, "127.0.0.1");
  return { url: `http://127.0.0.1:${listening.port}`, port: listening.port, processed, close: () => listening.close() };
}

function answer(req: IncomingMessage, res: ServerResponse, request: ProcessedRequest): void {
  const size = /^\/bytes\/(\d+)$/.exec(req.url ?? "")?.[1];
  if (size !== undefined) {
    res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.alloc(Number(size), "x"));
    return;
  }
  const { method, url, headers, body } = request;
  res
    .writeHead(201, "Echoed", { "content-type": "application/json", "x-upstream": "echo" })
    .end(JSON.stringify({ method, url, headers, body }));
}

export interface TcpUpstream {
  port: number;
  /** Connections the upstream accepted. */
  connections: number;
  close(): Promise<void>;
}

/** A TCP server on a free loopback port that runs `onConnection` for each client. */
export async function startTcpUpstream(onConnection: (socket: Socket) => void): Promise<TcpUpstream> {
  const upstream = { port: 0, connections: 0, close: async () => {} };
  const server = net.createServer((socket) => {
    upstream.connections += 1;
    socket.on("error", () => socket.destroy());
    onConnection(socket);
  });
  const listening = await listen(server, 0, "127.0.0.1");
  upstream.port = listening.port;
  upstream.close = () => listening.close();
  return upstream;
}

/** Waits for `condition`, polling, and fails with `what` if it does not hold within `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
