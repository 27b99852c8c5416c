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
  const started = performance.now();
  let behaviour: Behaviour = { ...DEFAULT_BEHAVIOUR };
  let stats = freshStats(options.instance);
  const fixedBody = Buffer.from(JSON.stringify({ ok: true, instance: options.instance }));

  const control = (request: IncomingMessage, response: ServerResponse, body: string) => {
    if (request.url === "/_backend/stats" && request.method === "GET") return json(response, 200, stats);
    if (request.url === "/_backend/stats" && request.method === "DELETE") {
      stats = freshStats(options.instance);
      return json(response, 200, stats);
    }
    if (request.url === "/_backend/behaviour" && request.method === "PUT") {
      const next = parseBehaviour(body);
      if (typeof next === "string") return json(response, 400, { error: next });
      behaviour = { ...DEFAULT_BEHAVIOUR, ...next };
      return json(response, 200, behaviour);
    }
    return json(response, 404, { error: `no control path ${request.method} ${request.url}` });
  };

  const proxied = (request: IncomingMessage, response: ServerResponse, body: string) => {
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    if (stats.log.length >= LOG_LIMIT) stats.log.shift();
    stats.log.push({
      method: request.method ?? "",
      url: request.url ?? "",
      requestId: headerText(request, "x-request-id"),
      idempotencyKey: headerText(request, "idempotency-key"),
      at: Math.round(performance.now() - started),
    });
    const delayMs = Number(headerText(request, "x-backend-delay-ms") ?? behaviour.delayMs);
    const status = Number(headerText(request, "x-backend-status") ?? behaviour.status);
    const hangup = behaviour.hangup || headerText(request, "x-backend-hangup") === "1";
    const answer = () => {
      stats.inFlight--;
      if (hangup) return void request.socket.destroy();
      if (options.fixed && status === 200) {
        response.writeHead(200, { "content-type": "application/json", "content-length": fixedBody.length });
        return void response.end(fixedBody);
      }
      if (status !== 200)
        return json(response, status, { error: `status ${status} as asked`, instance: options.instance });
      json(response, 200, {
        instance: options.instance,
        method: request.method,
        url: request.url,
        headers: request.headers,
        body,
      });
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  };

  const server = createServer({ keepAliveTimeout: 30_000 }, (request, response) => {
    if (options.fixed && request.method === "GET" && !request.url?.startsWith("/_backend/")) {
      request.resume();
      return proxied(request, response, "");
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (request.url?.startsWith("/_backend/")) return control(request, response, body);
      if (request.url === "/health") {
        stats.healthChecks++;
        return json(response, behaviour.health, { status: behaviour.health === 200 ? "ok" : "failing" });
      }
      proxied(request, response, body);
    });
  });
  server.on("connection", (_socket: Socket) => void stats.connections++);
  return server;
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
