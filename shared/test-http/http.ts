import { connect } from "node:net";
import { Agent, errors, request } from "undici";
import { BodyReader, type BodySink } from "../http-engine/body.ts";
import { HeadError, NO_BODY, parseResponseHead, statusHasNoBody, type ResponseHead } from "../http-engine/head.ts";

/**
 * Plain HTTP for tests: every answer comes back as status, headers and parsed body, errors included.
 *
 * A service that never answers fails the test within a few seconds, with a message that says so: a correct
 * service answers in milliseconds, so a long silence means something on the request's path never finished
 * (typically a stub whose TODO is thrown where nothing turns it into an answer). Tests that expect a slow
 * answer on purpose (a deadline, a peer that is down) give a `timeoutMs` of their own.
 */

const agent = new Agent({ connections: 256, keepAliveTimeout: 1000 });

/** Header fields a test's answer may have: far more than any service sends. */
const HEAD_LIMITS = { maxHeaders: 256 };

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

export interface BurstRequest {
  method: Method;
  path: string;
  json?: unknown;
  headers?: Record<string, string>;
}

/**
 * Requests sent as one burst that a service cannot take apart: all of them pipelined on one new
 * connection, in a single write, so they are in the service's socket before it reads any. Node's HTTP
 * server then parses them in one go and runs every handler's synchronous part before any timer or
 * setImmediate callback. A race between a check and the update it guards (an `await` in between) then
 * shows every time, on an idle machine as on a loaded one, where requests sent on separate connections
 * reach the service one read at a time or all together, depending on the load.
 * The answers come back in the order of the requests.
 */
export async function burst(base: string, requests: BurstRequest[], timeoutMs = BURST_PATIENCE_MS): Promise<Reply[]> {
  const url = new URL(base);
  const host = url.host;
  const wire = requests
    .map(({ method, path, json, headers = {} }) => {
      const body = json === undefined ? "" : JSON.stringify(json);
      const fields: Record<string, string> = { host, ...headers };
      if (json !== undefined) {
        fields["content-type"] ??= "application/json";
        fields["content-length"] = String(Buffer.byteLength(body));
      }
      const head = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`);
      return `${method} ${path} HTTP/1.1\r\n${head.join("")}\r\n${body}`;
    })
    .join("");
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  const reader = new PipelinedReplies();
  const { replies } = reader;
  try {
    return await new Promise<Reply[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        const first = requests[replies.length];
        reject(
          new Error(
            `${replies.length} of ${requests.length} pipelined requests answered; ` +
              silenceMessage(first?.method ?? "GET", first?.path ?? "/", timeoutMs),
          ),
        );
      }, timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      const check = () => {
        if (replies.length < requests.length) return;
        clearTimeout(timer);
        resolve(replies);
      };
      socket.once("error", fail);
      socket.once("close", () => {
        // An answer framed by the end of the connection (no Content-Length, not chunked) ends here.
        reader.closed();
        check();
        fail(
          new Error(
            `the service closed the connection after ${replies.length} of ${requests.length} pipelined answers`,
          ),
        );
      });
      socket.on("data", (chunk: Buffer) => {
        try {
          reader.push(chunk);
        } catch (error) {
          const problem = error instanceof HeadError ? error.message : String(error);
          fail(
            new Error(
              `the service's answer to pipelined request ${replies.length + 1} is not valid HTTP/1.1: ${problem}`,
            ),
          );
          return;
        }
        check();
      });
      socket.write(wire);
    });
  } finally {
    socket.destroy();
  }
}

/**
 * The answers on a connection, in order, read with the kit's HTTP/1.1 engine (its response-head parser
 * and body reader): interim 1xx answers are skipped, a body is whatever its framing says.
 */
class PipelinedReplies implements BodySink {
  readonly replies: Reply[] = [];
  /** Bytes of a head not complete yet. */
  private partial: Buffer | undefined;
  private head: ResponseHead | undefined;
  private body: BodyReader | undefined;
  private parts: Buffer[] = [];

  push(chunk: Buffer): void {
    const bytes = this.partial === undefined ? chunk : Buffer.concat([this.partial, chunk]);
    this.partial = undefined;
    let offset = 0;
    while (offset < bytes.length) {
      if (this.body !== undefined) {
        offset = this.body.feed(bytes, offset, bytes.length);
        continue;
      }
      const headEnd = bytes.indexOf("\r\n\r\n", offset);
      if (headEnd < 0) {
        this.partial = Buffer.from(bytes.subarray(offset));
        return;
      }
      const head = parseResponseHead(bytes.toString("latin1", offset, headEnd + 2), HEAD_LIMITS);
      offset = headEnd + 4;
      if (head.status < 200) continue;
      this.head = head;
      this.parts = [];
      this.body = new BodyReader(statusHasNoBody(head.status) ? NO_BODY : head.framing, this);
      if (this.body.done) this.onBodyEnd();
    }
  }

  closed(): void {
    this.body?.closed();
  }

  onBodyData(chunk: Buffer): void {
    this.parts.push(Buffer.from(chunk));
  }

  onBodyEnd(): void {
    const head = this.head!;
    this.head = undefined;
    this.body = undefined;
    const headers: Record<string, string | string[]> = {};
    for (let i = 0; i < head.headers.length; i += 2) {
      const name = head.headers[i]!;
      const value = head.headers[i + 1]!;
      const seen = headers[name];
      headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    const text = Buffer.concat(this.parts).toString("utf8");
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: tests read `text`
    }
    this.replies.push({ status: head.status, headers, body: parsed, text });
  }
}
