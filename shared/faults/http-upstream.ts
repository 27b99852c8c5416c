/**
 * The HTTP proxy's side towards the upstream: send a copy of the client's request, hand back the
 * response. Method, path, query, headers and body go through as they came; only hop-by-hop headers
 * (which describe the client's connection, not the request) are dropped, and Host names the upstream.
 */
import http from "node:http";
import type { IncomingMessage } from "node:http";
import { pipeline } from "node:stream";
import type { Readable } from "node:stream";
import { Throttle } from "./streams.ts";

/** Headers about one connection (RFC 9110 §7.6.1), never forwarded. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"]);

/** The upstream failed (refused, reset, closed early): the proxy answers 502 when it still can. */
export class UpstreamError extends Error {
  constructor(upstream: URL, cause: unknown) {
    super(`upstream ${upstream.origin} failed: ${(cause as Error).message ?? String(cause)}`, { cause });
    this.name = "UpstreamError";
  }
}

export class Upstream {
  readonly #base: URL;
  readonly #agent = new http.Agent({ keepAlive: true });
  readonly #signal: AbortSignal;

  /** `signal` aborts every request in flight (the proxy is closing). */
  constructor(base: string | URL, signal: AbortSignal) {
    this.#base = new URL(base);
    if (this.#base.protocol !== "http:") {
      throw new TypeError(`upstream must be an http:// URL, got ${this.#base.href}`);
    }
    this.#signal = signal;
  }

  get origin(): string {
    return this.#base.origin;
  }

  /** Sends a copy of `req` with `body`; resolves with the response once its headers arrived. */
  send(req: IncomingMessage, body: Readable | Buffer): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const fail = (error: unknown): void => reject(new UpstreamError(this.#base, error));
      const outgoing = http.request(
        {
          host: this.#base.hostname.replace(/^\[|\]$/g, ""),
          port: this.#base.port,
          method: req.method,
          path: this.#path(req.url ?? "/"),
          headers: [...forwardableHeaders(req.rawHeaders), "Host", this.#base.host],
          agent: this.#agent,
          signal: this.#signal,
        },
        resolve,
      );
      outgoing.on("error", fail);
      if (Buffer.isBuffer(body)) outgoing.end(body);
      else pipeline(body, outgoing, (error) => error && fail(error));
    });
  }

  close(): void {
    this.#agent.destroy();
  }

  /** The upstream's base path, then the request's path and query. */
  #path(requestUrl: string): string {
    return this.#base.pathname.replace(/\/$/, "") + requestUrl;
  }
}

/** Raw headers (name, value, name, value, ...) minus hop-by-hop ones and Host. */
export function forwardableHeaders(rawHeaders: string[]): string[] {
  const named = new Set(HOP_BY_HOP);
  named.add("host");
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === "connection") {
      for (const token of (rawHeaders[i + 1] ?? "").split(",")) named.add(token.trim().toLowerCase());
    }
  }
  const kept: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? "";
    if (!named.has(name.toLowerCase())) kept.push(name, rawHeaders[i + 1] ?? "");
  }
  return kept;
}

/** `source` as is, or through a bandwidth cap. */
export function throttled(source: Readable, bytesPerSecond: number | undefined): Readable {
  if (bytesPerSecond === undefined) return source;
  const throttle = new Throttle(bytesPerSecond);
  pipeline(source, throttle, () => {});
  return throttle;
}

export async function readAll(source: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
