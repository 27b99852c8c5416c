import { Agent, request } from "undici";

/** Plain HTTP for tests: every answer comes back as status, headers and parsed body, errors included. */

const agent = new Agent({ connections: 128, keepAliveTimeout: 1000 });

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export interface CallOptions {
  json?: unknown;
  raw?: string;
  token?: string;
  headers?: Record<string, string>;
  /** Give up after this long (the 503 test bounds its wait with it). */
  timeoutMs?: number;
}

export async function call(
  base: string,
  method: "GET" | "PUT" | "POST" | "PATCH" | "DELETE",
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["content-type"] ??= "application/json";
  } else if (options.raw !== undefined) {
    body = options.raw;
  }
  const timeout = options.timeoutMs ?? 30_000;
  const response = await request(`${base}${path}`, {
    method,
    headers,
    body,
    dispatcher: agent,
    headersTimeout: timeout,
    bodyTimeout: timeout,
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

/** A reply in a failure message: status and body (where a stub's TODO message shows). */
export function show(reply: Reply): string {
  return `HTTP ${reply.status} ${reply.text.slice(0, 500)}`;
}

/** Fails with the reply shown unless its status is the expected one; returns the body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function expectStatus(reply: Reply, status: number, what: string): any {
  if (reply.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${show(reply)}`);
  return reply.body;
}
