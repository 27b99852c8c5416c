import { Agent, errors, request } from "undici";

/**
 * Plain HTTP for tests: every answer comes back as status, headers and parsed body, errors included.
 *
 * A service that never answers fails the test within a few seconds, with a message that says so: a correct
 * service answers in milliseconds, so a long silence means something on the request's path never finished
 * (typically a stub whose TODO is thrown where nothing turns it into an answer). Tests that expect a slow
 * answer on purpose (a deadline, a peer that is down) give a `timeoutMs` of their own.
 */

const agent = new Agent({ connections: 256, keepAliveTimeout: 1000 });

/** How long a test waits for a service's answer when it does not say: many times what a correct one needs. */
export const DEFAULT_PATIENCE_MS = 5_000;
/**
 * For a request sent in a burst of many at once (racing writes, deliberately slow password hashing): each
 * waits for the others, so a correct service may take seconds on a busy machine.
 */
export const BURST_PATIENCE_MS = 30_000;

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
  /** Give up after this long (DEFAULT_PATIENCE_MS when absent). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type Method = "GET" | "PUT" | "POST" | "PATCH" | "DELETE";

export async function call(base: string, method: Method, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["content-type"] ??= "application/json";
  } else if (options.raw !== undefined) {
    body = options.raw;
  }
  const timeout = options.timeoutMs ?? DEFAULT_PATIENCE_MS;
  try {
    const response = await request(`${base}${path}`, {
      method,
      headers,
      body,
      dispatcher: agent,
      headersTimeout: timeout,
      bodyTimeout: timeout,
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
  } catch (error) {
    if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
      throw new Error(silenceMessage(method, path, timeout), { cause: error });
    }
    throw error;
  }
}

/** What a test says when the service did not answer: the route, and where a student should look. */
export function silenceMessage(method: string, path: string, timeoutMs: number): string {
  const lab = process.env.DISTLAB_LAB;
  const handout = lab ? `labs/${lab}/README.md` : "the lab's handout";
  const route = path.split("?")[0];
  return (
    `${method} ${route}: the service did not answer within ${timeoutMs} ms. A correct service answers in ` +
    `milliseconds, so something on this request's path never finished: an unfinished step (a stub whose ` +
    `TODO is thrown where nothing turns it into an answer, or a promise nobody resolves). Look for a TODO in ` +
    `the service's output below or above, and read the step it names and the Pitfalls of ${handout}.`
  );
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
