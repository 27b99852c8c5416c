import { restartService, startService, type ServiceProcess } from "@distlab/kit/harness";
import type { ObserveOptions } from "@distlab/kit/observe";
import { Agent, request } from "undici";

/** Test helpers for Lab 01: start the KV service under test and talk to it over real HTTP. */

const agent = new Agent({ connections: 256, keepAliveTimeout: 1000 });

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

/** Starts the KV under test; `observe` also records what it does on disk and on the wire (see disk.ts). */
export function startKv(env: Record<string, string> = {}, observe?: ObserveOptions): Promise<ServiceProcess> {
  return startService({ service: "kv", env, ...(observe ? { observe } : {}) });
}

export function restartKv(previous: ServiceProcess): Promise<ServiceProcess> {
  return restartService(previous);
}

export async function call(
  base: string,
  method: "GET" | "PUT" | "POST" | "DELETE",
  path: string,
  options: { json?: unknown; raw?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["content-type"] ??= "application/json";
  } else if (options.raw !== undefined) {
    body = options.raw;
  }
  const response = await request(`${base}${path}`, {
    method,
    headers,
    body,
    dispatcher: agent,
    headersTimeout: 20_000,
    bodyTimeout: 20_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.body.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: tests read `text`
  }
  return { status: response.statusCode, headers: response.headers, body: parsed, text };
}

/** A small client over `call`: what a test would write again and again. */
export function kvClient(base: string) {
  return {
    put: (key: string, value: string, headers?: Record<string, string>, signal?: AbortSignal) =>
      call(base, "PUT", `/kv/${key}`, {
        json: { value },
        ...(headers ? { headers } : {}),
        ...(signal ? { signal } : {}),
      }),
    get: (key: string) => call(base, "GET", `/kv/${key}`),
    del: (key: string, headers?: Record<string, string>) =>
      call(base, "DELETE", `/kv/${key}`, headers ? { headers } : {}),
    post: (value: string) => call(base, "POST", "/kv", { json: { value } }),
    list: (query: Record<string, string | number>) =>
      call(
        base,
        "GET",
        `/kv?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`,
      ),
  };
}

/** Explains a reply in a failure message: status, and the problem detail when there is one. */
export function show(reply: Reply): string {
  return `HTTP ${reply.status} ${reply.text.slice(0, 300)}`;
}

/** Every key of a listing, following cursors to the end. */
export async function listAll(base: string, query: Record<string, string | number> = {}): Promise<string[]> {
  const client = kvClient(base);
  const keys: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const reply = await client.list(cursor === null ? query : { ...query, cursor });
    if (reply.status !== 200) throw new Error(`GET /kv answered ${show(reply)}`);
    keys.push(...reply.body.items.map((item: { key: string }) => item.key));
    cursor = reply.body.next;
    if (cursor === null) return keys;
  }
  throw new Error("GET /kv kept returning a next cursor after 10000 pages");
}
