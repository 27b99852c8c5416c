import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * A small HTTP backend whose behaviour a test controls: it echoes what it received (so a test sees what
 * a proxy in front of it forwarded), answers late, fails or hangs up on demand, reports its health as
 * told, and counts requests, connections and health checks. Plain node:http, no kit imports: it starts
 * in a few milliseconds as its own process (main.ts) and is cheap enough to be the benchmarks' backend.
 *
 * Per request, headers steer one answer (a proxy passes them on):
 *   x-backend-delay-ms: N    answer N ms later
 *   x-backend-status: N      answer with status N
 *   x-backend-hangup: 1      read the request, then close the connection without an answer
 * For the whole instance, PUT /_backend/behaviour sets defaults (see Behaviour). The control paths
 * /_backend/* and /health are never counted as requests.
 */

export interface Behaviour {
  /** Every answer waits this long (ms). */
  delayMs: number;
  /** Status of every answer to a proxied request (200 echoes; anything else answers a small JSON error). */
  status: number;
  /** Status of GET /health. */
  health: number;
  /** Read each request, then close the connection without an answer. */
  hangup: boolean;
}

export interface LoggedRequest {
  method: string;
  url: string;
  requestId: string | null;
  idempotencyKey: string | null;
  /** Milliseconds since the backend started. */
  at: number;
}

export interface BackendStats {
  instance: string;
  requests: number;
  /** TCP connections accepted since the last reset. */
  connections: number;
  inFlight: number;
  maxInFlight: number;
  healthChecks: number;
  /** The last LOG_LIMIT proxied requests, oldest first. */
  log: LoggedRequest[];
}

export interface BackendOptions {
  instance: string;
  /** Answer every proxied request with the same small body, echoing nothing (the benchmarks' backend). */
  fixed?: boolean;
}

const LOG_LIMIT = 2000;
const DEFAULT_BEHAVIOUR: Behaviour = { delayMs: 0, status: 200, health: 200, hangup: false };

export function createBackendServer(options: BackendOptions): Server {
  const backend = new TestBackend(options);
  const server = createServer({ keepAliveTimeout: 30_000 }, (request, response) => backend.handle(request, response));
  server.on("connection", (_socket: Socket) => void backend.stats.connections++);
  return server;
}

class TestBackend {
  private readonly started = performance.now();
  private behaviour: Behaviour = { ...DEFAULT_BEHAVIOUR };
  stats: BackendStats;
  private readonly fixedBody: Buffer;
  private readonly options: BackendOptions;

  // No parameter properties: Node runs this file by stripping types, which does not support them.
  constructor(options: BackendOptions) {
    this.options = options;
    this.stats = freshStats(options.instance);
    this.fixedBody = Buffer.from(JSON.stringify({ ok: true, instance: options.instance }));
  }

  handle(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? "";
    const own = url.startsWith("/_backend/") || url === "/health";
    if (this.options.fixed && request.method === "GET" && !own) {
      request.resume();
      return this.proxied(request, response, "");
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (url.startsWith("/_backend/")) return this.control(request, response, body);
      if (url === "/health") {
        this.stats.healthChecks++;
        const health = this.behaviour.health;
        return json(response, health, { status: health === 200 ? "ok" : "failing" });
      }
      this.proxied(request, response, body);
    });
  }

  private control(request: IncomingMessage, response: ServerResponse, body: string): void {
    if (request.url === "/_backend/stats" && request.method === "GET") return json(response, 200, this.stats);
    if (request.url === "/_backend/stats" && request.method === "DELETE") {
      this.stats = freshStats(this.options.instance);
      return json(response, 200, this.stats);
    }
    if (request.url === "/_backend/behaviour" && request.method === "PUT") {
      const next = parseBehaviour(body);
      if (typeof next === "string") return json(response, 400, { error: next });
      this.behaviour = { ...DEFAULT_BEHAVIOUR, ...next };
      return json(response, 200, this.behaviour);
    }
    return json(response, 404, { error: `no control path ${request.method} ${request.url}` });
  }

  private proxied(request: IncomingMessage, response: ServerResponse, body: string): void {
    const stats = this.stats;
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    if (stats.log.length >= LOG_LIMIT) stats.log.shift();
    stats.log.push({
      method: request.method ?? "",
      url: request.url ?? "",
      requestId: headerText(request, "x-request-id"),
      idempotencyKey: headerText(request, "idempotency-key"),
      at: Math.round(performance.now() - this.started),
    });
    const delayMs = Number(headerText(request, "x-backend-delay-ms") ?? this.behaviour.delayMs);
    if (delayMs > 0) setTimeout(() => this.answer(request, response, body, stats), delayMs);
    else this.answer(request, response, body, stats);
  }

  private answer(request: IncomingMessage, response: ServerResponse, body: string, stats: BackendStats): void {
    stats.inFlight--;
    const status = Number(headerText(request, "x-backend-status") ?? this.behaviour.status);
    if (this.behaviour.hangup || headerText(request, "x-backend-hangup") === "1") return void request.socket.destroy();
    if (this.options.fixed && status === 200) {
      response.writeHead(200, { "content-type": "application/json", "content-length": this.fixedBody.length });
      return void response.end(this.fixedBody);
    }
    if (status !== 200)
      return json(response, status, { error: `status ${status} as asked`, instance: this.options.instance });
    json(response, 200, {
      instance: this.options.instance,
      method: request.method,
      url: request.url,
      headers: request.headers,
      body,
    });
  }
}

function freshStats(instance: string): BackendStats {
  return { instance, requests: 0, connections: 0, inFlight: 0, maxInFlight: 0, healthChecks: 0, log: [] };
}

function headerText(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === "string" ? value : null;
}

function json(response: ServerResponse, status: number, value: unknown): void {
  if (status === 204 || status === 304) return void response.writeHead(status).end();
  const body = JSON.stringify(value);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  response.end(body);
}

/** The behaviour a PUT asks for, or what is wrong with it. */
function parseBehaviour(body: string): Partial<Behaviour> | string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return "the body must be a JSON object";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "the body must be a JSON object";
  const result: Partial<Behaviour> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === "hangup") {
      if (typeof field !== "boolean") return "hangup must be true or false";
      result.hangup = field;
    } else if (key === "delayMs" || key === "status" || key === "health") {
      if (!Number.isInteger(field) || (field as number) < 0) return `${key} must be a non-negative integer`;
      result[key] = field as number;
    } else {
      return `unknown field '${key}' (expected delayMs, status, health, hangup)`;
    }
  }
  return result;
}
