// The front's hot path: `PUT /kv/:key` with a JSON body — nearly every request a busy client sends, and
// what `distlab bench 07` measures — answered on node:http directly. fastify's request lifecycle (routing,
// hooks, zod on the way in and on the way out) costs about as much CPU per write as the whole Raft round
// behind it, and on a loaded machine CPU is latency. The fast path takes only what it can answer exactly as
// fastify would: a request whose head is unremarkable (a valid key, no query, JSON, a Content-Length, a
// well-formed If-Match) is read here; a body that is not exactly `{"value": "<text>"}` within the size
// limit is replayed through fastify (inject), which gives the usual 400 or 413 naming what is wrong.
// Everything else goes to fastify untouched. The store's own answers (412, 503) are problems, as there.
import type { IncomingMessage, ServerResponse } from "node:http";
import { keyParams } from "@distlab/lab/01-kv/schemas.ts";
import { HttpProblem, PROBLEM_CONTENT_TYPE, type ServiceApp } from "@distlab/kit/service";
import { ifMatchOf, resultOf, versionOrMismatch, type FrontDeps } from "./front.ts";
import type { Operation } from "./messages.ts";

const JSON_TYPES = new Set(["application/json", "application/json; charset=utf-8"]);
/** Headers of an injected answer that belong to the connection, not to the answer. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "date"]);

/** Keys recently found valid: clients write the same keys again and again, and zod is not free. */
const validKeys = new Set<string>();
const MAX_REMEMBERED_KEYS = 10_000;

function remember(key: string): void {
  if (validKeys.size >= MAX_REMEMBERED_KEYS) validKeys.clear();
  validKeys.add(key);
}

interface Metrics {
  count(status: number, seconds: number): void;
}

/** Puts the fast path in front of fastify's handler on the app's server. Call before listen(). */
export function installFastPath(app: ServiceApp, deps: FrontDeps, bodyLimit: number): void {
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  const metrics = metricsOf(app);
  const take = (request: IncomingMessage, response: ServerResponse) => {
    const put = closing ? undefined : acceptedPut(request, bodyLimit);
    if (put === undefined) return app.routing(request, response);
    void answerPut(app, deps, put, request, response, metrics);
  };
  // fastify listens on the server it created; the fast path replaces that listener and calls fastify's
  // own handler (app.routing) for everything it does not take.
  app.server.removeAllListeners("request");
  app.server.on("request", take);
}

interface AcceptedPut {
  key: string;
  ifMatch: number | undefined;
  length: number;
}

/** The PUT's key, condition and body length, when its head is one the fast path answers; else undefined. */
function acceptedPut(request: IncomingMessage, bodyLimit: number): AcceptedPut | undefined {
  const { method, url, headers } = request;
  if (method !== "PUT" || url === undefined || !url.startsWith("/kv/")) return undefined;
  const key = url.slice(4);
  if (!validKeys.has(key)) {
    if (/[%?#/]/.test(key) || !keyParams.safeParse({ key }).success) return undefined;
    remember(key);
  }
  const type = headers["content-type"];
  if (type === undefined || !JSON_TYPES.has(type.toLowerCase())) return undefined;
  if (headers["transfer-encoding"] !== undefined || headers["content-length"] === undefined) return undefined;
  const length = Number(headers["content-length"]);
  if (!Number.isInteger(length) || length <= 0 || length > bodyLimit) return undefined;
  try {
    return { key, ifMatch: ifMatchOf(headers), length };
  } catch {
    return undefined;
  }
}

async function answerPut(
  app: ServiceApp,
  deps: FrontDeps,
  put: AcceptedPut,
  request: IncomingMessage,
  response: ServerResponse,
  metrics: Metrics,
): Promise<void> {
  const started = performance.now();
  let status = 500;
  try {
    const body = await readBody(request, put.length);
    const value = plainValue(body);
    if (value === undefined || Buffer.byteLength(value, "utf8") > deps.maxValueBytes) {
      status = 0; // fastify counts the replayed request itself
      return await replay(app, request, body, response);
    }
    const op: Operation = {
      op: "put",
      key: put.key,
      value,
      ...(put.ifMatch === undefined ? {} : { ifMatch: put.ifMatch }),
    };
    try {
      const version = versionOrMismatch(put.key, await resultOf(deps, op));
      status = 200;
      send(response, 200, "application/json; charset=utf-8", JSON.stringify({ key: put.key, version }));
    } catch (error) {
      status = sendProblem(request, response, error, deps);
    }
  } catch (error) {
    deps.logger?.warn({ err: error }, "a PUT could not be read");
    response.destroy();
  } finally {
    if (status !== 0) metrics.count(status, (performance.now() - started) / 1000);
  }
}

/** The body's value when it is exactly `{"value": "<text>"}` as JSON; undefined for anything else. */
function plainValue(body: Buffer): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const keys = Object.keys(parsed);
  const value = (parsed as { value?: unknown }).value;
  return keys.length === 1 && typeof value === "string" ? value : undefined;
}

function readBody(request: IncomingMessage, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    request.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > length) request.destroy(new Error("the body is longer than its Content-Length"));
      else chunks.push(chunk);
    });
    request.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** Has fastify answer a request whose body the fast path already read, and sends its answer. */
async function replay(app: ServiceApp, request: IncomingMessage, body: Buffer, response: ServerResponse) {
  const injected = await app.inject({
    method: "PUT",
    url: request.url!,
    headers: request.headers,
    payload: body,
  });
  const headers = Object.fromEntries(Object.entries(injected.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
  response.writeHead(injected.statusCode, headers as Record<string, string>);
  response.end(injected.rawPayload);
}

/** Answers a problem as the service's error handler would (problem+json, its headers); returns the status. */
function sendProblem(request: IncomingMessage, response: ServerResponse, error: unknown, deps: FrontDeps): number {
  const known = error instanceof HttpProblem;
  if (!known) deps.logger?.error({ err: error }, "request failed");
  const body = known
    ? error.toProblem(request.url)
    : {
        type: "about:blank",
        title: "Internal Server Error",
        status: 500,
        detail: "the service failed while answering; see its log",
        instance: request.url,
      };
  send(response, body.status, PROBLEM_CONTENT_TYPE, JSON.stringify(body), known ? error.headers : {});
  return body.status;
}

function send(response: ServerResponse, status: number, type: string, text: string, headers = {}): void {
  response.writeHead(status, { ...headers, "content-type": type, "content-length": Buffer.byteLength(text) });
  response.end(text);
}

/** The service's request counter and latency histogram, so PUTs answered here are counted as the others. */
function metricsOf(app: ServiceApp): Metrics {
  const requests = app.metrics.getSingleMetric("http_requests_total") as
    { inc(labels: Record<string, string>): void } | undefined;
  const duration = app.metrics.getSingleMetric("http_request_duration_seconds") as
    { observe(labels: Record<string, string>, value: number): void } | undefined;
  return {
    count(status, seconds) {
      requests?.inc({ method: "PUT", route: "/kv/:key", status: String(status) });
      duration?.observe({ method: "PUT", route: "/kv/:key" }, seconds);
    },
  };
}
