import { errors, request, type Dispatcher } from "undici";

/**
 * One JSON request over undici, with the failure vocabulary the resilient call (resilience.ts) works with:
 * an answer (any status) comes back as a value; a request that got no answer throws.
 */

export interface JsonReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface JsonRequest {
  method: "GET" | "PUT" | "POST" | "PATCH" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
}

export async function requestJson(url: string, options: JsonRequest): Promise<JsonReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await request(url, {
    method: options.method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  const text = await response.body.text();
  let body: unknown = undefined;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.statusCode, headers: response.headers, body };
}

/** An answer that means "not now, try again": the request was not (or not fully) handled. */
export class UnavailableAnswer extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`HTTP ${status}: ${detail}`);
    this.name = "UnavailableAnswer";
  }
}

/** Throws UnavailableAnswer for 502/503/504, so that the resilient call sees it as a failed attempt. */
export function throwIfUnavailable(reply: JsonReply): JsonReply {
  if (reply.status === 502 || reply.status === 503 || reply.status === 504) {
    throw new UnavailableAnswer(reply.status, problemDetail(reply));
  }
  return reply;
}

export function problemDetail(reply: JsonReply): string {
  const body = reply.body as { detail?: unknown } | string | undefined;
  if (typeof body === "object" && body && typeof body.detail === "string") return body.detail;
  return typeof body === "string" ? body.slice(0, 200) : `HTTP ${reply.status}`;
}

/** The connection was refused: nothing was sent, so even a request that is not idempotent can go again. */
export function neverSent(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "ECONNREFUSED";
}

/**
 * The request may or may not have reached the server, and no answer came back: a reset or closed
 * connection, a socket error, or our own per-attempt timeout.
 */
export function noAnswer(error: unknown): boolean {
  if (error instanceof errors.UndiciError) return true;
  const name = (error as { name?: unknown }).name;
  if (name === "AbortError" || name === "TimeoutError") return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^(ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR)/.test(code);
}
