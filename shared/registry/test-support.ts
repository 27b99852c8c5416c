import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";

/** Helpers of the registry's kit tests: raw HTTP (for wire details the client hides), bounded waits, a health target. */

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  /** X-Consul-Index as a number, or undefined when absent. */
  index: number | undefined;
}

export async function raw(base: string, method: string, path: string, body?: string): Promise<RawReply> {
  const response = await request(`${base}${path}`, {
    method: method as "GET",
    ...(body === undefined ? {} : { body }),
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const index = response.headers["x-consul-index"];
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    json,
    index: index ? Number(index) : undefined,
  };
}

/** Polls `probe` until it returns true; fails after `timeoutMs` with `what` and the last value seen. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`waited ${timeoutMs} ms for ${what}, in vain`);
}

/** An HTTP server for HTTP checks to probe: it answers `status` to every request; `hits` counts them. */
export async function startHealthTarget(status = 200) {
  const target = { status, hits: 0, url: "", close: async () => {} };
  const server = createServer((_request, response) => {
    target.hits += 1;
    response.writeHead(target.status, { "content-type": "text/plain" }).end(`status ${target.status}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  target.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return target;
}

let counter = 0;
/** A name no other test of this run uses (a real Consul may be shared between runs). */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
